"""The 扫描/附件 cell of the intake checklist: files chosen for a material
before the decision (attached after it), added or removed from a menu."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMenu, QPushButton, QWidget

from counter_app.i18n import _
from counter_app.ui.intake.ops import scans_available


def scan_button(
    *,
    name: str,
    count: int,
    add: Callable[[list[Path]], None],
    remove_all: Callable[[], None],
    parent: QWidget | None = None,
) -> QPushButton:
    """Click to choose files (handed to ``add``); with files chosen, a menu
    also offers removing them."""
    button = QPushButton(
        _("扫描/附件 ({n})").format(n=count) if count else _("扫描/附件"), parent
    )
    button.setAccessibleName(_("扫描/附件"))
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if not scans_available():
        button.setEnabled(False)
        button.setToolTip(_("本机未安装材料扫描模块，无法附加扫描件。"))
        return button
    button.setToolTip(_("受理后附加到该材料"))

    def choose() -> None:
        paths = choose_scan_files(button, name)
        if paths:
            add(paths)

    if not count:
        button.clicked.connect(choose)
        return button
    menu = QMenu(button)
    menu.addAction(_("添加文件…"), choose)
    menu.addAction(_("移除已选的 {n} 个文件").format(n=count), remove_all)
    button.setMenu(menu)
    return button


def choose_scan_files(parent: QWidget, name: str) -> list[Path]:
    paths, _filter = QFileDialog.getOpenFileNames(
        parent,
        _("选择“{name}”的扫描件").format(name=name),
        "",
        _("扫描件 (*.pdf *.png *.jpg *.jpeg *.tif *.tiff);;所有文件 (*)"),
    )
    return [Path(p) for p in paths]
