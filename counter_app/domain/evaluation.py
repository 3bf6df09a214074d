"""好差评 levels and reasons (国办发〔2019〕51号): 5 非常满意 … 1 非常不满意;
1 and 2 are bad ratings, each needing a follow-up record."""

from __future__ import annotations

from counter_app.i18n import N_

LEVELS: tuple[tuple[int, str], ...] = (
    (5, N_("非常满意")),
    (4, N_("满意")),
    (3, N_("基本满意")),
    (2, N_("不满意")),
    (1, N_("非常不满意")),
)
GOOD_REASONS = (N_("办事效率高"), N_("服务态度好"), N_("一次办成"), N_("指引清楚"))
BAD_REASONS = (N_("等候时间长"), N_("材料要求不清楚"), N_("服务态度差"), N_("多次跑腿"))
#: Where a rating was given (evaluations.channel).
CHANNEL_WINDOW = "window"
CHANNEL_PAD = "pad"  # the evaluation screen on the desk's second display
CHANNEL_PAD_WEB = "pad_web"  # the tablet page served by the desk


def is_bad(level: int) -> bool:
    return level <= 2
