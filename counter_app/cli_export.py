"""``main.py export daily-log``: the daily log as CSV, XLSX or PDF.

The command signs in like the window does: ``--user`` names an account on
this desk and its password comes from ``COUNTER_PASSWORD``, standard input
(``--password-stdin``) or a prompt, and the sign-in counts towards the lock. A
supervisor exports the whole site (or the windows and clerks asked for); a
clerk only the own window and records. Every export is written to the audit
log with the user, the filters and the file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from counter_app.cli_secrets import (
    PASSWORD_ENV,
    NoPassword,
    add_password_stdin,
    read_password,
)
from counter_app.i18n import _

Handler = Callable[[argparse.Namespace], int]


def register_export(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:  # type: ignore[type-arg]
    description = _(
        "导出业务日志。需以本机账号登录：--user 指定用户名，密码取自环境变量 "
        "{env} 或标准输入（--password-stdin），都没有时提示输入。科室负责人可导出全中心（或指定窗口、经办人），"
        "窗口人员只能导出本窗口本人的记录。每次导出都记入审计日志。"
    ).format(env=PASSWORD_ENV)
    table["export"] = cmd_export
    p = sub.add_parser(
        "export", help=_("导出业务日志（CSV/XLSX/PDF）"), description=description
    )
    esub = p.add_subparsers(dest="export_command", required=True)
    s = esub.add_parser("daily-log", help=_("导出业务日志"), description=description)
    s.add_argument("--date", required=True, help=_("日期 YYYY-MM-DD（区间的起始日）"))
    s.add_argument("--to", default="", help=_("区间的结束日 YYYY-MM-DD（可选）"))
    s.add_argument(
        "--format", choices=["csv", "xlsx", "pdf"], required=True, help=_("文件格式")
    )
    s.add_argument("--out", type=Path, required=True, help=_("输出文件"))
    s.add_argument("--window", default="", help=_("只导出该窗口"))
    s.add_argument("--clerk", default="", help=_("只导出该经办人（用户名）"))
    s.add_argument("--department", default="", help=_("只导出该部门"))
    s.add_argument("--item", default="", help=_("只导出该事项编码"))
    s.add_argument("--user", required=True, help=_("登录用户名"))
    add_password_stdin(s)


def cmd_export(args: argparse.Namespace) -> int:
    from counter_app.cli import open_store
    from counter_app.services.context import DeskContext
    from counter_app.services.daily_log import LogFilter
    from counter_app.services.exports import ExportFormat, export_daily_log, parse_day
    from counter_app.services.users import SignInFailed, authenticate
    from counter_app.store import settings

    start = parse_day(args.date, field="date")
    end = parse_day(args.to, field="to") if args.to else start
    try:
        password = read_password(
            args, prompt=_("{user} 的密码：").format(user=args.user)
        )
    except NoPassword as exc:
        print(_("错误：{message}").format(message=exc), file=sys.stderr)
        return 2
    store = open_store(args)
    try:
        try:
            user = authenticate(
                store, username=args.user, password=password, channel="cli"
            )
        except SignInFailed as exc:
            print(_("错误：{message}").format(message=exc), file=sys.stderr)
            return 2
        if user.must_change:
            print(
                _(
                    "错误：{user} 的密码是管理员设置的临时密码，请先在窗口程序中登录"
                    "并设置自己的密码，再导出。"
                ).format(user=user.username),
                file=sys.stderr,
            )
            return 2
        ident = settings.identity(store.db)
        ctx = DeskContext(
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            site_code=ident.site_code,
            window_code=ident.window_code,
            desk_id=ident.desk_id,
        )
        wanted = LogFilter(
            start=start,
            end=end,
            window_code=args.window,
            clerk=args.clerk,
            department=args.department,
            item_code=args.item,
        )
        result = export_daily_log(
            store, ctx, wanted, fmt=ExportFormat(args.format), out=args.out
        )
    finally:
        store.close()
    print(
        _("已导出 {rows} 条记录到 {path}。").format(rows=result.rows, path=result.path)
    )
    print(
        _("数据完整性：{coverage}").format(
            coverage=result.log.coverage_text() or _("无记录")
        )
    )
    if result.log.filters != wanted:
        print(
            _("注意：窗口人员只能导出本窗口本人的记录，已按此筛选。"), file=sys.stderr
        )
    return 0
