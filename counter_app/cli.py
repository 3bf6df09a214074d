"""Command line: no arguments start the window application; sub-commands
serve operations, demos and tests."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from counter_app.i18n import _, set_language

if TYPE_CHECKING:
    from counter_app.store.db import Store

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Handler] = {}


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("Counter", "Counter"))


def open_store(args: argparse.Namespace) -> Store:
    from counter_app.services.setup import ensure_seeded
    from counter_app.store.db import Store

    store = Store.open(Path(args.data_dir))
    if store.upgrade_backup is not None:
        print(upgrade_notice(store.upgrade_backup), file=sys.stderr)
    ensure_seeded(store)
    config = getattr(args, "site_config", None)
    if config is not None:
        from counter_app.services.site_config import apply_site_config

        try:
            for notice in apply_site_config(store, config):
                print(notice, file=sys.stderr)
        except BaseException:
            store.close()
            raise
    return store


def upgrade_notice(path: Path) -> str:
    return _(
        "程序已升级，数据库已更新到新版本。升级前的数据库已自动备份到 {path}"
        "（保留，不会自动删除）。"
    ).format(path=path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description=_("Counter 政务服务窗口受理系统。不带参数时启动窗口程序。"),
    )
    from counter_app import __version__

    parser.add_argument("--version", action="version", version=f"Counter {__version__}")
    parser.add_argument(
        "--data-dir",
        default=str(default_data_dir()),
        help=_("数据目录（默认：{path}）").format(path=default_data_dir()),
    )
    parser.add_argument(
        "--lang", choices=["zh_CN", "en"], default=None, help=_("界面和打印语言")
    )
    parser.add_argument(
        "--config",
        default=None,
        metavar="FILE",
        help=_("站点配置文件（默认：{path}，存在时读取）").format(
            path=_default_config()
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar=_("子命令"))
    from counter_app import cli_commands

    cli_commands.register(sub, _COMMANDS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = _hoist_globals(list(sys.argv[1:] if argv is None else argv))
    lang = _peek_lang(argv)
    if lang:
        set_language(lang)
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    problem = _load_site_config(args)
    if problem:
        print(problem, file=sys.stderr)
        if command == "gui":
            _show_start_error(problem)
        return 2
    if command == "gui":  # the GUI reports its own errors; start it light
        return _COMMANDS[command](args)
    from counter_app.domain.errors import DomainError
    from counter_app.services.context import PermissionDenied
    from counter_app.store.db import StoreError

    try:
        return _COMMANDS[command](args)
    except (StoreError, DomainError, PermissionDenied, OSError) as exc:
        print(_("错误：{message}").format(message=exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


GLOBAL_OPTIONS = ("--data-dir", "--lang", "--config")


def _hoist_globals(argv: list[str]) -> list[str]:
    """Let ``--data-dir``/``--lang``/``--config`` stand anywhere (``demo --data-dir D``):
    argparse only takes them before the sub-command."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in GLOBAL_OPTIONS and i + 1 < len(argv):
            front += argv[i : i + 2]
            i += 2
            continue
        if arg.startswith(tuple(o + "=" for o in GLOBAL_OPTIONS)):
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def _peek_lang(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _default_config() -> Path:
    from counter_app.services.site_config import default_path

    return default_path()


def _load_site_config(args: argparse.Namespace) -> str | None:
    """Read the site configuration whole into ``args.site_config``; the
    message when it cannot be used (nothing has started then)."""
    from counter_app.services.site_config import (
        SiteConfigError,
        find_config,
        load_site_config,
    )

    args.site_config = None
    path = find_config(args.config)
    if path is None:
        return None
    try:
        args.site_config = load_site_config(path)
    except SiteConfigError as exc:
        return str(exc)
    return None


def _show_start_error(message: str) -> None:
    """The same message in a window, for a desk started from its menu."""
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox
    except ImportError:
        return
    if QApplication.instance() is None:
        QApplication(sys.argv[:1])
    if QApplication.platformName() != "offscreen":
        QMessageBox(QMessageBox.Icon.Critical, "Counter", message).exec()
