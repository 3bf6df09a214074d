"""``main.py site``: show or set the desk's site and window codes.

Before enrollment only (afterwards the platform assigns them); whoever runs
it can open the desk's data folder, so acts as its administrator (audited
under ``cli:<OS user>``, as ``user``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from counter_app.i18n import _

Handler = Callable[[argparse.Namespace], int]


def register_site(add: Callable[[str, Handler, str], argparse.ArgumentParser]) -> None:
    p = add("site", cmd_site, _("查看或设置本终端的站点和窗口代码（注册前）"))
    p.add_argument("--site", help=_("站点代码，如 330106001"))
    p.add_argument("--window", help=_("窗口代码，如 02"))


def cmd_site(args: argparse.Namespace) -> int:
    from counter_app.cli import open_store
    from counter_app.services import site
    from counter_app.services.users import cli_admin_context

    store = open_store(args)
    try:
        if args.site or args.window:
            now = site.current(store.db)
            try:
                codes = site.set_site_and_window(
                    store,
                    cli_admin_context(),
                    site_code=args.site or now.site_code,
                    window_code=args.window or now.window_code,
                )
            except site.SiteCodeError as exc:
                print(_("错误：{message}").format(message=exc), file=sys.stderr)
                return 2
            if now.numbers_issued:
                print(
                    _(
                        "已发出的受理编号保持不变（{site} 窗口 {window}），"
                        "新的编号使用新代码。"
                    ).format(site=now.site_code, window=now.window_code)
                )
        else:
            codes = site.current(store.db)
        note = _("（临时代码，注册或设置后改用正式代码）") if codes.provisional else ""
        print(
            _("站点代码 {site}，窗口代码 {window}{note}").format(
                site=codes.site_code, window=codes.window_code, note=note
            )
        )
        return 0
    finally:
        store.close()
