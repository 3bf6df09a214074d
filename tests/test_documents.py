"""Documents built from stored records (services/documents.py) and the
`print` command: the paper carries what the record says."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from counter_app import clock
from counter_app.domain.identifiers import make_resident_id
from counter_app.domain.status import Decision, Status
from counter_app.services import applications as apps
from counter_app.services import documents
from counter_app.services.backoffice import apply_status_change
from counter_app.services.consultations import consult
from counter_app.services.context import DeskContext
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.store import records
from counter_app.store.catalog import get_item
from counter_app.store.db import Store

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext (poppler-utils) is not installed",
)

ID = make_resident_id("320102", date(1990, 5, 17), 38)
ROOT = Path(__file__).resolve().parent.parent


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return "".join(out.stdout.split())


def decided(store: Store, ctx: DeskContext, decision: Decision, **kw: object) -> str:
    item = get_item(store.db, "XK00101001")  # 个体工商户设立登记
    entries = [
        MaterialEntry(m.key, MaterialState.ORIGINAL, m.originals, m.copies)
        for m in item.materials_for({})
    ]
    if decision is Decision.NOTICE:
        entries[1].state = MaterialState.DEFECTIVE
        entries[1].problem = "身份证复印件模糊"
        entries[2].state = MaterialState.MISSING
    if decision is Decision.ACCEPT_DEFERRED:
        next(e for e in entries if e.key == "premises").state = MaterialState.DEFERRED
    form = IntakeForm(
        item_codes=[item.code],
        materials=entries,
        applicant=Applicant(name="王𠮷䶮", id_number=ID),
    )
    [result] = apps.decide(store, ctx, form, decision, **kw)  # type: ignore[arg-type]
    return result.application_id


def test_receipt_carries_the_record(
    seeded_store: Store, clerk: DeskContext, tmp_path: Path
) -> None:
    app_id = decided(seeded_store, clerk, Decision.ACCEPT)
    record = records.application(seeded_store.db, app_id)
    assert record is not None
    text = text_of(
        documents.render_for_applications(
            seeded_store, clerk, kind="receipt", application_ids=[app_id]
        ),
        tmp_path,
    )
    assert "受理回执" in text
    assert record["acceptance_no"] in text
    assert "王𠮷䶮" in text
    assert ID[:6] + "********" + ID[-4:] in text
    assert ID not in text  # never the full number on paper
    assert "个体工商户设立登记" in text


def test_notice_lists_every_gap_with_its_problem(
    seeded_store: Store, clerk: DeskContext, tmp_path: Path
) -> None:
    app_id = decided(seeded_store, clerk, Decision.NOTICE)
    text = text_of(
        documents.render_for_applications(
            seeded_store, clerk, kind="notice", application_ids=[app_id]
        ),
        tmp_path,
    )
    assert "一次性告知书" in text
    assert "身份证复印件模糊" in text
    record = records.application(seeded_store.db, app_id)
    assert record is not None
    missing = [m["name"] for m in record["materials"] if m["state"] != "original"]
    assert len(missing) == 2
    for name in missing:
        assert name in text


def test_rejection_states_reason_and_remedies(
    seeded_store: Store, clerk: DeskContext, tmp_path: Path
) -> None:
    app_id = decided(
        seeded_store,
        clerk,
        Decision.REJECT,
        reason="申请事项不属于本机关职权范围，请向区住建局申请",
    )
    text = text_of(
        documents.render_for_applications(
            seeded_store, clerk, kind="rejection", application_ids=[app_id]
        ),
        tmp_path,
    )
    assert "不予受理决定书" in text
    assert "请向区住建局申请" in text
    assert "六十日" in text or "60日" in text or "60 日" in text or "60" in text


def test_deferred_note_and_delivery_receipt(
    seeded_store: Store, clerk: DeskContext, tmp_path: Path
) -> None:
    promise = clock.today() + timedelta(days=7)
    app_id = decided(
        seeded_store, clerk, Decision.ACCEPT_DEFERRED, promise_date=promise
    )
    text = text_of(
        documents.render_for_applications(
            seeded_store, clerk, kind="deferred", application_ids=[app_id]
        ),
        tmp_path,
    )
    assert "容缺" in text
    assert f"{promise.year}年{promise.month}月{promise.day}日" in text
    accepted = decided(seeded_store, clerk, Decision.ACCEPT)
    with seeded_store.transaction() as db:
        apply_status_change(db, application_id=accepted, status=Status.RESULT_READY)
    apps.deliver(
        seeded_store,
        clerk,
        application_id=accepted,
        recipient_name="王𠮷䶮",
        recipient_id_number=ID,
    )
    record = records.application(seeded_store.db, accepted)
    assert record is not None and "delivery" in documents.documents_for(record)
    text = text_of(
        documents.render_for_applications(
            seeded_store, clerk, kind="delivery", application_ids=[accepted]
        ),
        tmp_path,
    )
    assert "送达回证" in text and "王𠮷䶮" in text


def test_checklist_is_tailored_to_the_answers(
    seeded_store: Store, clerk: DeskContext, tmp_path: Path
) -> None:
    alone = consult(seeded_store, clerk, item_code="XK00101001", answers={})
    agent = consult(
        seeded_store, clerk, item_code="XK00101001", answers={"agent": True}
    )
    plain = text_of(documents.render_checklist(seeded_store, clerk, alone), tmp_path)
    with_agent = text_of(
        documents.render_checklist(seeded_store, clerk, agent), tmp_path
    )
    assert "一次性告知单" in plain
    assert "授权委托书" not in plain
    assert "授权委托书" in with_agent


def test_bundle_receipt_is_one_document(
    seeded_store: Store, clerk: DeskContext, tmp_path: Path
) -> None:
    codes = ["XK00101001", "XK00102001"]
    entries = {}
    for code in codes:
        for m in get_item(seeded_store.db, code).materials_for({}):
            entries.setdefault(
                m.name,
                MaterialEntry(
                    m.key, MaterialState.ORIGINAL, m.originals, m.copies, name=m.name
                ),
            )
    form = IntakeForm(
        item_codes=codes,
        bundle_code="YJS-KD-001",
        materials=list(entries.values()),
        applicant=Applicant(name="张堃", id_number=ID),
    )
    results = apps.decide(seeded_store, clerk, form, Decision.ACCEPT)
    text = text_of(
        documents.render_for_applications(
            seeded_store,
            clerk,
            kind="receipt",
            application_ids=[r.application_id for r in results],
        ),
        tmp_path,
    )
    for r in results:
        assert r.acceptance_no in text


def test_reprint_is_marked_and_every_print_is_a_job(
    seeded_store: Store, clerk: DeskContext, tmp_path: Path
) -> None:
    app_id = decided(seeded_store, clerk, Decision.ACCEPT)
    first = text_of(
        documents.render_for_applications(
            seeded_store, clerk, kind="receipt", application_ids=[app_id]
        ),
        tmp_path,
    )
    assert "补打" not in first
    documents.record_print(
        seeded_store,
        clerk,
        application_id=app_id,
        document="receipt",
        printer="PDF",
        status="failed",
        error="缺纸",
    )
    still_first = text_of(
        documents.render_for_applications(
            seeded_store, clerk, kind="receipt", application_ids=[app_id]
        ),
        tmp_path,
    )
    assert "补打" not in still_first  # a failed print does not count
    documents.record_print(
        seeded_store,
        clerk,
        application_id=app_id,
        document="receipt",
        printer="PDF",
        status="printed",
    )
    again = text_of(
        documents.render_for_applications(
            seeded_store, clerk, kind="receipt", application_ids=[app_id]
        ),
        tmp_path,
    )
    assert "补打" in again
    jobs = seeded_store.db.execute(
        "SELECT status, reprint FROM print_jobs ORDER BY id"
    ).fetchall()
    assert jobs == [("failed", 0), ("printed", 0)]


def test_print_command(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store.open(data)
    from counter_app.services.setup import ensure_seeded

    ensure_seeded(store)
    ctx = DeskContext(
        username="clerk01",
        display_name="王晓明",
        role="clerk",
        site_code="320102001",
        window_code="01",
    )
    app_id = decided(store, ctx, Decision.ACCEPT)
    record = records.application(store.db, app_id)
    store.close()
    assert record is not None
    number = record["acceptance_no"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "main.py", "--data-dir", str(data), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    out = run(
        "print", "receipt", "--application", number, "--out", str(tmp_path / "r.pdf")
    )
    assert out.returncode == 0, out.stderr
    assert number in text_of((tmp_path / "r.pdf").read_bytes(), tmp_path)
    out = run(
        "print", "notice", "--application", number, "--out", str(tmp_path / "n.pdf")
    )
    assert out.returncode == 2 and "receipt" in out.stderr
    assert not (tmp_path / "n.pdf").exists()
    out = run(
        "print", "receipt", "--application", "000", "--out", str(tmp_path / "x.pdf")
    )
    assert out.returncode == 2 and "000" in out.stderr
    out = run(
        "print", "checklist", "--item", "NOPE00000", "--out", str(tmp_path / "c.pdf")
    )
    assert out.returncode == 2 and "NOPE00000" in out.stderr
    out = run(
        "print", "checklist", "--item", "GG00302001", "--out", str(tmp_path / "c.pdf")
    )
    assert out.returncode == 0, out.stderr
    assert "居住证" in text_of((tmp_path / "c.pdf").read_bytes(), tmp_path)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_print_deferred_on_a_commitment_gives_the_commitment(
    tmp_path: Path, lang: str
) -> None:
    """`print deferred` on an application accepted on commitment used to end
    in MissingField: it prints the 告知承诺书, in both languages."""
    data = tmp_path / "data"
    store = Store.open(data)
    from counter_app.services.setup import ensure_seeded

    ensure_seeded(store)
    ctx = DeskContext("clerk01", "王晓明", "clerk", "320102001", "01")
    item = get_item(store.db, "XK00101001")
    entries = [
        MaterialEntry(m.key, MaterialState.ORIGINAL, m.originals, m.copies)
        if not m.promise
        else MaterialEntry(m.key, MaterialState.MISSING)
        for m in item.materials_for({})
    ]
    form = IntakeForm(
        item_codes=[item.code],
        materials=entries,
        applicant=Applicant(name="王𠮷䶮", id_number=ID),
    )
    [result] = apps.decide(store, ctx, form, Decision.ACCEPT_COMMITMENT)
    store.close()
    out = subprocess.run(
        [
            sys.executable,
            "main.py",
            "--data-dir",
            str(data),
            "--lang",
            lang,
            "print",
            "deferred",
            "--application",
            result.acceptance_no,
            "--out",
            str(tmp_path / "c.pdf"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    text = text_of((tmp_path / "c.pdf").read_bytes(), tmp_path)
    assert result.acceptance_no in text
    assert "经营场所使用证明" in text  # the proof the promise replaces
    # The basis as printed in each language (pdftotext drops the spaces).
    basis = "国办发〔2020〕42号" if lang == "zh_CN" else "GuoBanFa[2020]No.42"
    assert basis in text
