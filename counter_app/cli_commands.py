"""The sub-commands. Each is a small function over the services."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from counter_app.i18n import _, listing

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
    s = csub.add_parser(
        "import",
        help=_("从目录导入事项目录（items.json，可带 bundles.json）"),
        description=_("从目录导入事项目录（items.json，可带 bundles.json）"),
    )
    s.add_argument("directory", type=Path)

    p = add("calendar", cmd_calendar, _("节假日日历"))
    csub = p.add_subparsers(dest="calendar_command", required=True)
    s = csub.add_parser(
        "import",
        help=_("导入节假日日历文件（JSON）"),
        description=_("导入节假日日历文件（JSON）"),
    )
    s.add_argument("file", type=Path)

    p = add("print", cmd_print, _("把办件的文书输出为 PDF（补打时标注“补打”）"))
    p.add_argument(
        "document",
        choices=[
            "receipt",
            "notice",
            "rejection",
            "delivery",
            "deferred",
            "commitment",
            "materials_receipt",
            "checklist",
        ],
        help=_("文书种类；checklist 为一次性告知单"),
    )
    p.add_argument("--application", help=_("受理编号"))
    p.add_argument("--item", help=_("事项编码（checklist 用）"))
    p.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="KEY=yes|no",
        help=_("情形回答（checklist 用），例如 agent=yes"),
    )
    p.add_argument("--paper", choices=["a4", "roll80"], default="a4")
    p.add_argument("--out", type=Path, required=True, help=_("输出 PDF 文件"))

    from counter_app.cli_audit import register_audit
    from counter_app.cli_backup import register_backup
    from counter_app.cli_export import register_export
    from counter_app.cli_hall import register_hall
    from counter_app.cli_maintenance import register_maintenance
    from counter_app.cli_selftest import register_selftest
    from counter_app.cli_site import register_site
    from counter_app.cli_sync import register_sync
    from counter_app.cli_users import register_user

    register_user(add)
    register_site(add)
    register_hall(add)
    register_sync(sub, table)
    register_export(sub, table)
    register_audit(sub, table)
    register_backup(sub, table)
    register_maintenance(sub, table)
    register_selftest(sub, table)


def cmd_gui(args: argparse.Namespace) -> int:
    from counter_app.ui.app import run_gui

    return run_gui(
        Path(args.data_dir),
        language=args.lang,
        site_config=getattr(args, "site_config", None),
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from counter_app.cli import open_store
    from counter_app.demo_platform import ensure_demo_key, start_demo_platform
    from counter_app.services.demo import (
        DEMO_PASSWORD,
        DEMO_USERS,
        seed_demo,
        seed_users,
    )

    for notice in ensure_demo_key(Path(args.data_dir)):
        print(notice)
    store = open_store(args)
    empty = store.db.execute("SELECT 1 FROM applications LIMIT 1").fetchone() is None
    if empty:
        print(_("正在生成演示数据（{n} 件）……").format(n=args.applications))
        seed_demo(store, applications=args.applications)
    seed_users(store)
    store.close()
    platform = start_demo_platform(Path(args.data_dir))
    for notice in platform.notices:
        print(notice)
    print(_("演示账号（密码均为 {password}）：").format(password=DEMO_PASSWORD))
    for username, name, role in DEMO_USERS:
        label = _("科室负责人") if role == "supervisor" else _("窗口人员")
        print(f"  {username:10} {name}  {label}")
    print(_("数据目录：{path}").format(path=args.data_dir))
    try:
        if args.no_gui:
            from sync.runner import sync_once

            report = sync_once(Path(args.data_dir))
            print(_("已同步：发送 {n} 项变更。").format(n=report.acked))
            return 0
        return cmd_gui(args)
    finally:
        platform.stop()


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
    if args.catalog_command == "import":
        from counter_app.services.setup import import_catalog

        count = import_catalog(store, args.directory, actor="cli")
        store.close()
        print(_("已导入 {n} 个事项。").format(n=count))
        return 0
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
            years=listing(str(y) for y in years)
        )
    )
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    from counter_app.cli import open_store
    from counter_app.services import documents
    from counter_app.services.consultations import consult
    from counter_app.services.context import DeskContext
    from counter_app.store import records, settings
    from printing.model import Paper

    store = open_store(args)
    try:
        ident = settings.identity(store.db)
        if args.document == "checklist":
            if not args.item:
                print(_("打印一次性告知单需要 --item 事项编码。"), file=sys.stderr)
                return 2
            ctx = DeskContext(
                username="cli",
                display_name=_("窗口人员"),
                role="clerk",
                site_code=ident.site_code,
                window_code=ident.window_code,
            )
            answers = _answers(args.answer)
            consultation = consult(store, ctx, item_code=args.item, answers=answers)
            pdf = documents.render_checklist(store, ctx, consultation)
            app_id = None
        else:
            if not args.application:
                print(_("请用 --application 指定受理编号。"), file=sys.stderr)
                return 2
            app_id = records.application_id_by_number(store.db, args.application)
            if app_id is None:
                print(
                    _("找不到受理编号 {number}。请核对编号。").format(
                        number=args.application
                    ),
                    file=sys.stderr,
                )
                return 2
            record = records.application(store.db, app_id)
            assert record is not None
            args.document = documents.resolve_kind(args.document, record)
            if args.document not in documents.documents_for(record):
                print(
                    _("该办件没有“{document}”这种文书（可打印：{kinds}）。").format(
                        document=args.document,
                        kinds=listing(documents.documents_for(record)),
                    ),
                    file=sys.stderr,
                )
                return 2
            clerk = store.db.execute(
                "SELECT display_name FROM users WHERE username = ?", [record["clerk"]]
            ).fetchone()
            ctx = DeskContext(
                username=record["clerk"],
                display_name=clerk[0] if clerk else record["clerk"],
                role="clerk",
                site_code=record["site_code"],
                window_code=record["window_code"],
            )
            pdf = documents.render_for_applications(
                store,
                ctx,
                kind=args.document,
                application_ids=[app_id],
                paper=Paper(args.paper),
            )
        _write_atomically(args.out, pdf)
        documents.record_print(
            store,
            ctx,
            application_id=app_id,
            document=args.document,
            printer="file",
            status="saved",
        )
    finally:
        store.close()
    print(_("已保存 {path}").format(path=args.out))
    return 0


def _answers(pairs: list[str]) -> dict[str, bool]:
    answers = {}
    for pair in pairs:
        key, _sep, value = pair.partition("=")
        answers[key.strip()] = value.strip().lower() in ("yes", "y", "1", "true", "是")
    return answers


def _write_atomically(path: Path, data: bytes) -> None:
    import os

    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _os_actor() -> str:
    """Who ran an administrative command, for the audit trail."""
    import getpass

    try:
        return "cli:" + getpass.getuser()
    except (OSError, KeyError):
        return "cli"
