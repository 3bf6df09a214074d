"""Install on desks: the .deb installed into a clean root, the standalone
folder and a wheel in a fresh venv each run ``counter --version``,
``counter catalog search 低保``, ``counter selftest`` and an offscreen start
of the window, with no project venv on PATH.

One PyInstaller build per session (about two minutes) serves the
standalone and the .deb; nothing is cached between runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from counter_app import __version__

# The first test waits for the PyInstaller build (two minutes, more under load).
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))
import build_deb  # noqa: E402


def _clean_env(home: Path) -> dict[str, str]:
    """No venv, no checkout: what a desk's account has (plus a key file,
    since a headless test machine has no OS credential store)."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        "COUNTER_KEY_FILE": str(home / "desk.key"),
    }


def _run(
    cmd: list[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=180
    )


def _exercise(counter: list[str], home: Path) -> dict[str, float]:
    """The four checks every install passes; returns a few timings."""
    home.mkdir(parents=True, exist_ok=True)
    env = _clean_env(home)
    data = ["--data-dir", str(home / "data")]
    started = time.perf_counter()
    out = _run([*counter, "--version"], env, home)
    version_s = time.perf_counter() - started
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"Counter {__version__}"
    out = _run([*counter, *data, "catalog", "search", "低保"], env, home)
    assert out.returncode == 0, out.stderr
    assert "JF00601001\t最低生活保障审核确认" in out.stdout
    out = _run([*counter, *data, "selftest"], env, home)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "正常 界面：offscreen，登录窗口已显示" in out.stdout
    assert "正常 数据库和事项目录：41 个事项" in out.stdout
    assert "正常 打印字体：" in out.stdout and "无字体" not in out.stdout
    # the window itself: up and waiting at sign-in, no traceback
    proc = subprocess.Popen(
        [*counter, *data],
        env=env,
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(6)
        assert proc.poll() is None, proc.communicate()
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err
    return {"version_s": version_s}


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("package")


@pytest.fixture(scope="session")
def standalone(build_dir: Path) -> Path:
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    if not pyinstaller.exists():
        pytest.skip("pyinstaller not installed (the [test] extra has it)")
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "i18n.py"), "compile"],
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [
            *(str(pyinstaller), "--noconfirm", "--log-level", "ERROR"),
            *("--distpath", str(build_dir / "dist")),
            *("--workpath", str(build_dir / "work")),
            str(ROOT / "packaging" / "counter.spec"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    folder = build_dir / "dist" / "counter"
    assert (folder / "counter").is_file()
    return folder


@pytest.fixture(scope="session")
def deb(standalone: Path, build_dir: Path) -> Path:
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb missing (not a Debian system)")
    # gzip -1: xz takes minutes for 330 MB on two cores (run.sh package uses xz)
    return build_deb.build(
        standalone, build_dir / "out", build_dir / "deb", compression="gzip"
    )


@pytest.fixture
def clean_root(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "root"
    for sub in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"):
        (root / sub).mkdir(parents=True)
    for name in ("status", "available"):
        (root / "var/lib/dpkg" / name).touch()
    yield root


def test_standalone_runs_without_python(standalone: Path, tmp_path: Path) -> None:
    # our code is compiled into the archive: no source beside it
    assert not list((standalone / "_internal").rglob("counter_app/**/*.py"))
    _exercise([str(standalone / "counter")], tmp_path / "home")
    # Qt's own translations and our catalogs ship inside
    internal = standalone / "_internal"
    assert list(internal.rglob("qtbase_zh_CN.qm"))
    assert (
        internal / "counter_app/resources/locale/en/LC_MESSAGES/counter.mo"
    ).is_file()


def test_deb_fields_and_contents(deb: Path) -> None:
    assert deb.name == f"counter_{__version__}_amd64.deb"
    field = lambda name: subprocess.run(  # noqa: E731
        ["dpkg-deb", "--field", str(deb), name], capture_output=True, text=True
    ).stdout.strip()
    assert field("Package") == "counter"
    assert field("Architecture") == "amd64"
    depends = [d.strip() for d in field("Depends").split(",")]
    for needed in (
        "libxcb-cursor0",
        "libxkbcommon-x11-0",
        "fonts-wqy-microhei",
        "fonts-hanazono",
        "cups-client",
        "sane-utils",
    ):
        assert needed in depends
    # every dependency is satisfiable here: an installed package of that name
    for group in depends:
        names = [alt.split()[0] for alt in group.split("|")]
        assert any(
            subprocess.run(
                ["dpkg-query", "-W", "-f", "${Status}", n],
                capture_output=True,
                text=True,
            ).stdout.endswith("installed")
            for n in names
        ), group
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    for path in (
        "./opt/counter/counter",
        "./usr/bin/counter",
        "./usr/share/applications/counter.desktop",
        "./usr/share/icons/hicolor/scalable/apps/counter.svg",
        "./usr/share/doc/counter/copyright",
        "./usr/share/doc/counter/site.toml.example",
    ):
        assert f" {path}" in listing, path
    assert " ./etc/" not in listing  # site.toml is the administrator's file
    assert "root/root" in listing and "0/0" not in listing.split()[1]


def test_deb_installs_into_a_clean_root_and_runs(
    deb: Path, clean_root: Path, tmp_path: Path
) -> None:
    # The root has no libraries: dpkg is told so (--force-depends); the
    # installed files run on this machine, whose packages satisfy every
    # Depends (test above).
    done = subprocess.run(
        ["dpkg", f"--root={clean_root}", "--force-depends", "-i", str(deb)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    launcher = clean_root / "usr/bin/counter"
    assert os.access(launcher, os.X_OK)
    home = clean_root / "home" / "clerk"
    _exercise([str(launcher)], home)
    desktop = (clean_root / "usr/share/applications/counter.desktop").read_text()
    assert "Exec=counter\n" in desktop and "Icon=counter\n" in desktop
    # removal (purge, even) keeps the user's data and the site's file
    site = clean_root / "etc/counter/site.toml"
    site.parent.mkdir(parents=True)
    site.write_text('[site]\ncode = "330106001"\nwindow = "02"\n')
    done = subprocess.run(
        ["dpkg", f"--root={clean_root}", "--purge", "counter"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert not (clean_root / "opt/counter").exists()
    assert not launcher.exists()
    assert (home / "data" / "counter.sqlite3").is_file()
    assert (home / "desk.key").is_file()
    assert site.is_file()


def test_wheel_in_a_fresh_venv(build_dir: Path, tmp_path: Path) -> None:
    wheels = build_dir / "wheel"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            str(ROOT),
            "-w",
            str(wheels),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = wheels.glob("counter-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    # The project's dependencies come from the suite's own venv (a .pth
    # line, not its editable install of this checkout), so the test needs
    # no downloads; the project itself only from the wheel.
    [site] = venv.glob("lib/python*/site-packages")
    deps = next(p for p in sys.path if p.endswith("site-packages"))
    (site / "deps.pth").write_text(deps + "\n")
    done = subprocess.run(
        [
            str(venv / "bin/python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    where = _run(
        [
            str(venv / "bin/python"),
            "-c",
            "import counter_app; print(counter_app.__file__)",
        ],
        _clean_env(tmp_path),
        tmp_path,
    )
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    _exercise([str(venv / "bin/counter")], tmp_path / "home")
