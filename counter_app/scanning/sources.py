"""Which scan sources this desk can use right now, with the reason if not.

Sources: file import (always), a hot folder, SANE scanners and document
cameras. The UI shows unavailable ones greyed out with ``reason``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from counter_app.i18n import _
from counter_app.scanning import sane
from counter_app.scanning.errors import SourceUnavailable


@dataclass(frozen=True)
class SourceStatus:
    kind: str  # "files", "hot_folder", "sane", "camera"
    label: str
    device: str | None = None  # SANE device name for kind "sane"
    reason: str | None = None  # None when available

    @property
    def available(self) -> bool:
        return self.reason is None


def camera_available() -> str | None:
    """None if a document camera can be used, else why not (Chinese).

    Needs the application's QCoreApplication: QtMultimedia enumerates devices
    through the Qt event loop.
    """
    try:
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:
        return _("未安装 Qt 多媒体组件（QtMultimedia），无法使用高拍仪。")
    if QCoreApplication.instance() is None:
        return _("程序界面尚未启动，无法检测高拍仪。")
    try:
        inputs = QMediaDevices.videoInputs()
    except RuntimeError:
        return _("无法访问摄像设备，请检查系统权限。")
    if not inputs:
        return _("未检测到高拍仪或摄像头，请检查 USB 连接。")
    return None


def hot_folder_reason(folder: Path | None) -> str | None:
    if folder is None:
        return _("尚未设置热文件夹。请在设置中选择扫描软件保存文件的文件夹。")
    if not folder.is_dir():
        return _("热文件夹“{path}”不存在，请检查设置或网络盘连接。").format(path=folder)
    if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        return _("没有权限读写热文件夹“{path}”。").format(path=folder)
    return None


def source_statuses(
    *,
    hot_folder: Path | None = None,
    sane_env: Mapping[str, str] | None = None,
    include_camera: bool = True,
) -> list[SourceStatus]:
    """Every source with its availability; never raises for a missing device."""
    statuses = [
        SourceStatus("files", _("导入文件")),
        SourceStatus("hot_folder", _("热文件夹"), reason=hot_folder_reason(hot_folder)),
    ]
    try:
        devices = sane.list_devices(env=sane_env)
    except SourceUnavailable as exc:
        statuses.append(SourceStatus("sane", _("扫描仪"), reason=exc.message))
    else:
        if not devices:
            statuses.append(
                SourceStatus("sane", _("扫描仪"),
                             reason=_("未检测到扫描仪，请检查是否已连接并打开电源。"))
            )  # fmt: skip
        for device in devices:
            statuses.append(SourceStatus("sane", device.label, device=device.name))
    if include_camera:
        statuses.append(SourceStatus("camera", _("高拍仪"), reason=camera_available()))
    return statuses
