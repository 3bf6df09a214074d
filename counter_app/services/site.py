"""The desk's site and window codes: what its acceptance numbers start with.

A new desk numbers under a desk-unique provisional site code (migration
0013, ``sync/codes.py``) until a supervisor sets the real codes here or the
desk enrolls. Numbers already issued never change: a new code only affects
new numbers, and enrollment sends the prefixes used so far to the platform
(:func:`used_prefixes`), which records them for this desk.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from counter_app.domain.errors import DomainError
from counter_app.i18n import _
from counter_app.services.context import DeskContext
from counter_app.services.settings_service import put_audited
from counter_app.store import settings
from counter_app.store.db import Store
from sync.codes import (
    PROVISIONAL_SITE_LEAD,
    SITE_CODE_RULE,
    WINDOW_CODE_RULE,
    is_provisional_site_code,
    is_site_code,
    is_window_code,
)


class SiteCodeError(DomainError):
    """A refused site or window code; ``field`` is site_code or window_code."""


@dataclass(frozen=True)
class SiteCodes:
    site_code: str
    window_code: str
    provisional: bool  # numbering under a provisional site code
    enrolled: bool  # codes come from the platform; not changed here
    numbers_issued: bool  # numbers exist under the current codes


def current(db: Database) -> SiteCodes:
    site, window = settings.get(db, "site_code"), settings.get(db, "window_code")
    issued = db.execute(
        "SELECT 1 FROM window_sequences WHERE site_code = ? AND window_code = ?"
        " LIMIT 1",
        [site, window],
    ).fetchone()
    return SiteCodes(
        site_code=site,
        window_code=window,
        provisional=is_provisional_site_code(site),
        enrolled=bool(settings.get(db, "desk_id")),
        numbers_issued=issued is not None,
    )


def set_site_and_window(
    store: Store, ctx: DeskContext, *, site_code: str, window_code: str
) -> SiteCodes:
    """Set the real site and window codes of a desk not enrolled yet
    (supervisor). Numbers already issued keep their codes."""
    ctx.require_supervisor(_("设置站点和窗口代码"))
    site, window = site_code.strip().upper(), window_code.strip().upper()
    if not is_site_code(site):
        raise SiteCodeError(
            _("站点代码“{code}”无效：应为{rule}").format(
                code=site, rule=SITE_CODE_RULE
            ),
            field="site_code",
        )
    if is_provisional_site_code(site):
        raise SiteCodeError(
            _(
                "站点代码“{code}”无效：以 {lead} 开头的代码留作未注册终端的"
                "临时代码，请填写真实的站点代码"
            ).format(code=site, lead=PROVISIONAL_SITE_LEAD),
            field="site_code",
        )
    if not is_window_code(window):
        raise SiteCodeError(
            _("窗口代码“{code}”无效：应为{rule}").format(
                code=window, rule=WINDOW_CODE_RULE
            ),
            field="window_code",
        )
    with store.transaction() as db:
        if settings.get(db, "desk_id"):
            raise SiteCodeError(
                _(
                    "本终端已注册到中心平台，站点和窗口代码由平台分配，"
                    "不能在本机修改。请联系中心平台管理员。"
                ),
                field="site_code",
            )
        put_audited(db, "site_code", site, actor=ctx.username)
        put_audited(db, "window_code", window, actor=ctx.username)
    return current(store.db)


def used_prefixes(db: Database) -> list[tuple[str, str]]:
    """(site, window) pairs this desk made records under: the numbers it
    issued, and its consultations and day closes (which carry the codes)."""
    rows = db.execute(
        "SELECT site_code, window_code FROM window_sequences"
        " UNION SELECT site_code, window_code FROM consultations"
        " UNION SELECT site_code, window_code FROM day_closes"
        " ORDER BY 1, 2"
    ).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def adopt_enrolled_codes(db: Database, *, site_code: str, window_code: str) -> int:
    """At enrollment, inside its transaction: the desk's own records made
    under earlier codes now belong to the site and window the platform
    gave it (as the platform files them), so reports and day closes find
    them. Their acceptance numbers, and the sequences behind them, stay as
    printed. Returns how many applications moved."""
    moved = [
        str(r[0])
        for r in db.execute(
            "SELECT id FROM applications WHERE origin = 'local'"
            " AND (site_code <> ? OR window_code <> ?)",
            [site_code, window_code],
        )
    ]
    db.execute(
        "UPDATE applications SET site_code = ?, window_code = ?"
        " WHERE origin = 'local' AND (site_code <> ? OR window_code <> ?)",
        [site_code, window_code, site_code, window_code],
    )
    db.execute(
        "UPDATE consultations SET site_code = ?, window_code = ?"
        " WHERE site_code <> ? OR window_code <> ?",
        [site_code, window_code, site_code, window_code],
    )
    db.execute(
        "UPDATE evaluations SET window_code = ? WHERE window_code <> ?"
        " AND application_id IN (SELECT id FROM applications WHERE origin = 'local')",
        [window_code, window_code],
    )
    return len(moved)
