"""Build ``dist/counter_VERSION_amd64.deb`` from the standalone folder.

    python packaging/build_deb.py --standalone dist/counter --out dist

The package installs the PyInstaller one-folder build under /opt/counter,
a ``counter`` launcher in /usr/bin, a menu entry and icon, the manual page
and an example site configuration; it declares the system libraries Qt
needs, CJK fonts, the CUPS client and SANE. User data lives in the users'
home folders and /etc/counter/site.toml is the administrator's file: the
package owns neither, so removing (even purging) it keeps both.
Standard library only; needs dpkg-deb.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
PACKAGE = "counter"
MAINTAINER = "Counter maintainers <counter@example.org>"

# Names differ between Debian 12 and Ubuntu 24.04 (t64): either satisfies.
DEPENDS = [
    "libc6 (>= 2.31)",
    "zlib1g",
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libfreetype6",
    "libdbus-1-3",
    "libglib2.0-0 | libglib2.0-0t64",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libx11-xcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "fonts-wqy-microhei",
    "fonts-hanazono",
    "cups-client",
    "sane-utils",
    "sensible-utils",  # util-linux's bundled libmount/libblkid name sensible-pager
]
RECOMMENDS = ["libpulse0", "libxrandr2", "printer-driver-cups-pdf"]
DESCRIPTION = """\
window desk for government service centers
 Counter is the desktop application of the windows of integrated government
 service centers and township service stations: intake of applications,
 scanning of materials, acceptance receipts and one-time notices, delivery
 of results and evaluations. It works offline on a local encrypted SQLite
 store and synchronises with the central platform when a link exists.
 .
 This package holds a standalone build (Python and Qt included) under
 /opt/counter. Site settings: /etc/counter/site.toml."""

LAUNCHER = """\
#!/bin/sh
# Counter's launcher: the standalone build under /opt/counter (found
# relative to this script, so an unpacked tree runs as well).
here=$(dirname "$(readlink -f "$0")")
exec "$here/../../opt/counter/counter" "$@"
"""


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from counter_app import __version__

    return __version__


def _copyright() -> str:
    return (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: counter\n\n"
        "Files: *\n"
        "Copyright: 2026 Counter maintainers\n"
        "License: MIT\n"
        " Permission is hereby granted, free of charge, to any person obtaining a\n"
        " copy of this software and associated documentation files, to deal in the\n"
        " Software without restriction, subject to the conditions of the MIT\n"
        " licence. The bundled Python, Qt (LGPL-3) and libraries keep their own\n"
        " licences, shipped beside them under /opt/counter/_internal.\n"
    )


def _write(path: Path, data: str | bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    path.chmod(mode)


def _gzip(path: Path, data: bytes) -> None:
    # mtime 0 and no name: the same input gives the same package
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        path.open("wb") as raw,
        gzip.GzipFile(
            filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0
        ) as gz,
    ):
        gz.write(data)
    path.chmod(0o644)


def _normalise(tree: Path) -> None:
    """Directories 0755; executables 0755; everything else (shared
    libraries included, as Debian wants them) 0644."""
    for dirpath, _dirnames, filenames in os.walk(tree):
        Path(dirpath).chmod(0o755)
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                continue
            with path.open("rb") as fh:
                head = fh.read(4)
            executable = bool(path.stat().st_mode & stat.S_IXUSR)
            is_lib = ".so" in name
            keep_x = executable and not is_lib and head in (b"\x7fELF", b"#!/b")
            path.chmod(0o755 if keep_x else 0o644)


def build_tree(standalone: Path, tree: Path, ver: str) -> None:
    if tree.exists():
        shutil.rmtree(tree)
    opt = tree / "opt" / PACKAGE
    shutil.copytree(standalone, opt, symlinks=True)
    _write(tree / "usr/bin/counter", LAUNCHER, 0o755)
    desktop = (HERE / "counter.desktop").read_bytes()
    _write(tree / "usr/share/applications/counter.desktop", desktop)
    icon = ROOT / "counter_app/resources/icons/counter.svg"
    _write(
        tree / "usr/share/icons/hicolor/scalable/apps/counter.svg", icon.read_bytes()
    )
    doc = tree / "usr/share/doc" / PACKAGE
    _write(doc / "copyright", _copyright())
    _write(doc / "site.toml.example", (HERE / "site.toml.example").read_bytes())
    _gzip(
        doc / "changelog.gz",
        f"counter ({ver}) unstable; urgency=medium\n\n"
        "  * Standalone build packaged for service-center desks.\n\n"
        f" -- {MAINTAINER}  Mon, 30 Nov 2026 00:00:00 +0000\n".encode(),
    )
    _gzip(tree / "usr/share/man/man1/counter.1.gz", (HERE / "counter.1").read_bytes())
    overrides = (HERE / "lintian-overrides").read_bytes()
    _write(tree / "usr/share/lintian/overrides" / PACKAGE, overrides)
    _normalise(tree)


def _installed_size_kib(tree: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(tree):
        for name in files:
            path = Path(dirpath) / name
            if not path.is_symlink():
                total += path.stat().st_size
    return (total + 1023) // 1024


def write_control(tree: Path, ver: str) -> None:
    debian = tree / "DEBIAN"
    debian.mkdir(mode=0o755)
    sums = []
    for dirpath, _dirs, files in os.walk(tree):
        for name in sorted(files):
            path = Path(dirpath) / name
            rel = path.relative_to(tree)
            if rel.parts[0] == "DEBIAN" or path.is_symlink():
                continue
            sums.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {rel}\n")
    _write(debian / "md5sums", "".join(sorted(sums, key=lambda s: s[34:])))
    control = (
        f"Package: {PACKAGE}\n"
        f"Version: {ver}\n"
        "Architecture: amd64\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {_installed_size_kib(tree)}\n"
        f"Depends: {', '.join(DEPENDS)}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        f"Description: {DESCRIPTION}\n"
    )
    _write(debian / "control", control)


def build(standalone: Path, out: Path, work: Path, *, compression: str = "xz") -> Path:
    """The .deb in ``out``; ``compression="gzip"`` is faster (tests), xz
    smaller (what ``run.sh package`` ships)."""
    ver = version()
    tree = work / f"{PACKAGE}_{ver}_amd64"
    build_tree(standalone, tree, ver)
    write_control(tree, ver)
    out.mkdir(parents=True, exist_ok=True)
    deb = out / f"{PACKAGE}_{ver}_amd64.deb"
    subprocess.run(
        [
            *("dpkg-deb", "--root-owner-group", f"-Z{compression}"),
            *(["-z1"] if compression == "gzip" else []),
            *("--build", str(tree), str(deb)),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return deb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--standalone", type=Path, default=ROOT / "dist" / "counter")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "deb")
    args = parser.parse_args()
    if not (args.standalone / "counter").is_file():
        print(f"no standalone build in {args.standalone}", file=sys.stderr)
        return 2
    print(build(args.standalone, args.out, args.work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
