"""``selftest``: does this installation work? Run by whoever installs the
desk (and by the packaging tests): the window toolkit starts and draws the
sign-in dialog, Qt's own translations are there, the catalog, calendar and
translations ship with the program, the store opens, fonts print."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from counter_app.i18n import _

Handler = Callable[[argparse.Namespace], int]


def register_selftest(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    table: dict[str, Handler],
) -> None:
    text = _("检查本机安装是否完整：界面、翻译、事项目录、日历、数据库和打印字体")
    sub.add_parser("selftest", help=text, description=text)
    table["selftest"] = cmd_selftest


def cmd_selftest(args: argparse.Namespace) -> int:
    checks: list[tuple[str, Callable[[], str]]] = [
        (_("界面"), _check_window),
        (_("数据库和事项目录"), lambda: _check_store(Path(args.data_dir))),
        (_("打印字体"), _check_fonts),
    ]
    failed = 0
    for name, check in checks:
        try:
            detail = check()
        except Exception as exc:  # every failure is reported, the rest still run
            failed += 1
            print(_("失败 {name}：{error}").format(name=name, error=exc))
        else:
            print(_("正常 {name}：{detail}").format(name=name, detail=detail))
    return 1 if failed else 0


def _check_window() -> str:
    from PySide6.QtCore import QLibraryInfo
    from PySide6.QtWidgets import QApplication

    from counter_app.ui.qt_translations import install_qt_translations
    from counter_app.ui.signin import SignInDialog
    from counter_app.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    if not install_qt_translations("zh_CN"):
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        raise RuntimeError(_("缺少 Qt 的中文翻译（{folder}）").format(folder=folder))

    def no_store() -> object:
        raise RuntimeError("selftest")

    tasks = TaskRunner()
    dialog = SignInDialog(no_store, tasks)  # type: ignore[arg-type]
    dialog.show()
    app.processEvents()
    shown = dialog.isVisible()
    dialog.close()
    tasks.wait()
    if not shown:
        raise RuntimeError(_("登录窗口未能显示"))
    return _("{platform}，登录窗口已显示").format(platform=app.platformName())


def _check_store(data_dir: Path) -> str:
    from counter_app.domain.workdays import WorkCalendar
    from counter_app.i18n import LOCALE_DIR
    from counter_app.services.setup import ensure_seeded
    from counter_app.store.db import Store

    mo = LOCALE_DIR / "en" / "LC_MESSAGES" / "counter.mo"
    if not mo.is_file():
        raise RuntimeError(_("缺少英文翻译文件 {path}").format(path=mo))
    years = WorkCalendar.load_default().years
    with Store.open(data_dir) as store:
        ensure_seeded(store)
        items = store.db.execute("SELECT COUNT(*) FROM catalog_items").fetchone()[0]
    return _("{items} 个事项，日历 {first}–{last} 年，{path}").format(
        items=items, first=min(years), last=max(years), path=data_dir
    )


def _check_fonts() -> str:
    from printing.fontfiles import locate_fonts
    from printing.fonts import missing_glyphs, register_fonts

    register_fonts()
    files = ", ".join(f"{f.path}" for f in locate_fonts().values())
    rare = missing_glyphs("王𠮷䶮")
    if rare:
        return _("{files}；生僻字 {chars} 无字体，将打印为空白").format(
            files=files, chars="".join(rare)
        )
    return files
