"""The .deb's layout, control file and permissions, built from a stand-in
for the standalone folder (fast; tests/test_packaging.py builds the real
one), and the installed program's --version and selftest."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app import __version__

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))
import build_deb  # noqa: E402


def _fake_standalone(folder: Path) -> Path:
    internal = folder / "_internal"
    internal.mkdir(parents=True)
    (folder / "counter").write_bytes(b"\x7fELF fake bootloader")
    (folder / "counter").chmod(0o700)
    (internal / "libQt6Core.so.6").write_bytes(b"\x7fELF lib")
    (internal / "libQt6Core.so.6").chmod(0o755)
    (internal / "base_library.zip").write_bytes(b"PK")
    return folder


def test_tree_control_and_permissions(tmp_path: Path) -> None:
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb missing (not a Debian system)")
    standalone = _fake_standalone(tmp_path / "standalone")
    deb = build_deb.build(
        standalone, tmp_path / "out", tmp_path / "work", compression="gzip"
    )
    assert deb.name == f"counter_{__version__}_amd64.deb"
    tree = tmp_path / "work" / f"counter_{__version__}_amd64"
    mode = lambda rel: (tree / rel).stat().st_mode & 0o777  # noqa: E731
    assert mode("opt/counter/counter") == 0o755
    assert mode("opt/counter/_internal/libQt6Core.so.6") == 0o644
    assert mode("usr/bin/counter") == 0o755
    assert mode("usr/share/doc/counter/copyright") == 0o644
    control = (tree / "DEBIAN/control").read_text()
    assert f"Version: {__version__}\n" in control
    assert "Architecture: amd64\n" in control
    assert "libglib2.0-0 | libglib2.0-0t64" in control
    assert (
        "Description: window desk for government service centers\n Counter " in control
    )
    assert "\n .\n" in control  # paragraphs of the long description
    sums = (tree / "DEBIAN/md5sums").read_text()
    assert "  opt/counter/counter\n" in sums and "DEBIAN" not in sums
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert all(line.split()[1] == "root/root" for line in listing.splitlines())
    assert "./usr/share/lintian/overrides/counter" in listing
    assert "./usr/share/man/man1/counter.1.gz" in listing
    assert " ./etc/" not in listing  # the administrator's file is never the package's
    # the launcher finds the program relative to itself (an unpacked tree runs too)
    launcher = (tree / "usr/bin/counter").read_text()
    assert '"$here/../../opt/counter/counter" "$@"' in launcher


def test_version_and_selftest(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "main.py", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == f"Counter {__version__}"
    out = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(tmp_path), "selftest"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert [line.split("：")[0] for line in lines] == [
        "正常 界面",
        "正常 数据库和事项目录",
        "正常 打印字体",
    ]
    assert "41 个事项" in lines[1]


def test_selftest_reports_a_missing_font(tmp_path: Path) -> None:
    # no fonts where it looks: the check fails with the package to install
    env_code = (
        "import sys, printing.fontfiles as f;"
        "f.system_font = lambda spec, platform=None: None;"
        "from counter_app.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", env_code, "--data-dir", str(tmp_path), "selftest"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1
    assert "失败 打印字体：未找到中文字体 wqy-microhei.ttc" in out.stdout
    assert "sudo apt install fonts-wqy-microhei" in out.stdout
