"""Numbering prefixes (site code + window code) and the desk that holds
each: a desk holds its own site and window, and the prefixes it numbered
under before it enrolled (a provisional code, or codes configured on the
desk), recorded at enrollment. One desk per prefix, so an acceptance number
names exactly one desk; :mod:`central.authz` accepts a desk's numbers
under any prefix it holds."""

from __future__ import annotations

from collections.abc import Iterable

from sync import protocol as p

from .db import Conn

Prefix = tuple[str, str]  # (site_code, window_code)


class PrefixTaken(ValueError):
    """A prefix is held by another desk, or may not be claimed; the message
    is for the operator, ``code`` the protocol ERROR_*."""

    def __init__(self, message: str, *, code: str = p.ERROR_PREFIX_TAKEN) -> None:
        super().__init__(message)
        self.code = code


def holder(conn: Conn, site_code: str, window_code: str) -> str | None:
    """The desk holding this prefix (as its own codes or recorded), if any."""
    own = conn.scalar(
        "SELECT id FROM desks WHERE site_code = ? AND window_code = ?"
        " ORDER BY created_at LIMIT 1",
        (site_code, window_code),
    )
    if own is not None:
        return str(own)
    recorded = conn.scalar(
        "SELECT desk_id FROM desk_prefixes WHERE site_code = ? AND window_code = ?",
        (site_code, window_code),
    )
    return None if recorded is None else str(recorded)


def record(
    conn: Conn,
    *,
    desk_id: str,
    own_site: str,
    prefixes: Iterable[Prefix],
    at: str,
) -> list[Prefix]:
    """Record the prefixes for ``desk_id`` inside the enrollment's
    transaction; raises :class:`PrefixTaken` (nothing recorded) when one is
    held by another desk. Only provisional codes and other windows of the
    desk's own site may be claimed (a window configured by mistake), so no
    desk can reserve another site's numbers. Returns those newly recorded."""
    added: list[Prefix] = []
    for site_code, window_code in sorted(set(prefixes)):
        held_by = holder(conn, site_code, window_code)
        if held_by == desk_id:
            continue
        if site_code != own_site and not p.is_provisional_site_code(site_code):
            raise PrefixTaken(
                f"本终端注册前使用的站点代码 {site_code} 不是临时代码，也不是本终端"
                f"的站点 {own_site}：不能登记其他站点的受理编号前缀，注册未完成。"
                "请联系中心管理员核对这台终端的站点设置",
                code=p.ERROR_PREFIX_OTHER_SITE,
            )
        if held_by is not None:
            raise PrefixTaken(
                f"本终端注册前使用的编号前缀（站点 {site_code}，窗口 {window_code}）"
                f"已属于另一终端 {held_by}，注册未完成：两台终端的受理编号会重复。"
                "请联系中心管理员核对这台终端的站点和窗口设置"
            )
        conn.execute(
            "INSERT INTO desk_prefixes (site_code, window_code, desk_id, recorded_at)"
            " VALUES (?, ?, ?, ?)",
            (site_code, window_code, desk_id, at),
        )
        added.append((site_code, window_code))
    return added


def held(conn: Conn, *, desk_id: str, site_code: str, window_code: str) -> set[Prefix]:
    """Every prefix the desk may number under: its own first."""
    rows = conn.all(
        "SELECT site_code, window_code FROM desk_prefixes WHERE desk_id = ?",
        (desk_id,),
    )
    return {(site_code, window_code)} | {
        (str(r["site_code"]), str(r["window_code"])) for r in rows
    }
