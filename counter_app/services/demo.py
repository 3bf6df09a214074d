"""Demo data made the way a clerk makes it: every record goes through the
same services the window uses, on recent working days."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from counter_app import clock
from counter_app.domain.identifiers import IdType, make_resident_id, make_uscc
from counter_app.domain.status import Decision, Status
from counter_app.domain.workdays import due_date_or_provisional
from counter_app.services import applications as apps
from counter_app.services import site
from counter_app.services.backoffice import apply_status_change
from counter_app.services.consultations import consult
from counter_app.services.context import DeskContext
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.services.settings_service import put_audited
from counter_app.services.setup import ensure_seeded
from counter_app.services.users import add_user
from counter_app.store import settings
from counter_app.store.calendar import load_calendar
from counter_app.store.catalog import get_item
from counter_app.store.db import Store

DEMO_PASSWORD = "counter123"
DEMO_USERS = (
    ("clerk01", "王晓明", "clerk"),
    ("clerk02", "李𠮷祥", "clerk"),
    ("chief01", "张堃", "supervisor"),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "子墨",
    "浩然",
    "雨桐",
    "欣怡",
    "梓涵",
    "一诺",
    "思远",
    "俊杰",
    "晓东",
    "秀英",
    "建国",
    "桂兰",
    "淑珍",
    "志强",
    "丽华",
    "堃",
    "喆",
    "昇",
    "䶮",
    "𠮷",
    "犇",
    "文",
    "静",
    "磊",
    "婷婷",
    "国庆",
    "玉梅",
    "海燕",
    "春生",
    "明轩",
)
DEMO_SITE, DEMO_WINDOW = "320102001", "01"  # 示范区政务服务中心 (settings)
AREAS = ("320102", "320104", "320105", "320106", "320111", "110105", "440305")
COMPANIES = ("便民小吃店", "鑫源五金店", "惠民超市", "优品烘焙坊", "顺达物流有限公司")


def demo_context(store: Store, username: str = "clerk01") -> DeskContext:
    ident = settings.identity(store.db)
    name, role = {u: (n, r) for u, n, r in DEMO_USERS}[username]
    return DeskContext(
        username=username,
        display_name=name,
        role=role,
        site_code=ident.site_code,
        window_code=ident.window_code,
        desk_id=ident.desk_id,
    )


def use_demo_site(store: Store) -> None:
    """The demo center's codes, on a desk still on its provisional code
    with no number issued (the demo platform enrolls it under them)."""
    codes = site.current(store.db)
    if codes.provisional and not codes.numbers_issued and not codes.enrolled:
        with store.transaction() as db:
            put_audited(db, "site_code", DEMO_SITE, actor="demo")
            put_audited(db, "window_code", DEMO_WINDOW, actor="demo")


def seed_users(store: Store) -> None:
    existing = {r[0] for r in store.db.execute("SELECT username FROM users")}
    for username, name, role in DEMO_USERS:
        if username not in existing:
            add_user(
                store,
                username=username,
                display_name=name,
                role=role,
                password=DEMO_PASSWORD,
                must_change=False,  # demo accounts sign in as printed
            )


def seed_demo(
    store: Store,
    *,
    applications: int,
    days: int = 20,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Create ``applications`` applications (plus consultations, evaluations
    and back-office results) spread over the last ``days`` working days."""
    ensure_seeded(store)
    seed_users(store)
    use_demo_site(store)
    rng = random.Random(seed)
    codes = [
        r[0] for r in store.db.execute("SELECT code FROM catalog_items ORDER BY code")
    ]
    items = {code: get_item(store.db, code) for code in codes}
    workdays = _recent_working_days(store, max(1, min(days, applications)))
    total_days = len(workdays)
    contexts = [demo_context(store, "clerk01"), demo_context(store, "clerk02")]
    tz = clock.now().tzinfo
    made = 0
    with clock.restored():
        for day_index, day in enumerate(workdays):
            # Spread exactly ``applications`` over the days.
            count = (applications * (day_index + 1)) // total_days - (
                applications * day_index
            ) // total_days
            for n in range(count):
                minute = 9 * 60 + int(n * (7 * 60) / max(count, 1))
                moment = datetime.combine(day, time(minute // 60, minute % 60))
                moment = moment.replace(tzinfo=tz)
                clock.set_clock(_fixed(moment))
                ctx = contexts[n % 2]
                _one_visit(
                    store, ctx, rng, items[rng.choice(codes)], day_index, total_days
                )
                made += 1
                if progress and made % 500 == 0:
                    progress(made, applications)
    return made


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _recent_working_days(store: Store, days: int) -> list[date]:
    calendar = load_calendar(store.db)
    day = clock.today()
    found: list[date] = []
    while len(found) < days:
        known = day.year in calendar.years
        if calendar.is_working_day(day) if known else day.weekday() < 5:
            found.append(day)
        day -= timedelta(days=1)
    return sorted(found)


def competent_organ(department: str) -> str:
    """A plausible organ for a demo refusal as not competent: the same line
    of administration one level up (区民政局 → 市民政局)."""
    base = department.split("（")[0]
    if base.startswith("区"):
        return "市" + base[1:]
    return "申请人所在地" + base


def _one_visit(store, ctx, rng, item, day_index, total_days) -> None:  # type: ignore[no-untyped-def]
    answers = {"agent": rng.random() < 0.15}
    for key in {m.condition for m in item.materials if m.condition} - {"agent"}:
        answers[key] = rng.random() < 0.3
    applicant = _applicant(rng, answers)
    if rng.random() < 0.15:
        consult(
            store,
            ctx,
            item_code=item.code,
            answers=answers,
            applicant_name=applicant.name,
            phone=applicant.phone,
        )
    materials = item.materials_for(answers)
    roll = rng.random()
    decision = Decision.ACCEPT
    entries = [
        MaterialEntry(
            m.key,
            MaterialState.ORIGINAL if m.originals else MaterialState.COPY,
            m.originals,
            m.copies,
        )
        for m in materials
    ]
    deferrable = [e for e, m in zip(entries, materials, strict=True) if m.deferrable]
    promise = None
    if roll < 0.12 and entries:
        decision = Decision.NOTICE
        for e in rng.sample(entries, k=min(len(entries), rng.randint(1, 2))):
            e.state, e.problem = MaterialState.MISSING, "未提交"
    elif roll < 0.16:
        decision = Decision.REJECT
    elif roll < 0.22 and deferrable:
        decision = Decision.ACCEPT_DEFERRED
        deferrable[0].state = MaterialState.DEFERRED
        # Within the item's promised time, as the rules require.
        due = due_date_or_provisional(
            load_calendar(store.db), clock.today(), item.promised_days
        ).date
        promise = min(clock.today() + timedelta(days=7), max(due, clock.today()))
    elif roll < 0.25 and item.allows_commitment:
        decision = Decision.ACCEPT_COMMITMENT
        # The promise replaces the proof the catalog allows it to.
        for e, m in zip(entries, materials, strict=True):
            if m.promise:
                e.state, e.originals, e.copies = MaterialState.MISSING, 0, 0
    form = IntakeForm(
        item_codes=[item.code],
        applicant=applicant,
        answers=answers,
        materials=entries,
        intake_seconds=rng.randint(60, 300),
    )
    result = apps.decide(
        store,
        ctx,
        form,
        decision,
        reason="申请事项不属于本机关职权范围：经营或居住地不在本区，"
        "依法由上级或所在地机关办理"
        if decision is Decision.REJECT
        else "",
        reason_code="not_competent" if decision is Decision.REJECT else "",
        competent_organ=competent_organ(item.department)
        if decision is Decision.REJECT
        else "",
        promise_date=promise,
    )[0]
    age = total_days - day_index
    if result.status is not Status.SUBMITTED or age < 3:
        return
    if rng.random() < 0.6:
        if decision is Decision.ACCEPT_DEFERRED:
            # The applicant brought the deferred material before the result.
            apps.receive_deferred(
                store,
                ctx,
                application_id=result.application_id,
                received=[
                    (e.key, MaterialState.ORIGINAL)
                    for e in entries
                    if e.state is MaterialState.DEFERRED
                ],
            )
        with store.transaction() as db:
            apply_status_change(
                db, application_id=result.application_id, status=Status.RESULT_READY
            )
        if age > 5 and rng.random() < 0.7:
            apps.deliver(
                store,
                ctx,
                application_id=result.application_id,
                recipient_name=applicant.agent_name or applicant.name,
                recipient_id_number=applicant.agent_id_number or applicant.id_number,
                result_number=f"{item.code[-5:]}-{result.acceptance_no[-8:]}",
            )
            if rng.random() < 0.5:
                level = rng.choices([5, 4, 3, 2, 1], [70, 18, 7, 3, 2])[0]
                eval_id = apps.evaluate(
                    store,
                    ctx,
                    application_id=result.application_id,
                    level=level,
                    reasons=["办事效率高"] if level >= 4 else ["等候时间长"],
                )
                if level <= 2 and rng.random() < 0.5:
                    apps.follow_up(
                        store,
                        ctx,
                        evaluation_id=eval_id,
                        text="已电话回访，解释办理流程并致歉。",
                    )
    elif rng.random() < 0.3:
        with store.transaction() as db:
            apply_status_change(
                db, application_id=result.application_id, status=Status.IN_REVIEW
            )


def _applicant(rng: random.Random, answers: dict[str, bool]) -> Applicant:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    birth = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 65))
    id_number = make_resident_id(rng.choice(AREAS), birth, rng.randint(1, 999))
    phone = (
        "1"
        + rng.choice("3456789")
        + "".join(rng.choice("0123456789") for _ in range(9))
    )
    applicant = Applicant(
        name=name,
        id_type=IdType.RESIDENT_ID.value,
        id_number=id_number,
        phone=phone,
        address="示范区人民路 " + str(rng.randint(1, 300)) + " 号",
    )
    if answers.get("organisation"):
        applicant.applicant_type = "organisation"
        applicant.org_name = name[0] + "记" + rng.choice(COMPANIES)
        body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        applicant.uscc = make_uscc("92" + rng.choice(AREAS) + body)
    if answers.get("agent"):
        agent_birth = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 40))
        applicant.agent_name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        applicant.agent_id_number = make_resident_id(
            rng.choice(AREAS), agent_birth, rng.randint(1, 999)
        )
        applicant.agent_relation = rng.choice(["配偶", "子女", "受托人"])
    return applicant
