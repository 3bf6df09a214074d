"""Set-up for the scan UI tests: a seeded store in tmp_path with one accepted
application, a real TaskRunner/MessageBridge/QSettings, sample files and a
SANE configuration using the ``test`` backend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from counter_app.domain.identifiers import make_resident_id
from counter_app.domain.status import Decision
from counter_app.scanning import sane
from counter_app.services import applications as apps
from counter_app.services.context import DeskContext
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.services.setup import ensure_seeded
from counter_app.store.catalog import get_item
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.messages import MessageBridge
from counter_app.ui.tasks import TaskRunner
from tests.scanning_fixtures import image_bytes, pdf_bytes

CLERK = DeskContext(
    username="clerk01",
    display_name="王晓明",
    role="clerk",
    site_code="320102001",
    window_code="01",
)
ITEM = "GG00302001"  # 居住证申领


@dataclass
class Seen:
    """What a clerk would have seen through the message bridge."""

    info: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Case:
    app: AppContext
    application_id: str
    material_key: str
    material_name: str
    seen: Seen
    files: Path


def _accepted_application(store: Store) -> tuple[str, str, str]:
    item = get_item(store.db, ITEM)
    materials = item.materials_for({})
    form = IntakeForm(
        item_codes=[ITEM],
        applicant=Applicant(
            name="李𠮷",
            id_number=make_resident_id("320102", date(1985, 3, 9), 123),
            phone="13812345678",
        ),
        materials=[
            MaterialEntry(m.key, MaterialState.ORIGINAL, m.originals, m.copies)
            for m in materials
        ],
    )
    [result] = apps.decide(store, CLERK, form, Decision.ACCEPT)
    return result.application_id, materials[0].key, materials[0].name


@pytest.fixture(name="case")
def case_fixture(tmp_path: Path, qtbot: QtBot) -> Iterator[Case]:
    store = Store.open(tmp_path / "data")
    ensure_seeded(store)
    app_id, key, name = _accepted_application(store)
    messages = MessageBridge()
    seen = Seen()
    messages.info_shown.connect(seen.info.append)
    messages.warning_shown.connect(seen.warnings.append)
    messages.error_shown.connect(lambda text, _details: seen.errors.append(text))
    app = AppContext(
        store=store,
        tasks=TaskRunner(),
        messages=messages,
        settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat),
        user=CLERK,
    )
    files = tmp_path / "files"
    files.mkdir()
    yield Case(app, app_id, key, name, seen, files)
    app.tasks.wait()
    store.close()


def write_samples(folder: Path) -> dict[str, Path]:
    samples = {
        "page1.png": image_bytes("PNG", color="navy"),
        "page2.jpg": image_bytes("JPEG", color="darkred", size=(160, 120)),
        "two.pdf": pdf_bytes(2),
        "broken.pdf": b"%PDF-1.4\nnot really a pdf\n",
    }
    out = {}
    for name, data in samples.items():
        out[name] = folder / name
        out[name].write_bytes(data)
    return out


@pytest.fixture(name="sane_env")
def sane_env_fixture(tmp_path: Path) -> dict[str, str]:
    reason = sane.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    config = tmp_path / "sane.d"
    config.mkdir()
    (config / "dll.conf").write_text("test\n", "utf-8")
    return {"SANE_CONFIG_DIR": str(config)}


def idle(qtbot: QtBot, app: AppContext, timeout: int = 10_000) -> None:
    qtbot.waitUntil(lambda: not app.tasks.busy(), timeout=timeout)
