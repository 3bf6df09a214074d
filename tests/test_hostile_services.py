"""Hostile text into every service that takes text: each call ends in a clean
DomainError naming the field, or a stored record that reads back as the
documented normalisation of the input (``domain.text.clean_text``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counter_app.domain.errors import DomainError
from counter_app.domain.identifiers import (
    InvalidIdentifier,
    make_resident_id,
    validate_phone,
)
from counter_app.domain.status import Decision, Status
from counter_app.domain.text import NAME_MAX, NOTE_MAX, clean_text
from counter_app.services import applications as apps
from counter_app.services import queries
from counter_app.services.backoffice import apply_status_change
from counter_app.services.consultations import consult
from counter_app.services.context import DeskContext
from counter_app.services.day_close import close_day, record_correction, reopen_day
from counter_app.services.drafts import list_drafts, save_draft
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.services.settings_service import get_setting, set_setting
from counter_app.services.users import (
    SignInFailed,
    add_user,
    authenticate,
    reset_password,
    unlock_user,
)
from counter_app.store import records
from counter_app.store.catalog import get_item, search
from counter_app.store.db import Store
from tests.hostile_strategies import hostile_text, without_surrogates

ID = make_resident_id("320102", date(1985, 3, 9), 123)
AGENT_ID = make_resident_id("320104", date(1970, 1, 2), 44)
ITEM = "GG00302001"  # 居住证申领

HYP = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def clean_error(exc: DomainError) -> None:
    """What a clerk sees: readable, short, naming a field."""
    message = str(exc)
    assert message and exc.field, (message, exc.field)
    assert without_surrogates(message), message
    assert len(message) < 300, message[:100]
    assert not any(c in message for c in "\x00\x1b\r\u202e"), message


def expect_clean(value: str, **rule: Any) -> str | None:
    """The documented normalisation of ``value``, or None when it is refused."""
    try:
        return clean_text(value, field="f", label="f", **rule)
    except DomainError:
        return None


def form(store: Store, **applicant: Any) -> IntakeForm:
    answers = {"agent": True} if "agent_name" in applicant else {}
    fields: dict[str, Any] = {"name": "李𠮷", "id_number": ID, "phone": "13812345678"}
    if answers:
        fields.update(agent_name="王明", agent_id_number=AGENT_ID)
    fields.update(applicant)
    return IntakeForm(
        item_codes=[ITEM],
        applicant=Applicant(**fields),
        answers=answers,
        materials=[
            MaterialEntry(m.key, MaterialState.ORIGINAL, m.originals, m.copies)
            for m in get_item(store.db, ITEM).materials_for(answers)
        ],
    )


def outcome(call: Callable[[], Any]) -> tuple[bool, Any]:
    """(True, result) or (False, the clean error); anything else fails."""
    try:
        return True, call()
    except DomainError as exc:
        clean_error(exc)
        return False, exc


def integrity_ok(store: Store) -> None:
    assert store.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []


def accepted(store: Store, ctx: DeskContext) -> str:
    [r] = apps.decide(store, ctx, form(store), Decision.ACCEPT)
    return r.application_id


TEXT_FIELDS = {
    "name": ("applicant_name", NAME_MAX),
    "address": ("address", 200),
    "agent_name": ("agent_name", NAME_MAX),
    "agent_relation": ("agent_relation", 200),
}


@HYP
@given(field=st.sampled_from(sorted(TEXT_FIELDS)), value=hostile_text)
def test_applicant_text_fields(
    seeded_store: Store, clerk: DeskContext, field: str, value: str
) -> None:
    column, limit = TEXT_FIELDS[field]
    ok, result = outcome(
        lambda: apps.decide(
            seeded_store, clerk, form(seeded_store, **{field: value}), Decision.ACCEPT
        )
    )
    expected = expect_clean(value, max_len=limit)
    if not ok:
        if expected is not None and expected.strip():
            pytest.fail(f"refused a storable {field}: {result}")
        return
    record = records.application(seeded_store.db, result[0].application_id)
    assert record is not None
    assert expected is not None and (record[column] or "") == expected


@HYP
@given(
    field=st.sampled_from(["phone", "id_number", "agent_id_number"]), value=hostile_text
)
def test_identifier_fields(
    seeded_store: Store, clerk: DeskContext, field: str, value: str
) -> None:
    extra = {"agent_name": "王明"} if field.startswith("agent") else {}
    ok, result = outcome(
        lambda: apps.decide(
            seeded_store,
            clerk,
            form(seeded_store, **extra, **{field: value}),
            Decision.ACCEPT,
        )
    )
    if ok:
        record = records.application(seeded_store.db, result[0].application_id)
        assert record is not None
        stored = record[field]
        if field == "phone":
            assert stored is None or stored == validate_phone(value)
        else:
            assert stored.isascii() and len(stored) == 18, stored
    else:
        assert result.field == field


@HYP
@given(value=hostile_text)
def test_reasons_and_comments(
    seeded_store: Store, clerk: DeskContext, supervisor: DeskContext, value: str
) -> None:
    expected = expect_clean(value, max_len=NOTE_MAX, multiline=True)
    # Reject with a reason.
    f = form(seeded_store)
    f.materials = []
    ok, result = outcome(
        lambda: apps.decide(
            seeded_store, clerk, f, Decision.REJECT, reason=value, reason_code="other"
        )
    )
    assert ok == bool(expected), result
    if ok:
        record = records.application(seeded_store.db, result[0].application_id)
        assert record is not None and record["reason"] == expected
    # Withdraw.
    app_id = accepted(seeded_store, clerk)
    ok, result = outcome(
        lambda: apps.withdraw(seeded_store, clerk, application_id=app_id, reason=value)
    )
    assert ok == bool(expected), result
    status = records.application(seeded_store.db, app_id)["status"]  # type: ignore[index]
    assert status == ("withdrawn" if ok else "submitted")
    # Evaluation comment and follow-up.
    app_id = accepted(seeded_store, clerk)
    ok, eval_id = outcome(
        lambda: apps.evaluate(
            seeded_store,
            clerk,
            application_id=app_id,
            level=1,
            reasons=[value],
            comment=value,
        )
    )
    if ok:
        row = seeded_store.db.execute(
            "SELECT comment, reasons FROM evaluations WHERE id = ?", [eval_id]
        ).fetchone()
        assert (row[0] or "") == expected
        assert json.loads(row[1]) == [expect_clean(value)]
        ok, result = outcome(
            lambda: apps.follow_up(
                seeded_store, clerk, evaluation_id=eval_id, text=value
            )
        )
        assert ok == bool(expected), result
    # A supervisor's correction of the applicant's name.
    ok, result = outcome(
        lambda: record_correction(
            seeded_store,
            supervisor,
            application_id=app_id,
            field="applicant_name",
            new_value=value,
            reason=value,
        )
    )
    name = records.application(seeded_store.db, app_id)["applicant_name"]  # type: ignore[index]
    if ok:
        assert name == expect_clean(value, max_len=NAME_MAX)
    else:
        assert name == "李𠮷"
    integrity_ok(seeded_store)


@HYP
@given(name=hostile_text, tracking=hostile_text)
def test_delivery_recipient(
    seeded_store: Store, clerk: DeskContext, name: str, tracking: str
) -> None:
    app_id = accepted(seeded_store, clerk)
    with seeded_store.transaction() as db:
        apply_status_change(db, application_id=app_id, status=Status.RESULT_READY)
    ok, _result = outcome(
        lambda: apps.deliver(
            seeded_store,
            clerk,
            application_id=app_id,
            recipient_name=name,
            recipient_id_number=ID,
            method="ems",
            tracking_no=tracking,
        )
    )
    record = records.application(seeded_store.db, app_id)
    assert record is not None
    assert record["status"] == ("delivered" if ok else "result_ready")
    if ok:
        assert expect_clean(name, max_len=NAME_MAX)
        assert expect_clean(tracking)


@HYP
@given(name=hostile_text, phone=hostile_text)
def test_consultation(
    seeded_store: Store, clerk: DeskContext, name: str, phone: str
) -> None:
    ok, result = outcome(
        lambda: consult(
            seeded_store,
            clerk,
            item_code=ITEM,
            answers={},
            applicant_name=name,
            phone=phone,
        )
    )
    if ok:
        row = seeded_store.db.execute(
            "SELECT applicant_name, phone FROM consultations WHERE id = ?",
            [result.id],
        ).fetchone()
        assert (row[0] or "") == expect_clean(name, max_len=NAME_MAX)
        if row[1]:
            assert row[1] == validate_phone(phone)
    integrity_ok(seeded_store)


@HYP
@given(value=hostile_text)
def test_drafts_keep_what_was_typed(
    seeded_store: Store, clerk: DeskContext, value: str
) -> None:
    # A draft is work in progress: it keeps the input exactly, even broken.
    f = form(seeded_store, name=value, address=value)
    draft_id = save_draft(seeded_store, username=clerk.username, form=f)
    [back] = [
        d
        for i, _at, d in list_drafts(seeded_store, username=clerk.username)
        if i == draft_id
    ]
    assert back.applicant.name == value and back.applicant.address == value
    # ... and deciding from it applies the rules.
    outcome(lambda: apps.decide(seeded_store, clerk, back, Decision.ACCEPT))


@HYP
@given(text=hostile_text)
def test_searches(seeded_store: Store, clerk: DeskContext, text: str) -> None:
    accepted(seeded_store, clerk)
    hits = search(seeded_store.db, text)
    assert len(hits) <= 20
    query = queries.ApplicationQuery(text=text)
    page = queries.list_page(seeded_store, query)
    total = queries.count(seeded_store, query)
    assert total == len(page.rows) or (total > len(page.rows) == 100)


@pytest.mark.parametrize(
    "text",
    [
        "%",
        "_",
        "'; DROP TABLE applications;--",
        "*",
        '"',
        "' OR '1'='1",
        "\\",
        "%%",
        "NEAR(",
    ],
)
def test_sql_fragments_match_nothing(
    seeded_store: Store, clerk: DeskContext, text: str
) -> None:
    accepted(seeded_store, clerk)
    query = queries.ApplicationQuery(text=text)
    assert queries.list_page(seeded_store, query).rows == []
    assert queries.count(seeded_store, query) == 0
    assert search(seeded_store.db, text) == []
    assert seeded_store.db.execute("SELECT count(*) FROM applications").fetchone() == (
        1,
    )


@HYP
@given(key=st.sampled_from(["scan.hot_folder", "center_name", "x"]), value=hostile_text)
def test_settings(seeded_store: Store, key: str, value: str) -> None:
    ok, _ = outcome(lambda: set_setting(seeded_store, key, value, actor="chief01"))
    if ok:
        assert get_setting(seeded_store, key) == value
    integrity_ok(seeded_store)


@HYP
@given(username=hostile_text, display=hostile_text)
def test_users(
    seeded_store: Store, supervisor: DeskContext, username: str, display: str
) -> None:
    ok, _ = outcome(
        lambda: add_user(
            seeded_store,
            username=username,
            display_name=display,
            role="clerk",
            password="Counter-2026",
            by=supervisor,
        )
    )
    if ok:
        row = seeded_store.db.execute(
            "SELECT username, display_name FROM users WHERE username = ?",
            [expect_clean(username, max_len=64)],
        ).fetchone()
        assert row is not None
        assert row[1] == expect_clean(display, max_len=NAME_MAX)
    integrity_ok(seeded_store)


def test_identifier_errors_do_not_echo_control_characters() -> None:
    with pytest.raises(InvalidIdentifier) as err:
        validate_phone("138\x1b[31m" + "9" * 10_000)
    clean_error(err.value)


@HYP
@given(problem=hostile_text, note=hostile_text)
def test_material_problem_and_note_through_notice_and_supplement(
    seeded_store: Store, clerk: DeskContext, problem: str, note: str
) -> None:
    f = form(seeded_store)
    first = f.materials[0]
    f.materials[0] = MaterialEntry(
        first.key, MaterialState.DEFECTIVE, problem=problem, note=note
    )
    ok, result = outcome(lambda: apps.decide(seeded_store, clerk, f, Decision.NOTICE))
    want_problem = expect_clean(problem, max_len=NOTE_MAX, multiline=True)
    want_note = expect_clean(note, max_len=NOTE_MAX, multiline=True)
    assert ok == (want_problem is not None and want_note is not None), result
    if not ok:
        assert result.field == "materials"
        return
    app_id = result[0].application_id
    row = seeded_store.db.execute(
        "SELECT problem, note FROM application_materials"
        " WHERE application_id = ? AND material_key = ?",
        [app_id, first.key],
    ).fetchone()
    assert row == (want_problem or None, want_note or None)
    # The supplement brings it, with the same note.
    brought = [
        MaterialEntry(e.key, MaterialState.ORIGINAL, e.originals, e.copies, note=note)
        for e in form(seeded_store).materials
    ]
    apps.supplement(seeded_store, clerk, application_id=app_id, materials=brought)
    record = records.application(seeded_store.db, app_id)
    assert record is not None and record["status"] == "submitted"


@pytest.mark.parametrize("code", ["'; DROP TABLE applications;--", "其他", "\ud800"])
def test_reject_reason_code_must_be_listed(
    seeded_store: Store, clerk: DeskContext, code: str
) -> None:
    f = form(seeded_store)
    f.materials = []
    with pytest.raises(DomainError) as err:
        apps.decide(
            seeded_store, clerk, f, Decision.REJECT, reason="不属于", reason_code=code
        )
    assert err.value.field == "reason_code"
    clean_error(err.value)


@pytest.mark.parametrize("window", ["../../etc", "01/../..", "", "0\x001", "01\ud800"])
def test_day_close_takes_only_window_codes(
    seeded_store: Store, supervisor: DeskContext, window: str, today: date
) -> None:
    with pytest.raises(DomainError) as err:
        close_day(seeded_store, supervisor, window_code=window, day=today)
    assert err.value.field == "window_code"
    clean_error(err.value)
    with pytest.raises(DomainError) as err:
        reopen_day(
            seeded_store, supervisor, window_code=window, day=today, reason="误操作"
        )
    assert err.value.field == "window_code"
    assert not (seeded_store.data_dir / "archive").exists() or not any(
        (seeded_store.data_dir / "archive").rglob("*.pdf")
    )


@settings(HYP, max_examples=20)  # each try is a full scrypt, by design
@given(username=st.one_of(hostile_text, st.just("clerk07")), password=hostile_text)
def test_sign_in_with_anything_typed(
    seeded_store: Store, supervisor: DeskContext, username: str, password: str
) -> None:
    add_user(
        seeded_store,
        username="clerk07",
        display_name="王明",
        role="clerk",
        password="Counter-2026",
        must_change=False,
        by=supervisor,
    )
    events = seeded_store.db.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(SignInFailed) as err:
        authenticate(seeded_store, username=username, password=password)
    assert str(err.value) and without_surrogates(str(err.value))
    # the failure is audited, whatever was typed
    after = seeded_store.db.execute("SELECT count(*) FROM events").fetchone()[0]
    assert after > events
    for call in (unlock_user, reset_password):
        kwargs: dict[str, Any] = {"username": username}
        if call is reset_password:
            kwargs["new_password"] = "Counter-2027"
        try:
            call(seeded_store, supervisor, **kwargs)
        except DomainError as exc:
            clean_error(exc)
    integrity_ok(seeded_store)


def test_the_real_password_with_invisible_marks_in_the_name_signs_in(
    seeded_store: Store, supervisor: DeskContext
) -> None:
    add_user(
        seeded_store,
        username="clerk07",
        display_name="王明",
        role="clerk",
        password="Counter-2026",
        must_change=False,
        by=supervisor,
    )
    user = authenticate(
        seeded_store, username=" clerk07\u200b", password="Counter-2026"
    )
    assert user.username == "clerk07"
    with pytest.raises(SignInFailed):
        authenticate(seeded_store, username="clerk07", password="Counter-2026\ud800")


@pytest.mark.parametrize("method", ["post", "", "window'; --", "\ud800"])
def test_delivery_method_is_one_of_the_list(
    seeded_store: Store, clerk: DeskContext, method: str
) -> None:
    app_id = accepted(seeded_store, clerk)
    with seeded_store.transaction() as db:
        apply_status_change(db, application_id=app_id, status=Status.RESULT_READY)
    with pytest.raises(DomainError) as err:
        apps.deliver(
            seeded_store,
            clerk,
            application_id=app_id,
            recipient_name="李𠮷",
            recipient_id_number=ID,
            method=method,
            tracking_no="EMS123",
        )
    assert err.value.field == "method"


def test_mailed_result_says_so_on_the_delivery_record(
    seeded_store: Store, clerk: DeskContext
) -> None:
    from counter_app.services.documents import render_for_applications
    from tests.printing_fixtures import pdf_text, squeeze

    app_id = accepted(seeded_store, clerk)
    with seeded_store.transaction() as db:
        apply_status_change(db, application_id=app_id, status=Status.RESULT_READY)
    apps.deliver(
        seeded_store,
        clerk,
        application_id=app_id,
        recipient_name="李𠮷",
        recipient_id_number=ID,
        method="ems",
        tracking_no="EMS1234567890",
    )
    pdf = render_for_applications(
        seeded_store, clerk, kind="delivery", application_ids=[app_id]
    )
    text = squeeze(pdf_text(pdf))
    assert "邮寄送达" in text and "窗口领取" not in text and "EMS1234567890" in text
