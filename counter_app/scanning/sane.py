"""SANE scanners through the ``scanimage`` command (Linux, no C binding).

Every failure is a ``SourceUnavailable`` or ``ScannerFailed`` with a message
for the clerk; nothing here crashes when the binary or the device is missing.
``SANE_CONFIG_DIR`` in ``env`` selects another configuration (tests use the
``test`` backend without touching /etc).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from counter_app.i18n import _
from counter_app.scanning.errors import ScannerFailed, SourceUnavailable
from counter_app.scanning.processing import CancelToken

Progress = Callable[[int, int], None]
LIST_TIMEOUT_S = 30.0
PAGE_TIMEOUT_S = 120.0
_SEP = "\x1f"


@dataclass(frozen=True)
class ScannerDevice:
    name: str  # e.g. "test:0", "epson2:net:192.168.1.5"
    vendor: str
    model: str
    kind: str

    @property
    def label(self) -> str:
        return f"{self.vendor} {self.model} ({self.name})"


@dataclass(frozen=True)
class DeviceOptions:
    modes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    resolutions: list[int] = field(default_factory=list)  # listed values, or
    resolution_range: tuple[int, int] | None = None  # a min..max range

    @property
    def adf_source(self) -> str | None:
        for source in self.sources:
            lowered = source.lower()
            if "adf" in lowered or "feeder" in lowered or "automatic" in lowered:
                return source
        return None


@dataclass(frozen=True)
class ScanSettings:
    resolution: int = 200
    mode: str | None = "Gray"  # device's own name: Color, Gray, Lineart, …
    source: str | None = None  # None = device default (usually flatbed)
    image_format: str = "png"  # png, tiff or jpeg


def scanimage_path() -> str | None:
    return shutil.which("scanimage")


def unavailable_reason() -> str | None:
    """Why SANE cannot be used on this machine, or None if it can."""
    if os.name == "nt":
        return _("Windows 不支持 SANE 扫描仪，请使用热文件夹或导入文件。")
    if scanimage_path() is None:
        return _("未找到 scanimage 程序（sane-utils），无法直接扫描。请安装后重试。")
    return None


def _run(
    args: list[str], *, env: Mapping[str, str] | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    binary = scanimage_path()
    reason = unavailable_reason()
    if binary is None or reason is not None:
        raise SourceUnavailable(reason or "")
    full_env = dict(os.environ) | dict(env or {})
    try:
        return subprocess.run(
            [binary, *args], capture_output=True, text=True, env=full_env,
            timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise SourceUnavailable(
            _("扫描仪在 {seconds} 秒内没有响应，请检查电源和连接线。").format(
                seconds=int(timeout)
            )
        ) from exc


def list_devices(
    *, env: Mapping[str, str] | None = None, timeout: float = LIST_TIMEOUT_S
) -> list[ScannerDevice]:
    """The scanners SANE sees; an empty list when none is connected."""
    fmt = _SEP.join(["%d", "%v", "%m", "%t"]) + "%n"
    proc = _run([f"--formatted-device-list={fmt}"], env=env, timeout=timeout)
    if proc.returncode != 0:
        raise SourceUnavailable(
            _("无法列出扫描仪：{error}").format(error=_last_line(proc.stderr))
        )
    devices = []
    for line in proc.stdout.splitlines():
        parts = line.split(_SEP)
        if len(parts) == 4 and parts[0]:
            devices.append(ScannerDevice(*parts))
    return devices


_OPTION_RE = re.compile(r"^\s+--(mode|source|resolution)\s+(.+?)\s+\[(.*)\]\s*$")


def device_options(
    device: str, *, env: Mapping[str, str] | None = None
) -> DeviceOptions:
    proc = _run(["-d", device, "-A"], env=env, timeout=LIST_TIMEOUT_S)
    if proc.returncode != 0:
        raise SourceUnavailable(_device_error(device, proc.stderr))
    found: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        match = _OPTION_RE.match(line)
        if match and match.group(1) not in found:
            found[match.group(1)] = match.group(2)
    modes = found.get("mode", "").split("|") if "mode" in found else []
    sources = found.get("source", "").split("|") if "source" in found else []
    resolutions: list[int] = []
    span: tuple[int, int] | None = None
    raw = found.get("resolution", "").replace("dpi", "")
    if ".." in raw:
        low, high = raw.split("..", 1)
        span = (int(float(low)), int(float(high.split()[0])))
    elif raw:
        resolutions = [int(float(v)) for v in raw.split("|") if v.strip()]
    return DeviceOptions(modes, sources, resolutions, span)


def _scan_args(device: str, settings: ScanSettings) -> list[str]:
    args = ["-d", device, f"--format={settings.image_format}",
            "--resolution", str(settings.resolution)]  # fmt: skip
    if settings.mode:
        args += ["--mode", settings.mode]
    if settings.source:
        args += ["--source", settings.source]
    return args


def _device_error(device: str, stderr: str) -> str:
    detail = _last_line(stderr)
    lowered = detail.lower()
    if "invalid argument" in lowered or "no such" in lowered:
        return _("找不到扫描仪“{device}”，请检查是否已连接并打开电源。").format(
            device=device
        )
    if "busy" in lowered:
        return _("扫描仪“{device}”正忙，请稍候再试。").format(device=device)
    if "out of documents" in lowered or "no docs" in lowered:
        return _("扫描仪“{device}”的进纸器中没有纸张，请放入文件后重试。").format(
            device=device
        )
    if "jammed" in lowered:
        return _("扫描仪“{device}”卡纸，请取出纸张后重试。").format(device=device)
    if "cover" in lowered:
        return _("扫描仪“{device}”的盖板未合上。").format(device=device)
    return _("扫描仪“{device}”出错：{error}").format(device=device, error=detail)


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def scan_page(
    device: str,
    settings: ScanSettings,
    *,
    env: Mapping[str, str] | None = None,
    cancel: CancelToken | None = None,
    timeout: float = PAGE_TIMEOUT_S,
) -> bytes:
    """One page from the flatbed (or the first sheet of the feeder)."""
    pages = scan_batch(
        device, settings, env=env, cancel=cancel, count=1, timeout=timeout
    )
    return pages[0]


def scan_batch(
    device: str,
    settings: ScanSettings,
    *,
    env: Mapping[str, str] | None = None,
    count: int | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    timeout: float = PAGE_TIMEOUT_S,
) -> list[bytes]:
    """Scan until the feeder is empty (or ``count`` pages) with ``--batch``.

    ``progress(done, total)`` gets ``total = 0`` when the count is unknown.
    """
    binary = scanimage_path()
    reason = unavailable_reason()
    if binary is None or reason is not None:
        raise SourceUnavailable(reason or "")
    ext = {"png": "png", "tiff": "tif", "jpeg": "jpg"}[settings.image_format]
    with tempfile.TemporaryDirectory(prefix="counter-scan-") as tmp:
        pattern = str(Path(tmp) / f"page%04d.{ext}")
        args = [binary, *_scan_args(device, settings), f"--batch={pattern}"]
        if count is not None:
            args.append(f"--batch-count={count}")
        full_env = dict(os.environ) | dict(env or {})
        with tempfile.TemporaryFile() as err, subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=err, env=full_env
        ) as proc:  # fmt: skip
            _wait(proc, Path(tmp), count, progress, cancel, timeout)
            err.seek(0)
            stderr = err.read().decode(errors="replace")
        files = sorted(Path(tmp).glob(f"page*.{ext}"))
        pages = [f.read_bytes() for f in files if f.stat().st_size > 0]
        # ``scanimage`` ends a feeder batch with "out of documents": not an error
        # once at least one page came through.
        if proc.returncode != 0 or not pages:
            if pages and "out of documents" in stderr.lower():
                return pages
            raise ScannerFailed(_device_error(device, stderr))
        if progress is not None:
            progress(len(pages), count or len(pages))
        return pages


def _wait(
    proc: subprocess.Popen[bytes], folder: Path, count: int | None,
    progress: Progress | None, cancel: CancelToken | None, timeout: float,
) -> None:  # fmt: skip
    last = -1
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        # A page file appears when its scan starts; the one before is complete.
        done = max(0, len(list(folder.iterdir())) - 1)
        if done != last:
            last = done
            deadline = time.monotonic() + timeout
            if progress is not None:
                progress(done, count or 0)
        if cancel is not None and cancel.cancelled:
            proc.terminate()
            proc.wait(timeout=10)
            cancel.check()
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise ScannerFailed(_("扫描超时，请检查扫描仪后重试。"))
        time.sleep(0.05)
