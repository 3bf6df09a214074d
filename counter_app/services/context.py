"""Who is acting, and where: passed to every service call."""

from __future__ import annotations

from dataclasses import dataclass

from counter_app.i18n import _


class PermissionDenied(Exception):
    """The signed-in user's role does not allow this action."""


@dataclass(frozen=True)
class DeskContext:
    username: str
    display_name: str
    role: str  # "clerk" | "supervisor"
    site_code: str
    window_code: str
    desk_id: str = ""

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    def require_supervisor(self, action: str) -> None:
        if not self.is_supervisor:
            raise PermissionDenied(
                _("“{action}”需要科室负责人权限，请由负责人登录后操作。").format(
                    action=action
                )
            )
