"""``maintenance``: VACUUM, ANALYZE and PRAGMA optimize, never during a sync."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from counter_app.i18n import _

Handler = Callable[[argparse.Namespace], int]


def register_maintenance(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    table: dict[str, Handler],
) -> None:
    text = _(
        "整理数据库：回收已删除数据占用的磁盘空间（VACUUM）、更新查询统计"
        "（ANALYZE、PRAGMA optimize）、合并全文索引；同步进行时不运行"
    )
    sub.add_parser("maintenance", help=text, description=text)
    table["maintenance"] = cmd_maintenance


def cmd_maintenance(args: argparse.Namespace) -> int:
    from counter_app.cli_commands import _os_actor
    from counter_app.cli_sync import EXIT_BUSY
    from counter_app.services.maintenance import run_maintenance
    from sync.runner import SyncBusy

    try:
        report = run_maintenance(Path(args.data_dir), actor=_os_actor())
    except SyncBusy:
        print(
            _("同步正在进行，未做维护：请在同步结束后再运行 maintenance。"),
            file=sys.stderr,
        )
        return EXIT_BUSY
    print(report.message())
    return 0
