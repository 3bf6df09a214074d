"""Render every printed document, plus PNG pages for review: from sample
data, and from real decisions made through the services on a throw-away
desk (``svc_*`` files: what the window really prints).

python scripts/render_documents.py --out review/ [--lang en]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from printing import DOCUMENTS, Paper, samples

SAMPLES: dict[str, Callable[[], object]] = {
    "receipt": samples.receipt,
    "checklist": samples.checklist,
    "notice": samples.notice,
    "rejection": samples.rejection,
    "materials_receipt": samples.materials_receipt,
    "deferred": samples.deferred,
    "commitment": samples.commitment,
    "delivery": samples.delivery,
    "daily_log": lambda: samples.daily_log(rows=60),
}


def jobs() -> list[tuple[str, str, object, dict[str, object]]]:
    reprint: dict[str, object] = {"reprint_at": datetime(2026, 11, 24, 10, 5)}
    out: list[tuple[str, str, object, dict[str, object]]] = [
        (name, name, make(), {}) for name, make in SAMPLES.items()
    ]
    out += [
        ("receipt_roll", "receipt", samples.receipt(), {"paper": Paper.ROLL_80}),
        (
            "materials_receipt_roll",
            "materials_receipt",
            samples.materials_receipt(),
            {"paper": Paper.ROLL_80},
        ),
        (
            "receipt_40_reprint",
            "receipt",
            samples.receipt(materials=samples.materials(40)),
            reprint,
        ),
        (
            "receipt_roll_reprint",
            "receipt",
            samples.receipt(),
            {"paper": Paper.ROLL_80, **reprint},
        ),
    ]
    return out


def service_jobs() -> list[tuple[str, bytes]]:
    """Every application document from real decisions on a fresh desk."""
    from datetime import date, timedelta

    from counter_app import clock
    from counter_app.domain.identifiers import make_resident_id, make_uscc
    from counter_app.domain.status import Decision, Status
    from counter_app.services import applications as apps
    from counter_app.services import documents
    from counter_app.services.backoffice import apply_status_change
    from counter_app.services.consultations import consult
    from counter_app.services.context import DeskContext
    from counter_app.services.intake import (
        RECEIVED,
        Applicant,
        IntakeForm,
        MaterialEntry,
        MaterialState,
    )
    from counter_app.services.setup import ensure_seeded
    from counter_app.store import settings
    from counter_app.store.catalog import get_item
    from counter_app.store.db import Store

    store = Store.memory()
    ensure_seeded(store)
    with store.transaction() as db:
        settings.put(db, "status_base_url", "https://zwfw.sample.gov.cn/status")
    ctx = DeskContext("clerk01", "陈堃", "clerk", "320102001", "01")
    person = Applicant(
        name="王𠮷䶮", id_number=make_resident_id("320102", date(1990, 5, 17), 38)
    )
    org = Applicant(
        name="赵䶮",
        applicant_type="organisation",
        org_name="示范区𠮷祥餐饮有限公司",
        uscc=make_uscc("91320102MA2X7K9Q3"),
        agent_name="李堃",
        agent_id_number=make_resident_id("320104", date(1985, 3, 2), 71),
        agent_relation="委托代理人",
    )

    def form(code: str, who: Applicant, states: dict[str, MaterialState]) -> IntakeForm:
        answers = {"agent": bool(who.agent_name)}
        entries = []
        for m in get_item(store.db, code).materials_for(answers):
            state = states.get(m.key, MaterialState.ORIGINAL)
            got = state in RECEIVED
            entries.append(
                MaterialEntry(
                    m.key,
                    state,
                    m.originals * got,
                    m.copies * got,
                    problem="" if got else "未提交",
                )
            )
        return IntakeForm(
            item_codes=[code], applicant=who, answers=answers, materials=entries
        )

    def decide(f: IntakeForm, decision: Decision, **kw: object) -> str:
        return apps.decide(store, ctx, f, decision, **kw)[0].application_id  # type: ignore[arg-type]

    out: list[tuple[str, bytes]] = []

    def render(stem: str, kind: str, app_id: str, paper: Paper = Paper.A4) -> None:
        out.append(
            (
                stem,
                documents.render_for_applications(
                    store, ctx, kind=kind, application_ids=[app_id], paper=paper
                ),
            )
        )

    accepted = decide(form("XK00101001", person, {}), Decision.ACCEPT)
    render("svc_receipt", "receipt", accepted)
    render("svc_receipt_roll", "receipt", accepted, Paper.ROLL_80)
    render("svc_materials_receipt_roll", "materials_receipt", accepted, Paper.ROLL_80)
    deferred = decide(
        form("XK00101001", org, {"premises": MaterialState.DEFERRED}),
        Decision.ACCEPT_DEFERRED,
        promise_date=clock.today() + timedelta(days=2),
    )
    render("svc_deferred", "deferred", deferred)
    render("svc_receipt_deferred", "receipt", deferred)
    notice = decide(
        form("XK00101001", person, {"premises": MaterialState.MISSING}), Decision.NOTICE
    )
    render("svc_notice", "notice", notice)
    rejected = decide(
        form("XK00101001", org, {}),
        Decision.REJECT,
        reason="经营场所不在本区",
        reason_code="not_competent",
        competent_organ="市市场监督管理局",
    )
    render("svc_rejection", "rejection", rejected)
    promised = decide(
        form("XK00201001", org, {"test_report": MaterialState.MISSING}),
        Decision.ACCEPT_COMMITMENT,
    )
    render("svc_commitment", "commitment", promised)
    with store.transaction() as db:
        apply_status_change(db, application_id=deferred, status=Status.RESULT_READY)
    apps.receive_deferred(
        store, ctx, application_id=deferred, received=[("premises", MaterialState.COPY)]
    )
    apps.deliver(
        store,
        ctx,
        application_id=deferred,
        recipient_name="李堃",
        recipient_id_number=org.agent_id_number,
        result_name="营业执照（正本、副本）",
        result_number="92320102MA1XXXXX",
    )
    render("svc_delivery", "delivery", deferred)
    consultation = consult(
        store, ctx, item_code="XK00201001", answers={"commitment": True}
    )
    out.append(("svc_checklist", documents.render_checklist(store, ctx, consultation)))
    store.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("review"))
    parser.add_argument("--no-png", action="store_true", help="skip pdftoppm")
    parser.add_argument("--lang", default="zh_CN", choices=["zh_CN", "en"])
    args = parser.parse_args(argv)
    from counter_app.i18n import set_language

    set_language(args.lang)
    args.out.mkdir(parents=True, exist_ok=True)
    pdftoppm = None if args.no_png else shutil.which("pdftoppm")
    rendered = [
        (stem, DOCUMENTS[kind](data, **options)) for stem, kind, data, options in jobs()
    ]
    for stem, pdf_bytes in rendered + service_jobs():
        pdf = args.out / f"{stem}.pdf"
        pdf.write_bytes(pdf_bytes)
        print(pdf)
        if pdftoppm:
            for stale in args.out.glob(f"{stem}-*.png"):
                stale.unlink()
            subprocess.run(
                [pdftoppm, "-png", "-r", "80", str(pdf), str(args.out / stem)],
                check=True,
            )
    if not args.no_png and pdftoppm is None:
        print("pdftoppm not found (poppler-utils): PNG pages skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
