"""Sub-commands ``backup``, ``restore`` and ``check``: the desk's data folder
saved to one encrypted file, put back, and checked."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from counter_app.i18n import _

Handler = Callable[[argparse.Namespace], int]


def register_backup(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:  # type: ignore[type-arg]
    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        table[name] = handler
        return sub.add_parser(name, help=help_text, description=help_text)  # type: ignore[no-any-return]

    p = add(
        "backup",
        cmd_backup,
        _("把数据库和扫描件备份到一个文件（与数据一样加密，需本机密钥才能恢复）"),
    )
    p.add_argument("--out", type=Path, required=True, help=_("备份文件"))
    p = add(
        "restore",
        cmd_restore,
        _("用备份文件替换本数据目录的数据库和扫描件（请先关闭窗口程序和同步）"),
    )
    p.add_argument("file", type=Path, help=_("备份文件"))
    p = add("check", cmd_check, _("检查数据库和扫描件是否完整"))
    p.add_argument(
        "--verify-scans", action="store_true", help=_("逐个解密并核对扫描件（较慢）")
    )


def cmd_backup(args: argparse.Namespace) -> int:
    from counter_app.services import backup
    from counter_app.store.db import Store

    with Store.open(Path(args.data_dir)) as store:
        report = backup.backup(store, args.out)
    print(
        _(
            "已备份到 {path}：{applications} 个办件，{blobs} 个扫描件文件，"
            "{size} MB。备份文件已加密，只能在本数据目录（或持有站点密钥文件的终端）"
            "上恢复。"
        ).format(
            path=report.path,
            applications=report.applications,
            blobs=report.blobs,
            size=f"{report.size / 1e6:.1f}",
        )
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from counter_app.services import backup

    report = backup.restore(Path(args.data_dir), args.file)
    print(
        _(
            "已从 {path} 恢复：{applications} 个办件，{blobs} 个扫描件文件。"
            "原有数据已移到数据目录下的 before-restore-* 文件夹，确认无误后可删除。"
            "备份之后的办件如已同步，可在同步后从中心平台取回。"
        ).format(path=report.path, applications=report.applications, blobs=report.blobs)
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from counter_app.services import backup
    from counter_app.store.db import Store

    with Store.open(Path(args.data_dir)) as store:
        report = backup.check_integrity(store, verify_blobs=args.verify_scans)
    if report.ok:
        print(_("数据库和扫描件完整。"))
        return 0
    for message in report.messages():
        print(message)
    return 1
