from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from counter_app import clock
from counter_app.domain.identifiers import make_resident_id
from counter_app.domain.status import Decision, IllegalTransition, Status
from counter_app.services import applications as apps
from counter_app.services.backoffice import apply_status_change
from counter_app.services.consultations import consult, form_from_consultation
from counter_app.services.context import DeskContext
from counter_app.services.drafts import list_drafts, save_draft
from counter_app.services.intake import (
    Applicant,
    IntakeError,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.services.setup import import_calendar
from counter_app.store import records
from counter_app.store.catalog import get_item
from counter_app.store.db import Store

ID = make_resident_id("320102", date(1985, 3, 9), 123)
AGENT_ID = make_resident_id("320104", date(1970, 1, 2), 44)
RESIDENCE_PERMIT = "GG00302001"  # 居住证申领, promised 10 wd, no agent
SOLE_TRADER = "XK00101001"  # 个体工商户设立登记, deferrable premises proof


def at(day: date, hour: int = 10) -> None:
    moment = datetime(day.year, day.month, day.day, hour).astimezone()
    clock.set_clock(lambda: moment)


def full_materials(
    store: Store, code: str, answers: dict[str, bool]
) -> list[MaterialEntry]:
    return [
        MaterialEntry(m.key, MaterialState.ORIGINAL, m.originals, m.copies)
        for m in get_item(store.db, code).materials_for(answers)
    ]


def form(store: Store, code: str, **kw: object) -> IntakeForm:
    answers: dict[str, bool] = kw.pop("answers", {})  # type: ignore[assignment]
    return IntakeForm(
        item_codes=[code],
        applicant=Applicant(name="李𠮷", id_number=ID, phone="13812345678"),
        answers=answers,
        materials=full_materials(store, code, answers),
        **kw,  # type: ignore[arg-type]
    )


def test_accept_assigns_number_and_working_day_due_date(
    seeded_store: Store, clerk: DeskContext
) -> None:
    at(date(2026, 9, 30))
    [result] = apps.decide(
        seeded_store, clerk, form(seeded_store, RESIDENCE_PERMIT), Decision.ACCEPT
    )
    assert result.acceptance_no == "32010200101202609300001"
    # 10 working days after 30 Sep 2026, across the National Day week and the
    # Saturday 10 Oct in-lieu working day.
    assert result.due_date == date(2026, 10, 20)
    record = records.application(seeded_store.db, result.application_id)
    assert record is not None
    assert record["status"] == "submitted"
    assert record["applicant_name"] == "李𠮷"
    assert record["birth_date"] == "1985-03-09" and record["sex"] == "M"
    ops = seeded_store.db.execute(
        "SELECT entity, entity_id, state FROM outbox"
    ).fetchall()
    assert ops == [("application", result.application_id, "pending")]


def test_incomplete_materials_cannot_be_accepted(
    seeded_store: Store, clerk: DeskContext
) -> None:
    f = form(seeded_store, RESIDENCE_PERMIT)
    f.materials[0].state = MaterialState.MISSING
    with pytest.raises(IntakeError) as err:
        apps.decide(seeded_store, clerk, f, Decision.ACCEPT)
    assert err.value.field == "materials"
    assert "一次性告知" in str(err.value)
    assert (
        seeded_store.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 0
    )
    assert seeded_store.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


def test_notice_then_supplement_resets_acceptance_date(
    seeded_store: Store, clerk: DeskContext
) -> None:
    at(date(2026, 11, 2))
    f = form(seeded_store, RESIDENCE_PERMIT)
    f.materials[1].state = MaterialState.DEFECTIVE
    f.materials[1].problem = "复印件不清晰"
    f.materials[2].state = MaterialState.MISSING
    [noticed] = apps.decide(seeded_store, clerk, f, Decision.NOTICE)
    record = records.application(seeded_store.db, noticed.application_id)
    assert record is not None
    assert record["status"] == "notified_to_supplement"
    assert record["accepted_on"] is None
    problems = {m["state"] for m in record["materials"]}
    assert {"defective", "missing"} <= problems
    at(date(2026, 11, 5))
    with pytest.raises(IntakeError, match="仍缺少"):
        apps.supplement(
            seeded_store,
            clerk,
            application_id=noticed.application_id,
            materials=f.materials,
        )
    done = apps.supplement(
        seeded_store,
        clerk,
        application_id=noticed.application_id,
        materials=full_materials(seeded_store, RESIDENCE_PERMIT, {}),
    )
    assert done.status is Status.SUBMITTED
    record = records.application(seeded_store.db, noticed.application_id)
    assert record is not None
    assert record["accepted_on"] == "2026-11-05"
    assert record["acceptance_no"] == noticed.acceptance_no


def test_reject_needs_reason(seeded_store: Store, clerk: DeskContext) -> None:
    with pytest.raises(IntakeError) as err:
        apps.decide(
            seeded_store, clerk, form(seeded_store, RESIDENCE_PERMIT), Decision.REJECT
        )
    assert err.value.field == "reason"
    with pytest.raises(IntakeError) as err:
        apps.decide(
            seeded_store,
            clerk,
            form(seeded_store, RESIDENCE_PERMIT),
            Decision.REJECT,
            reason="不属于本机关职权",
            reason_code="not_competent",
        )
    assert err.value.field == "competent_organ"
    assert "有权受理的机关" in str(err.value)
    [r] = apps.decide(
        seeded_store,
        clerk,
        form(seeded_store, RESIDENCE_PERMIT),
        Decision.REJECT,
        reason="不属于本机关职权",
        reason_code="not_competent",
        competent_organ="  市公安局   出入境管理支队 ",
    )
    assert r.status is Status.REJECTED
    stored = seeded_store.db.execute(
        "SELECT competent_organ FROM applications WHERE id = ?", [r.application_id]
    ).fetchone()[0]
    assert stored == "市公安局 出入境管理支队"


def test_deferred_acceptance(seeded_store: Store, clerk: DeskContext) -> None:
    f = form(seeded_store, SOLE_TRADER)
    premises = next(e for e in f.materials if e.key == "premises")
    premises.state = MaterialState.DEFERRED
    with pytest.raises(IntakeError) as err:
        apps.decide(seeded_store, clerk, f, Decision.ACCEPT_DEFERRED)
    assert err.value.field == "promise_date"
    promise = clock.today() + timedelta(days=5)
    [r] = apps.decide(
        seeded_store, clerk, f, Decision.ACCEPT_DEFERRED, promise_date=promise
    )
    record = records.application(seeded_store.db, r.application_id)
    assert record is not None and record["promise_date"] == promise.isoformat()
    not_deferrable = form(seeded_store, SOLE_TRADER)
    not_deferrable.materials[0].state = MaterialState.DEFERRED
    with pytest.raises(IntakeError, match="不允许容缺"):
        apps.decide(
            seeded_store,
            clerk,
            not_deferrable,
            Decision.ACCEPT_DEFERRED,
            promise_date=promise,
        )


def test_agent_requires_agent_identity(seeded_store: Store, clerk: DeskContext) -> None:
    f = form(seeded_store, SOLE_TRADER, answers={"agent": True})
    with pytest.raises(IntakeError) as err:
        apps.decide(seeded_store, clerk, f, Decision.ACCEPT)
    assert err.value.field == "agent_name"
    f.applicant.agent_name = "王五"
    f.applicant.agent_id_number = "320102198503091230"
    with pytest.raises(IntakeError) as err:
        apps.decide(seeded_store, clerk, f, Decision.ACCEPT)
    assert err.value.field == "agent_id_number"
    f.applicant.agent_id_number = AGENT_ID.lower()
    [r] = apps.decide(seeded_store, clerk, f, Decision.ACCEPT)
    record = records.application(seeded_store.db, r.application_id)
    assert record is not None
    keys = {m["material_key"] for m in record["materials"]}
    assert {"poa", "agent_id"} <= keys


def test_bundle_creates_linked_applications(
    seeded_store: Store, clerk: DeskContext
) -> None:
    bundle = seeded_store.db.execute(
        "SELECT code, item_codes FROM bundles WHERE name = '出生一件事'"
    ).fetchone()
    codes = json.loads(bundle[1])
    entries: dict[str, MaterialEntry] = {}
    for code in codes:
        for m in get_item(seeded_store.db, code).materials_for({"married": True}):
            entries.setdefault(
                m.name,
                MaterialEntry(
                    m.key, MaterialState.ORIGINAL, m.originals, m.copies, name=m.name
                ),
            )
    f = IntakeForm(
        item_codes=codes,
        bundle_code=bundle[0],
        answers={"married": True},
        applicant=Applicant(name="䶮", id_number=ID),
        materials=list(entries.values()),
    )
    results = apps.decide(seeded_store, clerk, f, Decision.ACCEPT)
    assert [r.item_code for r in results] == codes
    groups = seeded_store.db.execute(
        "SELECT COUNT(DISTINCT group_id), COUNT(*) FROM applications"
    ).fetchone()
    assert groups == (1, len(codes))


def test_deliver_checks_recipient_and_evaluation_needs_follow_up(
    seeded_store: Store, clerk: DeskContext
) -> None:
    [r] = apps.decide(
        seeded_store, clerk, form(seeded_store, RESIDENCE_PERMIT), Decision.ACCEPT
    )
    with pytest.raises(IllegalTransition):
        apps.deliver(
            seeded_store,
            clerk,
            application_id=r.application_id,
            recipient_name="李𠮷",
            recipient_id_number=ID,
        )
    with seeded_store.transaction() as db:
        apply_status_change(
            db, application_id=r.application_id, status=Status.RESULT_READY
        )
    with pytest.raises(IntakeError) as err:
        apps.deliver(
            seeded_store,
            clerk,
            application_id=r.application_id,
            recipient_name="李𠮷",
            recipient_id_number=AGENT_ID,
        )
    assert err.value.field == "recipient_id_number"
    apps.deliver(
        seeded_store,
        clerk,
        application_id=r.application_id,
        recipient_name="李𠮷",
        recipient_id_number=" " + ID.lower(),
    )
    record = records.application(seeded_store.db, r.application_id)
    assert record is not None and record["status"] == "delivered"
    eval_id = apps.evaluate(
        seeded_store,
        clerk,
        application_id=r.application_id,
        level=1,
        reasons=["等候时间长"],
    )
    with pytest.raises(IntakeError):
        apps.follow_up(seeded_store, clerk, evaluation_id=eval_id, text=" ")
    apps.follow_up(seeded_store, clerk, evaluation_id=eval_id, text="已回访致歉")
    row = seeded_store.db.execute(
        "SELECT level, follow_up FROM evaluations WHERE id = ?", [eval_id]
    ).fetchone()
    assert row == (1, "已回访致歉")


def test_consultation_becomes_application_without_retyping(
    seeded_store: Store, clerk: DeskContext
) -> None:
    c = consult(
        seeded_store,
        clerk,
        item_code=SOLE_TRADER,
        answers={"agent": True},
        applicant_name="张堃",
        phone="13900001111",
    )
    assert any(m.key == "poa" for m in c.materials)
    f = form_from_consultation(seeded_store, c.id)
    assert f.applicant.name == "张堃" and f.answers == {"agent": True}
    f.applicant.id_number = ID
    f.applicant.agent_name = "王五"
    f.applicant.agent_id_number = AGENT_ID
    f.materials = full_materials(seeded_store, SOLE_TRADER, f.answers)
    [r] = apps.decide(seeded_store, clerk, f, Decision.ACCEPT)
    linked = seeded_store.db.execute(
        "SELECT application_id FROM consultations WHERE id = ?", [c.id]
    ).fetchone()[0]
    assert linked == r.application_id


def test_draft_survives_and_is_removed_by_decision(
    seeded_store: Store, clerk: DeskContext
) -> None:
    f = form(seeded_store, RESIDENCE_PERMIT)
    save_draft(seeded_store, username="clerk01", form=f)
    [(draft_id, _at, restored)] = list_drafts(seeded_store, username="clerk01")
    assert restored.applicant.name == "李𠮷"
    assert restored.materials[0].state is MaterialState.ORIGINAL
    apps.decide(seeded_store, clerk, restored, Decision.ACCEPT)
    assert list_drafts(seeded_store, username="clerk01") == []
    assert draft_id


def test_provisional_due_date_settles_on_calendar_import(
    seeded_store: Store, clerk: DeskContext, tmp_path: Path
) -> None:
    at(date(2026, 12, 28))
    [r] = apps.decide(
        seeded_store, clerk, form(seeded_store, RESIDENCE_PERMIT), Decision.ACCEPT
    )
    assert r.due_provisional
    calendar_2027 = {
        "format": "counter-calendar/1",
        "years": {"2027": {"holidays": ["2027-01-01", "2027-01-04"], "workdays": []}},
    }
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(calendar_2027), encoding="utf-8")
    assert import_calendar(seeded_store, path, actor="chief01") == [2027]
    record = records.application(seeded_store.db, r.application_id)
    assert record is not None
    assert record["due_provisional"] == 0
    # 12-29,30,31 then 2027: 01-05..08, 11..13 (01-01 and 01-04 are holidays)
    assert record["due_date"] == "2027-01-13"


def test_numbers_unique_per_window_and_day(
    seeded_store: Store, clerk: DeskContext
) -> None:
    other = DeskContext(
        username="clerk02",
        display_name="x",
        role="clerk",
        site_code=clerk.site_code,
        window_code="02",
    )
    at(date(2026, 11, 23))
    numbers = [
        apps.decide(
            seeded_store, ctx, form(seeded_store, RESIDENCE_PERMIT), Decision.ACCEPT
        )[0].acceptance_no
        for ctx in (clerk, other, clerk)
    ]
    assert numbers == [
        "32010200101202611230001",
        "32010200102202611230001",
        "32010200101202611230002",
    ]


def test_bundle_keeps_different_documents_under_one_key_apart(
    seeded_store: Store, clerk: DeskContext
) -> None:
    """Both items of 开办餐饮店一件事 call their own application form
    `application`; a notice about one must not mark the other missing."""
    codes = ["XK00101001", "XK00102001"]
    entries: dict[str, MaterialEntry] = {}
    for code in codes:
        for m in get_item(seeded_store.db, code).materials_for({}):
            entries.setdefault(
                m.name,
                MaterialEntry(
                    m.key, MaterialState.ORIGINAL, m.originals, m.copies, name=m.name
                ),
            )
    food_form = get_item(seeded_store.db, "XK00102001").materials[0]
    sole_form = get_item(seeded_store.db, "XK00101001").materials[0]
    assert food_form.key == sole_form.key and food_form.name != sole_form.name
    entries[food_form.name].state = MaterialState.MISSING
    f = IntakeForm(
        item_codes=codes,
        bundle_code="YJS-KD-001",
        materials=list(entries.values()),
        applicant=Applicant(name="张堃", id_number=ID),
    )
    results = apps.decide(seeded_store, clerk, f, Decision.NOTICE)
    states = {}
    for r in results:
        record = records.application(seeded_store.db, r.application_id)
        assert record is not None
        states[r.item_code] = {m["name"]: m["state"] for m in record["materials"]}
    assert states["XK00101001"][sole_form.name] == "original"
    assert states["XK00102001"][food_form.name] == "missing"


def test_deferred_promise_date_within_the_promised_time(
    seeded_store: Store, clerk: DeskContext
) -> None:
    at(date(2026, 11, 23))
    f = form(seeded_store, "XK00102001")  # 食品经营许可, promised 5 working days
    next(e for e in f.materials if e.key == "layout").state = MaterialState.DEFERRED
    for promise, ok in (
        (date(2026, 11, 20), False),
        (date(2026, 12, 15), False),
        (date(2026, 11, 27), True),
    ):
        if ok:
            apps.decide(
                seeded_store, clerk, f, Decision.ACCEPT_DEFERRED, promise_date=promise
            )
        else:
            with pytest.raises(IntakeError) as err:
                apps.decide(
                    seeded_store,
                    clerk,
                    f,
                    Decision.ACCEPT_DEFERRED,
                    promise_date=promise,
                )
            assert err.value.field == "promise_date"
    assert (
        seeded_store.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0] == 1
    )
