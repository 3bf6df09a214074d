"""The sub-commands. Each is a small function over the services."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from counter_app.i18n import _

Handler = Callable[[argparse.Namespace], int]


def register(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:  # type: ignore[type-arg]
    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        table[name] = handler
        return sub.add_parser(name, help=help_text, description=help_text)  # type: ignore[no-any-return]

    table["gui"] = cmd_gui
    add("gui", cmd_gui, _("启动窗口程序（默认）"))
    p = add("demo", cmd_demo, _("准备演示数据并启动窗口程序"))
    p.add_argument(
        "--applications", type=int, default=300, help=_("首次运行时生成的演示办件数")
    )
    p.add_argument("--no-gui", action="store_true", help=_("只准备数据，不启动界面"))

    p = add("demo-seed", cmd_demo_seed, _("通过业务服务生成演示办件"))
    p.add_argument("--applications", type=int, required=True, help=_("办件数量"))
    p.add_argument("--days", type=int, default=20, help=_("分布在最近多少个工作日"))
    p.add_argument("--seed", type=int, default=7, help=_("随机种子"))

    p = add("catalog", cmd_catalog, _("事项目录"))
    csub = p.add_subparsers(dest="catalog_command", required=True)
    s = csub.add_parser(
        "search",
        help=_("按名称、编码或拼音首字母查找事项"),
        description=_("按名称、编码或拼音首字母查找事项"),
    )
    s.add_argument("text", help=_("查找内容，例如 营业执照、yyzz"))
    s.add_argument("--limit", type=int, default=20)

    p = add("calendar", cmd_calendar, _("节假日日历"))
    csub = p.add_subparsers(dest="calendar_command", required=True)
    s = csub.add_parser(
        "import",
        help=_("导入节假日日历文件（JSON）"),
        description=_("导入节假日日历文件（JSON）"),
    )
    s.add_argument("file", type=Path)

    p = add("user", cmd_user, _("用户管理"))
    usub = p.add_subparsers(dest="user_command", required=True)
    s = usub.add_parser(
        "add", help=_("添加或重置用户"), description=_("添加或重置用户")
    )
    s.add_argument("username")
    s.add_argument("--name", required=True, help=_("显示姓名"))
    s.add_argument("--role", choices=["clerk", "supervisor"], default="clerk")
    s.add_argument("--password", required=True)


def cmd_gui(args: argparse.Namespace) -> int:
    from counter_app.ui.app import run_gui

    return run_gui(Path(args.data_dir), language=args.lang)


def cmd_demo(args: argparse.Namespace) -> int:
    from counter_app.cli import open_store
    from counter_app.services.demo import (
        DEMO_PASSWORD,
        DEMO_USERS,
        seed_demo,
        seed_users,
    )

    store = open_store(args)
    empty = store.db.execute("SELECT 1 FROM applications LIMIT 1").fetchone() is None
    if empty:
        print(_("正在生成演示数据（{n} 件）……").format(n=args.applications))
        seed_demo(store, applications=args.applications)
    seed_users(store)
    store.close()
    print(_("演示账号（密码均为 {password}）：").format(password=DEMO_PASSWORD))
    for username, name, role in DEMO_USERS:
        label = _("科室负责人") if role == "supervisor" else _("窗口人员")
        print(f"  {username:10} {name}  {label}")
    print(_("数据目录：{path}").format(path=args.data_dir))
    if args.no_gui:
        return 0
    return cmd_gui(args)


def cmd_demo_seed(args: argparse.Namespace) -> int:
    from counter_app.cli import open_store
    from counter_app.services.demo import seed_demo

    store = open_store(args)
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(
            _("已生成 {done}/{total}").format(done=done, total=total), file=sys.stderr
        )

    made = seed_demo(
        store,
        applications=args.applications,
        days=args.days,
        seed=args.seed,
        progress=progress,
    )
    store.close()
    print(
        _("已生成 {n} 件演示办件，用时 {seconds:.1f} 秒。").format(
            n=made, seconds=time.perf_counter() - started
        )
    )
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    from counter_app.cli import open_store
    from counter_app.store.catalog import search

    store = open_store(args)
    hits = search(store.db, args.text, limit=args.limit)
    store.close()
    if not hits:
        print(
            _(
                "没有找到与“{text}”相符的事项。可换用事项名称中的词、编码或拼音首字母。"
            ).format(text=args.text),
            file=sys.stderr,
        )
        return 1
    for hit in hits:
        print(
            f"{hit.code}\t{hit.name}\t{hit.department}\t"
            + _("承诺 {days} 个工作日").format(days=hit.promised_days)
        )
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from counter_app.cli import open_store
    from counter_app.services.setup import import_calendar

    store = open_store(args)
    years = import_calendar(store, args.file, actor="cli")
    store.close()
    print(
        _("已导入 {years} 年的节假日安排。").format(
            years="、".join(str(y) for y in years)
        )
    )
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    from counter_app.cli import open_store
    from counter_app.services.users import add_user

    store = open_store(args)
    add_user(
        store,
        username=args.username,
        display_name=args.name,
        role=args.role,
        password=args.password,
    )
    store.close()
    print(_("用户 {username} 已保存。").format(username=args.username))
    return 0
