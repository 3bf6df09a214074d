"""Where the document fonts are on this machine.

Each role (body text, rare characters of CJK Ext. A, of Ext. B+) is looked
for in turn: in ``COUNTER_FONT_DIRS`` and the package's ``resources/fonts``
folder by file name, then in the system's fonts — fontconfig (``fc-match``
by family, ``fc-list`` by a character the font must cover) on Linux, the
Windows font folders on Windows. Only TrueType outlines qualify: reportlab
refuses CFF fonts such as Noto CJK.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from counter_app.i18n import _, listing
from counter_app.resources import resource_path

FONT_DIRS_ENV = "COUNTER_FONT_DIRS"
_FC_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int = 0  # sub-font of a .ttc collection


@dataclass(frozen=True)
class FontSpec:
    name: str
    files: tuple[str, ...]  # known file names, most wanted first
    families: tuple[str, ...]  # fontconfig family names tried with fc-match
    probe: int  # a character the font must draw (fc-list fallback)
    package: str  # the Debian package that ships the first file
    required: bool


BODY = "CounterSans"
RARE_A = "CounterRareA"
RARE_B = "CounterRareB"

SPECS: tuple[FontSpec, ...] = (
    FontSpec(
        BODY,
        # WenQuanYi on Linux; 微软雅黑, 宋体, 黑体 on Windows.
        (
            "wqy/wqy-microhei.ttc",
            "wqy-microhei.ttc",
            "msyh.ttc",
            "simsun.ttc",
            "simhei.ttf",
        ),
        ("WenQuanYi Micro Hei",),
        ord("中"),
        "fonts-wqy-microhei",
        True,
    ),
    FontSpec(
        RARE_A,
        ("hanazono/HanaMinA.ttf", "HanaMinA.ttf", "simsun.ttc"),
        ("HanaMinA",),
        ord("䶮"),
        "fonts-hanazono",
        False,
    ),
    FontSpec(
        RARE_B,
        # SimSun-ExtB ships with every Chinese Windows.
        ("hanazono/HanaMinB.ttf", "HanaMinB.ttf", "simsunb.ttf"),
        ("HanaMinB",),
        ord("𠮷"),
        "fonts-hanazono",
        False,
    ),
)


class FontNotFound(RuntimeError):
    """No usable CJK font file: documents cannot be printed."""


def font_dirs() -> list[Path]:
    """Folders searched by file name before the system's fonts."""
    extra = os.environ.get(FONT_DIRS_ENV, "")
    dirs = [Path(p) for p in extra.split(os.pathsep) if p]
    dirs.append(resource_path("fonts"))
    return dirs


def windows_font_dirs(env: Mapping[str, str]) -> list[Path]:
    """The system and the per-user font folders of Windows."""
    dirs = [Path(env.get("WINDIR") or env.get("SystemRoot") or r"C:\Windows") / "Fonts"]
    local = env.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    return dirs


def find_font_file(candidates: Sequence[str], dirs: Sequence[Path]) -> Path | None:
    """First existing file among ``candidates`` under ``dirs``."""
    for directory in dirs:
        for name in candidates:
            path = directory / name
            if path.is_file():
                return path
    return None


def _by_name(spec: FontSpec, dirs: Sequence[Path]) -> FontFile | None:
    path = find_font_file(spec.files, dirs)
    return None if path is None else FontFile(path)


def _fc(args: Sequence[str]) -> list[str]:
    tool = shutil.which(args[0])
    if tool is None:
        return []
    try:
        out = subprocess.run(
            [tool, *args[1:]],
            capture_output=True,
            text=True,
            timeout=_FC_TIMEOUT_S,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line for line in out.splitlines() if line.strip()]


def _parse(line: str) -> tuple[FontFile, str] | None:
    path, _sep, rest = line.partition("|")
    index, _sep, fmt = rest.partition("|")
    if not path or not index.strip().isdigit():
        return None
    return FontFile(Path(path), int(index)), fmt.strip()


@functools.cache
def _fontconfig(spec: FontSpec) -> FontFile | None:
    known = {Path(name).name for name in spec.files}
    # fc-match always answers with something: only a known file counts.
    for family in spec.families:
        for line in _fc(["fc-match", "-f", "%{file}|%{index}|%{fontformat}\n", family]):
            parsed = _parse(line)
            if parsed and parsed[1] == "TrueType" and parsed[0].path.name in known:
                return parsed[0]
    pattern = f":charset={spec.probe:x}:fontformat=TrueType"
    if spec.name == BODY:
        pattern += ":lang=zh-cn"
    lines = _fc(["fc-list", "-f", "%{file}|%{index}|TrueType\n", pattern])
    found = sorted(
        (p[0] for p in map(_parse, lines) if p is not None),
        key=lambda f: (f.path.name not in known, str(f.path), f.index),
    )
    return found[0] if found else None


def system_font(spec: FontSpec, *, platform: str | None = None) -> FontFile | None:
    """The system's file for ``spec``, or None."""
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return _by_name(spec, windows_font_dirs(os.environ))
    return _fontconfig(spec)


def _missing_message(spec: FontSpec, searched: Sequence[Path], platform: str) -> str:
    where = listing(str(d) for d in searched)
    if platform == "win32":
        return _(
            "未找到中文字体（已查找：{dirs} 和 Windows 字体文件夹），无法打印。"
            "请安装微软雅黑（msyh.ttc）或宋体（simsun.ttc）字体，"
            "或把 {file} 放入上述任一文件夹。"
        ).format(dirs=where, file=Path(spec.files[0]).name)
    return _(
        "未找到中文字体 {file}（已查找：{dirs} 和系统字体），无法打印。"
        "请安装字体软件包 {package}（sudo apt install {package}），"
        "或把 {file} 放入上述任一文件夹。"
    ).format(dirs=where, file=Path(spec.files[0]).name, package=spec.package)


def locate_fonts(
    dirs: Sequence[Path] | None = None, *, platform: str | None = None
) -> dict[str, FontFile]:
    """Font name → file for every font found; FontNotFound without the body
    font. Given ``dirs``, only those folders are searched."""
    platform = sys.platform if platform is None else platform
    search = list(dirs) if dirs is not None else font_dirs()
    found: dict[str, FontFile] = {}
    for spec in SPECS:
        hit = _by_name(spec, search)
        if hit is None and dirs is None:
            hit = system_font(spec, platform=platform)
        if hit is not None:
            found[spec.name] = hit
        elif spec.required:
            raise FontNotFound(_missing_message(spec, search, platform))
    return found
