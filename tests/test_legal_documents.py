"""Every printed document, made through the services from real decisions,
checked element by element against the legal checklist (printing/legal.py):
the dates are the stored ones, the counts are the materials received, the
basis and remedies are there, and every seal names the center. In Chinese
and in English, on A4 and on the 80 mm roll where the document has one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from counter_app import clock
from counter_app.domain.identifiers import make_resident_id, make_uscc, mask_identifier
from counter_app.domain.status import Decision, Status
from counter_app.domain.workdays import days_left
from counter_app.i18n import _, set_language
from counter_app.services import applications as apps
from counter_app.services import documents
from counter_app.services.backoffice import apply_status_change
from counter_app.services.consultations import consult
from counter_app.services.context import DeskContext
from counter_app.services.daily_log import LogFilter
from counter_app.services.document_data import COMMITMENT_BASIS, COMMITMENT_LIABILITY
from counter_app.services.exports import ExportFormat, export_daily_log
from counter_app.services.intake import (
    MATERIAL_STATE_LABELS,
    RECEIVED,
    REJECT_BASIS,
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
    reject_basis,
)
from counter_app.store import records, settings
from counter_app.store.calendar import load_calendar
from counter_app.store.catalog import get_item
from counter_app.store.db import Store
from printing.blocks import seal_text
from printing.legal import LEGAL_CHECKLIST
from printing.model import Paper
from printing.text import fmt_date, fmt_datetime
from tests.printing_fixtures import pdf_text, require_poppler, squeeze

SOLE_TRADER = "XK00101001"  # 个体工商户设立登记 (allows 告知承诺)
FOOD = "XK00102001"
HYGIENE = "XK00201001"  # 公共场所卫生许可 (告知承诺 for the test report)
CENTER = "示范区政务服务中心"
PERSON_ID = make_resident_id("320102", date(1990, 5, 17), 38)
AGENT_ID = make_resident_id("320104", date(1985, 3, 2), 71)
USCC = make_uscc("91320102MA2X7K9Q3")
RARE = "王𠮷䶮"
STATUS_BASE = "https://zwfw.sample.gov.cn/status"

Check = Callable[[str], bool]


@pytest.fixture(autouse=True)
def _poppler() -> None:
    require_poppler()


@dataclass
class Paper_:
    kind: str
    pdf: bytes
    checks: dict[str, Check] = field(default_factory=dict)


def flat(pdf: bytes) -> str:
    return squeeze(pdf_text(pdf, mode="-raw"))


def has(*parts: str) -> Check:
    wanted = [squeeze(p) for p in parts]
    return lambda text: all(w in text for w in wanted)


def lacks(*parts: str) -> Check:
    wanted = [squeeze(p) for p in parts]
    return lambda text: not any(w in text for w in wanted)


def both(*checks: Check) -> Check:
    return lambda text: all(c(text) for c in checks)


def at(day: date, hour: int = 10) -> None:
    moment = datetime.combine(day, time(hour, 0)).astimezone()
    clock.set_clock(lambda: moment)


def form(
    store: Store,
    codes: list[str],
    applicant: Applicant,
    answers: dict[str, bool] | None = None,
    states: dict[str, MaterialState] | None = None,
) -> IntakeForm:
    entries: dict[str, MaterialEntry] = {}
    answers = answers or {}
    for code in codes:
        for m in get_item(store.db, code).materials_for(answers):
            state = (states or {}).get(m.key, MaterialState.ORIGINAL)
            received = state in RECEIVED
            entries.setdefault(
                m.name,
                MaterialEntry(
                    m.key,
                    state,
                    m.originals if received else 0,
                    m.copies if received else 0,
                    name=m.name,
                    problem="" if received else "未提交",
                ),
            )
    return IntakeForm(
        item_codes=codes,
        applicant=applicant,
        answers=answers,
        materials=list(entries.values()),
    )


def person(name: str = RARE, *, assisted: bool = False) -> Applicant:
    return Applicant(name=name, id_number=PERSON_ID, assisted=assisted)


def organisation(*, agent: bool = False) -> Applicant:
    return Applicant(
        name="赵䶮",
        applicant_type="organisation",
        org_name="示范区𠮷祥餐饮有限公司",
        uscc=USCC,
        agent_name="李堃" if agent else "",
        agent_id_number=AGENT_ID if agent else "",
        agent_relation="委托代理人" if agent else "",
    )


# --- the checks, per document, against the stored record ----------------------


def _who(record: dict[str, Any]) -> Check:
    name = record["org_name"] or record["applicant_name"]
    number = record["uscc"] or record["id_number"]
    return has(name, mask_identifier(number))


def _contact(store: Store) -> Check:
    return has(
        settings.get(store.db, "window_phone"),
        settings.get(store.db, "supervision_phone"),
    )


def _seal(day: date) -> Check:
    return has(seal_text(CENTER) + fmt_date(day))


def _received(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in record["materials"] if MaterialState(m["state"]) in RECEIVED]


def _materials(record: dict[str, Any], heading: str) -> Check:
    got = _received(record)
    count = sum(m["originals"] + m["copies"] for m in got)
    names = [m["name"] for m in got]
    copy_only = [m for m in got if not m["originals"] and m["copies"]]

    def check(text: str) -> bool:
        ok = has(heading.format(kinds=len(got), count=count), *names)(text)
        for m in copy_only:  # never 已收原件 with no original
            ok = ok and m["state"] == MaterialState.COPY.value
        return ok

    return check


def receipt_checks(store: Store, record: dict[str, Any]) -> dict[str, Check]:
    accepted = date.fromisoformat(record["accepted_on"])
    due = date.fromisoformat(record["due_date"])
    decision = record["decision"]
    deferred = [m["name"] for m in record["materials"] if m["state"] == "deferred"]
    if decision == Decision.ACCEPT_DEFERRED.value:
        promise = has(_("承诺事项"), *deferred)
    elif decision == Decision.ACCEPT_COMMITMENT.value:
        waived = [
            m["name"]
            for m in record["materials"]
            if MaterialState(m["state"]) not in RECEIVED
        ]
        promise = has(_("承诺事项"), *waived)
    else:
        promise = lacks(_("承诺事项"))
    url = record["status_url"]
    return {
        "number": has(record["acceptance_no"]),
        "applicant": _who(record),
        "agent": has(_("代理人"), record["agent_name"])
        if record["agent_name"]
        else lacks(_("代理人")),
        "accepted_on": has(_("受理日期") + fmt_date(accepted)),
        "due": has(fmt_date(due)),
        "materials": _materials(record, _("已接收材料（共 {kinds} 种 {count} 份）")),
        "promise": promise,
        "collect": has(_("领取结果"), settings.get(store.db, "center_address"), "EMS"),
        "query": has(url)
        if url
        else has(_("凭受理编号拨打查询电话，或到窗口查询办理进度。")),
        "seal": _seal(accepted),
        "contact": _contact(store),
    }


def materials_receipt_checks(store: Store, record: dict[str, Any]) -> dict[str, Check]:
    received_at = datetime.fromisoformat(record["created_at"]).replace(tzinfo=None)
    missing = [
        m["name"]
        for m in record["materials"]
        if MaterialState(m["state"]) not in RECEIVED
    ]
    return {
        "number": has(record["acceptance_no"]),
        "received_at": has(fmt_datetime(received_at)),
        "materials": both(
            _materials(record, _("接收材料（共 {kinds} 种 {count} 份）")),
            lacks(*missing) if missing else has(""),
        ),
        "signature": has(_("递交人签字")),
        "contact": _contact(store),
    }


def notice_checks(store: Store, record: dict[str, Any]) -> dict[str, Check]:
    missing = [
        m for m in record["materials"] if MaterialState(m["state"]) not in RECEIVED
    ]
    item = get_item(store.db, record["item_code"])
    forms = []
    for m in missing:
        cat = next(c for c in item.materials if c.key == m["material_key"])
        if cat.originals:
            forms.append(_("原件 {n} 份").format(n=cat.originals))
        if cat.copies:
            forms.append(_("复印件 {n} 份").format(n=cat.copies))
    day = date.fromisoformat(record["day"])
    return {
        "number": has(record["acceptance_no"]),
        "applicant": _who(record),
        "basis": has(_("《中华人民共和国行政许可法》第三十二条第一款第（四）项")),
        "missing": has(*[m["name"] for m in missing], *[m["problem"] for m in missing]),
        "form": has(_("提交形式"), *forms),
        "deadline": has(fmt_date(date.fromisoformat(record["notice_deadline"]))),
        "lapse": has(
            _(
                "逾期未补正的，视为您放弃本次申请，本机关不再处理，申请材料可凭本告知书"
                "到窗口取回；您仍可以重新提出申请。"
            )
        ),
        "reset": has(
            _(
                "本告知书已列明全部需要补正的材料，补正齐全后即予受理，不会再要求提交"
                "本告知书以外的材料。受理日期以补正材料全部送达之日为准，办理时限自该日"
                "起计算。"
            )
        ),
        "seal": _seal(day),
        "signature": has(_("申请人签收")),
    }


def rejection_checks(store: Store, record: dict[str, Any]) -> dict[str, Check]:
    organ = record["competent_organ"]
    item = get_item(store.db, record["item_code"])
    # 行政许可法 Art.32(1): (1) no licence needed, (2) not competent.
    subparagraph = {"not_required": "第（一）项", "not_competent": "第（二）项"}
    basis = REJECT_BASIS[record["reason_code"]]
    assert (
        basis
        == "《中华人民共和国行政许可法》第三十二条第一款"
        + (subparagraph[record["reason_code"]])
    )
    assert reject_basis(record["reason_code"]) == _(basis)
    remedies = _(
        "如不服本决定，可以自收到本决定书之日起六十日内向{review}申请"
        "行政复议，也可以自收到本决定书之日起六个月内向{court}提起行政诉讼。"
    ).format(
        review=settings.get(store.db, "review_organ"),
        court=settings.get(store.db, "court"),
    )
    assert any(w in remedies for w in ("六十日", "sixty days"))
    assert any(w in remedies for w in ("六个月", "six months"))
    return {
        "number": has(record["acceptance_no"]),
        "applicant": _who(record),
        "reason": has(record["reason"]),
        "basis": both(has(_(basis)), lacks(item.legal_basis)),
        "competent": has(organ)
        if record["reason_code"] == "not_competent"
        else has(""),
        "review": has(remedies.split("，")[0] if "，" in remedies else remedies),
        "lawsuit": has(remedies),
        "seal": both(_seal(date.fromisoformat(record["day"])), lacks(item.department)),
    }


def deferred_checks(store: Store, record: dict[str, Any]) -> dict[str, Check]:
    names = [m["name"] for m in record["materials"] if m["state"] == "deferred"]
    return {
        "number": has(record["acceptance_no"]),
        "applicant": _who(record),
        "missing": has(*names),
        "deadline": has(fmt_date(date.fromisoformat(record["promise_date"]))),
        "consequence": has(settings.get(store.db, "deferred_consequence")),
        "seal": _seal(date.fromisoformat(record["accepted_on"])),
        "signature": has(_("申请人（承诺人）签字")),
    }


def commitment_checks(store: Store, record: dict[str, Any]) -> dict[str, Check]:
    # 国办发〔2020〕42号: stop, revoke, credit record (checked in the source
    # wording; the printed text is that wording in the print language).
    liability = "".join(COMMITMENT_LIABILITY)
    assert all(w in liability for w in ("终止办理", "撤销", "信用记录"))
    assert "国办发〔2020〕42号" in COMMITMENT_BASIS
    waived = [
        m["name"]
        for m in record["materials"]
        if MaterialState(m["state"]) not in RECEIVED
    ]
    return {
        "number": has(record["acceptance_no"]),
        "applicant": _who(record),
        "basis": has(_(COMMITMENT_BASIS)),
        "conditions": has(_("（一）应当具备的条件：")),
        "waived": has(_("（二）以承诺代替、本机关不再索要的证明材料："), *waived),
        "check": has(_("（三）核查：")),
        "liability": has(*[_(text) for text in COMMITMENT_LIABILITY]),
        "signature": has(_("申请人（承诺人）签字")),
        "seal": _seal(date.fromisoformat(record["accepted_on"])),
    }


def delivery_checks(
    store: Store, record: dict[str, Any], *, delivered: date, agent: bool
) -> dict[str, Check]:
    event = next(
        e
        for e in reversed(records.timeline(store.db, record["id"]))
        if e["kind"] == "deliver"
    )
    detail = event["detail"]
    role = _("代理人，{relation}").format(relation=record["agent_relation"])
    return {
        "number": has(record["acceptance_no"]),
        "document": both(
            has(detail["result_name"], detail["result_number"] or _("无文号")),
            lacks(_("文书编号") + record["acceptance_no"]),
        ),
        "method": has(_("窗口领取")),
        "receiver": has(detail["recipient_name"], role)
        if agent
        else has(detail["recipient_name"], _("申请人本人")),
        "date": has(_("送达日期") + fmt_date(delivered)),
        "deliverer": has(_("送达人")),
        "seal": _seal(delivered),
    }


# --- the scenarios --------------------------------------------------------------


@dataclass
class Desk:
    store: Store
    clerk: DeskContext
    today: date
    papers: list[Paper_] = field(default_factory=list)

    def print(self, kind: str, app_ids: list[str], paper: Paper = Paper.A4) -> bytes:
        return documents.render_for_applications(
            self.store, self.clerk, kind=kind, application_ids=app_ids, paper=paper
        )

    def record(self, app_id: str) -> dict[str, Any]:
        record = records.application(self.store.db, app_id)
        assert record is not None
        return record

    def add(self, kind: str, pdf: bytes, checks: dict[str, Check]) -> None:
        self.papers.append(Paper_(kind, pdf, checks))

    def decide(self, f: IntakeForm, decision: Decision, **kw: Any) -> list[str]:
        return [
            r.application_id
            for r in apps.decide(self.store, self.clerk, f, decision, **kw)
        ]


def _ready_and_deliver(desk: Desk, app_id: str, **kw: Any) -> None:
    with desk.store.transaction() as db:
        apply_status_change(db, application_id=app_id, status=Status.RESULT_READY)
    apps.deliver(desk.store, desk.clerk, application_id=app_id, **kw)


def scenarios(desk: Desk) -> None:
    store, day = desk.store, desk.today
    # A person with a rare-character name; one copy-only material was
    # ticked as 已收原件 with no original.
    f = form(store, [SOLE_TRADER], person())
    premises = next(e for e in f.materials if e.key == "premises")
    premises.state, premises.originals, premises.copies = MaterialState.ORIGINAL, 0, 1
    [plain] = desk.decide(f, Decision.ACCEPT)
    rec = desk.record(plain)
    for paper in (Paper.A4, Paper.ROLL_80):
        desk.add(
            "receipt", desk.print("receipt", [plain], paper), receipt_checks(store, rec)
        )
        desk.add(
            "materials_receipt",
            desk.print("materials_receipt", [plain], paper),
            materials_receipt_checks(store, rec),
        )
    _ready_and_deliver(desk, plain, recipient_name=RARE, recipient_id_number=PERSON_ID)
    # An organisation through an agent, accepted with a deferred material.
    org = organisation(agent=True)
    f = form(
        store,
        [SOLE_TRADER],
        org,
        answers={"agent": True},
        states={"premises": MaterialState.DEFERRED},
    )
    [deferred] = desk.decide(
        f, Decision.ACCEPT_DEFERRED, promise_date=day + timedelta(days=1)
    )
    rec = desk.record(deferred)
    desk.add("receipt", desk.print("receipt", [deferred]), receipt_checks(store, rec))
    desk.add(
        "deferred", desk.print("deferred", [deferred]), deferred_checks(store, rec)
    )
    desk.add(
        "materials_receipt",
        desk.print("materials_receipt", [deferred]),
        materials_receipt_checks(store, rec),
    )
    apps.receive_deferred(
        store,
        desk.clerk,
        application_id=deferred,
        received=[("premises", MaterialState.COPY)],
    )
    _ready_and_deliver(
        desk,
        deferred,
        recipient_name="李堃",
        recipient_id_number=AGENT_ID,
        result_name="营业执照（正本、副本）",
        result_number="92320102MA1XXXXX",
    )
    # A bundle: one receipt, one page set per item.
    bundle = form(store, [SOLE_TRADER, FOOD], person("欧阳䶮"))
    bundle.bundle_code = "YJS-KD-001"
    ids = desk.decide(bundle, Decision.ACCEPT)
    assert len(ids) == 2
    for app_id in ids:
        rec = desk.record(app_id)
        desk.add("receipt", desk.print("receipt", [app_id]), receipt_checks(store, rec))
    merged = flat(desk.print("receipt", ids))
    assert all(desk.record(i)["acceptance_no"] in merged for i in ids)
    # One-time notice: a faulty and a missing material.
    f = form(
        store,
        [SOLE_TRADER],
        person("张三"),
        states={"premises": MaterialState.MISSING, "id_card": MaterialState.DEFECTIVE},
    )
    next(e for e in f.materials if e.key == "id_card").problem = "身份证已过有效期"
    [notice] = desk.decide(f, Decision.NOTICE)
    rec = desk.record(notice)
    desk.add("notice", desk.print("notice", [notice]), notice_checks(store, rec))
    desk.add(
        "materials_receipt",
        desk.print("materials_receipt", [notice]),
        materials_receipt_checks(store, rec),
    )
    # Refusals: not competent (with the organ), and no licence needed.
    for code, organ in (("not_competent", "市市场监督管理局"), ("not_required", "")):
        [rej] = desk.decide(
            form(store, [SOLE_TRADER], organisation()),
            Decision.REJECT,
            reason="经营场所不在本区" if organ else "该经营活动无需登记",
            reason_code=code,
            competent_organ=organ,
        )
        rec = desk.record(rej)
        desk.add(
            "rejection", desk.print("rejection", [rej]), rejection_checks(store, rec)
        )
    # 告知承诺: the test report is replaced by the promise.
    f = form(
        store,
        [HYGIENE],
        organisation(),
        states={"test_report": MaterialState.MISSING},
    )
    [promised] = desk.decide(f, Decision.ACCEPT_COMMITMENT)
    rec = desk.record(promised)
    # Asked for as "deferred" (the old path) it is the 告知承诺书 too.
    for kind in ("commitment", "deferred"):
        desk.add(
            "commitment", desk.print(kind, [promised]), commitment_checks(store, rec)
        )
    desk.add("receipt", desk.print("receipt", [promised]), receipt_checks(store, rec))


def _check_all(desk: Desk) -> list[str]:
    failures = []
    for paper in desk.papers:
        rule = LEGAL_CHECKLIST[paper.kind]
        keys = {e.key for e in rule.elements}
        assert set(paper.checks) == keys, (paper.kind, set(paper.checks) ^ keys)
        text = flat(paper.pdf)
        for element in rule.elements:
            if not paper.checks[element.key](text):
                failures.append(f"{paper.kind}: {element.key} ({element.label})")
    return failures


@pytest.fixture
def desk(seeded_store: Store, clerk: DeskContext, today: date) -> Iterator[Desk]:
    yield Desk(seeded_store, clerk, today)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("status_url", [False, True])
def test_every_document_carries_its_legal_elements(
    desk: Desk, language: str, status_url: bool
) -> None:
    if status_url:
        with desk.store.transaction() as db:
            settings.put(db, "status_base_url", STATUS_BASE)
    set_language(language)
    scenarios(desk)
    # Delivery papers are printed days later: the date is the recorded one.
    later = desk.today + timedelta(days=3)
    at(later)
    for app_id, agent in _delivered(desk):
        rec = desk.record(app_id)
        desk.add(
            "delivery",
            desk.print("delivery", [app_id]),
            delivery_checks(desk.store, rec, delivered=desk.today, agent=agent),
        )
    kinds = {p.kind for p in desk.papers}
    assert kinds == set(LEGAL_CHECKLIST) - {"checklist", "daily_log"}
    failures = _check_all(desk)
    assert failures == [], "\n".join(failures)


def _delivered(desk: Desk) -> list[tuple[str, bool]]:
    rows = desk.store.db.execute(
        "SELECT id, agent_name FROM applications WHERE status = 'delivered'"
        " ORDER BY created_at"
    ).fetchall()
    return [(r[0], bool(r[1])) for r in rows]


def test_no_status_link_no_qr_code(desk: Desk) -> None:
    """Without a status page the receipt has no QR code (only the bars)."""
    [bare] = desk.decide(form(desk.store, [SOLE_TRADER], person()), Decision.ACCEPT)
    with desk.store.transaction() as db:
        settings.put(db, "status_base_url", STATUS_BASE)
    [linked] = desk.decide(form(desk.store, [SOLE_TRADER], person()), Decision.ACCEPT)
    assert not desk.record(bare)["status_url"]
    assert desk.record(linked)["status_url"].startswith(STATUS_BASE)
    assert _rects(desk.print("receipt", [bare])) < 100
    assert _rects(desk.print("receipt", [linked])) > 200


def _rects(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return page.get_contents().get_data().count(b" re")


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_checklist_leaves_promised_proof_out_and_links_only_the_site(
    desk: Desk, language: str
) -> None:
    set_language(language)
    store = desk.store
    promise = consult(
        store, desk.clerk, item_code=HYGIENE, answers={"commitment": True}
    )
    item = get_item(store.db, HYGIENE)
    covered = [m.name for m in item.materials if m.promise]
    assert covered
    text = flat(documents.render_checklist(store, desk.clerk, promise))
    required = text.split(squeeze(_("以告知承诺代替、无需提交的材料")))
    assert len(required) == 2, "promise section missing"
    checks = {
        "materials": has(
            *[m.name for m in item.materials if not m.promise and not m.condition]
        ),
        "promise": lambda t: (
            all(squeeze(n) not in required[0] for n in covered)
            and all(squeeze(n) in required[1] for n in covered)
        ),
        "limits": has(
            _("收费标准"), _("法定办结时限"), _("承诺办结时限"), _("办理时间")
        ),
        "qr": lacks(_("扫码查看办事指南")),
        "contact": _contact(store),
    }
    assert set(checks) == {e.key for e in LEGAL_CHECKLIST["checklist"].elements}
    assert [k for k, c in checks.items() if not c(text)] == []
    with store.transaction() as db:
        settings.put(db, "guide_base_url", "https://zwfw.sample.gov.cn/guide")
    linked = flat(documents.render_checklist(store, desk.clerk, promise))
    assert squeeze(_("扫码查看办事指南")) in linked


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_daily_log_marks_overdue_ratings_agents_and_sign_off(
    desk: Desk, supervisor: DeskContext, language: str, tmp_path: Path
) -> None:
    store, day = desk.store, desk.today
    [agent_app] = desk.decide(
        form(store, [SOLE_TRADER], organisation(agent=True), answers={"agent": True}),
        Decision.ACCEPT,
    )
    [helped] = desk.decide(
        form(store, [SOLE_TRADER], person(assisted=True)), Decision.ACCEPT
    )
    [promised] = desk.decide(
        form(
            store,
            [HYGIENE],
            organisation(),
            states={"test_report": MaterialState.MISSING},
        ),
        Decision.ACCEPT_COMMITMENT,
    )
    bad = apps.evaluate(store, desk.clerk, application_id=helped, level=1)
    apps.follow_up(store, desk.clerk, evaluation_id=bad, text="已电话回访并致歉")
    apps.evaluate(store, desk.clerk, application_id=agent_app, level=2)
    # Weeks later every item is overdue.
    later = day + timedelta(days=40)
    at(later)
    due = date.fromisoformat(desk.record(agent_app)["due_date"])
    overdue = -days_left(load_calendar(store.db), later, due).days
    assert overdue > 0
    set_language(language)
    out = tmp_path / "log.pdf"
    export_daily_log(
        store, supervisor, LogFilter.day(day), fmt=ExportFormat.PDF, out=out
    )
    text = flat(out.read_bytes())
    checks = {
        "rows": has(_("代理/帮办"), _("代理：{name}").format(name="李堃"), _("帮办")),
        "overdue": has(_("超期 {days} 个工作日").format(days=overdue)),
        "ratings": has(
            _("差评（1–2）") + "2",
            _("差评已回访") + "1",
            _("已回访"),
            _("待回访"),
        ),
        "totals": has(_("告知承诺受理") + "1", _("超期办件") + "3"),
        "sign_off": both(
            has(
                _("制表人：{name}").format(name=supervisor.display_name),
                _("审核人：＿＿＿＿＿＿").rstrip("＿_"),
            ),
            # The letterhead names the supervisor in the role 制表人.
            has(
                _("窗口：{window}　{role}：{clerk}　打印时间：{time}")
                .split("{window}")[1]
                .format(role=_("制表人"), clerk=supervisor.display_name, time="")
            ),
        ),
    }
    assert set(checks) == {e.key for e in LEGAL_CHECKLIST["daily_log"].elements}
    assert [k for k, c in checks.items() if not c(text)] == [], text[:600]
    assert promised


def test_state_label_of_copy_only_material(desk: Desk) -> None:
    """已收原件 ticked on a copy-only material is stored as 已收复印件."""
    f = form(desk.store, [SOLE_TRADER], person())
    premises = next(e for e in f.materials if e.key == "premises")
    premises.state, premises.originals, premises.copies = MaterialState.ORIGINAL, 0, 1
    [app_id] = desk.decide(f, Decision.ACCEPT)
    [m] = [
        m for m in desk.record(app_id)["materials"] if m["material_key"] == "premises"
    ]
    assert m["state"] == MaterialState.COPY.value
    text = flat(desk.print("materials_receipt", [app_id]))
    assert squeeze(_(MATERIAL_STATE_LABELS[MaterialState.COPY])) in text
