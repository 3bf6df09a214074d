"""Plain CUPS access without Qt: is a print system there, send a PDF to it.

Printing from the desk goes through Qt's print dialog; this module serves
checks at start-up, printing a finished PDF as is, and tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from counter_app.i18n import _

_TIMEOUT = 15


class PrintError(RuntimeError):
    """The print system refused or failed a job; the message says why."""


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=_TIMEOUT, check=False
    )


def cups_available() -> str | None:
    """None if a CUPS scheduler answers; otherwise the reason, for a clerk."""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return _("未安装 CUPS 打印系统（找不到 lpstat）。请运行 bash run.sh 安装")
    try:
        result = _run([lpstat, "-r"])
    except (OSError, subprocess.TimeoutExpired) as exc:
        return _("无法查询打印服务：{error}").format(error=exc)
    if result.returncode != 0 or "not running" in result.stdout:
        detail = (result.stdout + result.stderr).strip()
        return _("打印服务（cupsd）未运行：{detail}").format(detail=detail or "—")
    return None


def printers() -> list[str]:
    """Names of the queues the scheduler knows (empty if none or no CUPS)."""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return []
    result = _run([lpstat, "-e"])
    if result.returncode != 0:
        return []
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


_JOB_RE = re.compile(r"request id is (\S+)")


def submit_pdf(pdf: Path, *, printer: str, title: str = "", copies: int = 1) -> str:
    """Queue ``pdf`` on ``printer`` with ``lp``; return the job id."""
    lp = shutil.which("lp")
    if lp is None:
        raise PrintError(
            _("未安装 CUPS 打印系统（找不到 lp）。请运行 bash run.sh 安装")
        )
    if not pdf.is_file():
        raise PrintError(_("要打印的文件不存在：{path}").format(path=pdf))
    args = [lp, "-d", printer, "-n", str(copies)]
    if title:
        args += ["-t", title]
    args.append(os.fspath(pdf))
    try:
        result = _run(args)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrintError(_("发送打印任务失败：{error}").format(error=exc)) from exc
    match = _JOB_RE.search(result.stdout)
    if result.returncode != 0 or match is None:
        raise PrintError(
            _("打印机 {printer} 拒绝了打印任务：{detail}").format(
                printer=printer, detail=(result.stderr or result.stdout).strip()
            )
        )
    return match.group(1)
