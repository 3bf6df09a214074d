"""The platform's e-certificate library: ``import-certificates`` checks the
whole file before storing anything, and every lookup names an application
of the desk in progress, the clerk and the purpose, and is logged."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from counter_app.domain.status import Decision
from counter_app.services import applications as apps
from counter_app.services.applications import MaterialState
from counter_app.services.context import DeskContext
from counter_app.services.intake import Applicant, IntakeForm, MaterialEntry
from counter_app.store.catalog import get_item
from counter_app.store.db import Store
from sync import protocol as p
from tests.central_fixtures import CentralServer, DeskClient, start_central

LI = "440524188001010014"
COMPANY = "91350100M000100Y43"
CSV_TEXT = (
    "id_number,cert_type,name,issuer,valid_until\n"
    f"{LI},居民身份证,李四,汕头市公安局,2031-10-12\n"
    f"{COMPANY},营业执照,示例科技有限公司,福州市市场监督管理局,长期\n"
)


@pytest.fixture
def server(tmp_path: Path) -> Any:
    with start_central(tmp_path / "central") as central:
        yield central


def _ask(desk: DeskClient, **params: str) -> Any:
    return desk.request("GET", p.PATH_CERTIFICATES, params=params)


def _lookup(desk: DeskClient, number: str, app_id: str) -> Any:
    return _ask(
        desk,
        id_number=number,
        application_id=app_id,
        clerk="clerk01",
        purpose="窗口受理核验申请材料",
    )


@pytest.mark.e2e
def test_import_checks_the_whole_file_first(
    server: CentralServer, tmp_path: Path
) -> None:
    desk = server.new_desk()
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "certificates": [
                    {
                        "id_number": LI,
                        "cert_type": "居民身份证",
                        "name": "李四",
                        "issuer": "汕头市公安局",
                        "valid_until": "2031-10-12",
                    },
                    {
                        "id_number": "110105194912310000",  # wrong check code
                        "cert_type": "户口簿",
                        "name": "张三",
                        "issuer": "北京市公安局",
                        "valid_until": "长期",
                    },
                    {
                        "id_number": COMPANY,
                        "cert_type": "营业执照",
                        "name": "示例科技有限公司",
                        "issuer": "",
                        "valid_until": "2031/10/12",
                    },
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    refused = server.cli("import-certificates", str(bad), check=False)
    assert refused.returncode == 2
    assert "没有存入任何证照" in refused.stderr
    assert "第 2 条：证件号码 110105194912310000 格式或校验位不对" in refused.stderr
    assert "第 3 条：缺少 issuer" in refused.stderr
    assert "第 3 条：有效期 2031/10/12 应为 YYYY-MM-DD 或“长期”" in refused.stderr
    app_id = str(uuid.uuid4())
    assert _lookup(desk, LI, app_id).json()["certificates"] == []  # nothing stored

    good = tmp_path / "library.csv"
    good.write_text(CSV_TEXT, encoding="utf-8")
    done = server.cli("import-certificates", str(good))
    assert "certificates imported: 2" in done.stdout
    # Importing again replaces (same holder and type), never duplicates.
    server.cli("import-certificates", str(good))
    found = _lookup(desk, COMPANY, app_id).json()["certificates"]
    assert [(c["cert_type"], c["valid_until"]) for c in found] == [("营业执照", "长期")]
    header = tmp_path / "header.csv"
    header.write_text("id_number,name\n" + LI + ",李四\n", encoding="utf-8")
    missing = server.cli("import-certificates", str(header), check=False)
    assert missing.returncode == 2
    assert "CSV 表头缺少列：cert_type、issuer、valid_until" in missing.stderr


def _app(desk: DeskClient, status: str) -> str:
    app_id = str(uuid.uuid4())
    [result] = desk.push(
        {
            "op_id": p.new_op_id(),
            "entity": p.ENTITY_APPLICATION,
            "entity_id": app_id,
            "base_version": None,
            "payload": {"acceptance_no": desk.new_number(), "status": status},
            "created_at": "2026-11-23T09:00:00+08:00",
        }
    )
    assert result["result"] == p.RESULT_APPLIED
    return app_id


@pytest.mark.e2e
def test_lookups_name_an_application_in_progress_and_are_logged(
    server: CentralServer, tmp_path: Path
) -> None:
    library = tmp_path / "library.csv"
    library.write_text(CSV_TEXT, encoding="utf-8")
    server.cli("import-certificates", str(library))
    desk, other = server.new_desk(), server.new_desk()
    open_app, finished = _app(desk, "submitted"), _app(desk, "delivered")
    others = _app(other, "submitted")
    intake = str(uuid.uuid4())  # an intake at the window, not pushed yet

    assert [
        c["cert_type"] for c in _lookup(desk, LI, open_app).json()["certificates"]
    ] == ["居民身份证"]
    assert _lookup(desk, LI, intake).status_code == 200
    refusals = {
        "bare": _ask(desk, id_number=LI),
        "no purpose": _ask(desk, id_number=LI, application_id=open_app, clerk="c"),
        "other desk": _lookup(desk, LI, others),
        "finished": _lookup(desk, LI, finished),
        "not an id": _lookup(desk, LI, "latest"),
    }
    for what, resp in refusals.items():
        assert resp.status_code == 403, what
        body = resp.json()
        assert body["error"] == p.ERROR_LOOKUP_REFUSED, what
        assert LI not in resp.text and "李四" not in resp.text, what
    assert "其他窗口终端" in refusals["other desk"].json()["message"]
    assert "已办结" in refusals["finished"].json()["message"]

    assert server.db_path is not None
    with sqlite3.connect(server.db_path) as conn:
        logged = conn.execute(
            "SELECT desk_id, clerk, application_id, purpose, id_number,"
            " refused <> '' FROM certificate_lookups ORDER BY id"
        ).fetchall()
    purpose = "窗口受理核验申请材料"
    assert logged == [
        (desk.desk_id, "clerk01", open_app, purpose, LI, 0),
        (desk.desk_id, "clerk01", intake, purpose, LI, 0),
        (desk.desk_id, "", "", "", LI, 1),
        (desk.desk_id, "c", open_app, "", LI, 1),
        (desk.desk_id, "clerk01", others, purpose, LI, 1),
        (desk.desk_id, "clerk01", finished, purpose, LI, 1),
        (desk.desk_id, "clerk01", "latest", purpose, LI, 1),
    ]


def test_the_application_takes_the_intakes_id(
    seeded_store: Store, clerk: DeskContext
) -> None:
    code = "GG00402001"
    materials = [
        MaterialEntry(m.key, MaterialState.ORIGINAL, m.originals, m.copies)
        for m in get_item(seeded_store.db, code).materials_for({})
    ]
    intake = str(uuid.uuid4())
    form = IntakeForm(
        item_codes=[code],
        applicant=Applicant(name="张三", id_number="11010519491231002X"),
        materials=materials,
        application_id=intake,
    )
    [first] = apps.decide(seeded_store, clerk, form, Decision.ACCEPT)
    assert first.application_id == intake
    # Used already (the same form decided twice): a fresh id, never a clash.
    [second] = apps.decide(seeded_store, clerk, form, Decision.ACCEPT)
    assert second.application_id != intake
