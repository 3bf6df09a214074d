"""Shipped files are package data found through importlib.resources."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from counter_app.domain.catalog import DEFAULT_DIR
from counter_app.domain.workdays import DEFAULT_CALENDAR_PATH
from counter_app.i18n import LOCALE_DIR
from counter_app.resources import resource_path

ROOT = Path(__file__).resolve().parent.parent


def test_every_lookup_goes_through_the_package() -> None:
    package = ROOT / "counter_app" / "resources"
    assert resource_path() == package
    assert package / "catalog" == DEFAULT_DIR
    assert (DEFAULT_DIR / "items.json").is_file()
    assert package / "calendar" / "cn_workdays.json" == DEFAULT_CALENDAR_PATH
    assert DEFAULT_CALENDAR_PATH.is_file()
    assert package / "locale" == LOCALE_DIR
    assert not (ROOT / "resources").exists()


def test_no_module_looks_for_files_beside_the_checkout() -> None:
    # Path(__file__).parents[…] / "resources" breaks in a wheel: none left.
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("counter_app", "printing", "sync", "central")
        for path in (ROOT / folder).rglob("*.py")
        if '/ "resources"' in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_a_zipped_package_extracts_its_files(tmp_path: Path) -> None:
    archive = tmp_path / "app.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("counter_app/__init__.py", "")
        zf.write(
            ROOT / "counter_app/resources/__init__.py",
            "counter_app/resources/__init__.py",
        )
        zf.writestr("counter_app/resources/calendar/cn_workdays.json", '{"x": 1}')
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from counter_app.resources import resource_path;"
        "p = resource_path('calendar', 'cn_workdays.json');"
        "print(p.read_text(), p.exists(), sys.argv[1] in str(p))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code, str(archive)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ['{"x":', "1}", "True", "False"]
