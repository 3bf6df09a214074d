from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from counter_app import clock
from counter_app.domain.identifiers import make_resident_id
from counter_app.domain.status import Decision
from counter_app.services.applications import decide, withdraw
from counter_app.services.context import DeskContext
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.services.reuse import ReuseOffer, reusable_materials
from counter_app.store import settings
from counter_app.store.catalog import get_item
from counter_app.store.db import Store

ID = make_resident_id("320102", date(1980, 1, 2), 17)
OTHER = make_resident_id("320102", date(1990, 5, 6), 18)
SS_CARD = "GG00401001"  # 社会保障卡申领: 居民身份证, 照片
PENSION = "GG00402001"  # 城乡居民养老保险参保登记: 居民身份证, 户口簿, 登记表


def _form(
    store: Store, code: str, id_number: str, **states: MaterialState
) -> IntakeForm:
    item = get_item(store.db, code)
    return IntakeForm(
        item_codes=[code],
        applicant=Applicant(name="周杰", id_number=id_number),
        materials=[
            MaterialEntry(m.key, states.get(m.key, MaterialState.ORIGINAL), 1, 0)
            for m in item.materials_for({})
        ],
    )


def _offers(
    store: Store, id_number: str = ID, extra_offers: Sequence[ReuseOffer] = ()
) -> dict[str, ReuseOffer]:
    found = reusable_materials(
        store,
        id_number=id_number,
        item_codes=[PENSION],
        answers={},
        extra_offers=extra_offers,
    )
    return {o.material_name: o for o in found}


def test_earlier_accepted_material_is_offered(
    seeded_store: Store, clerk: DeskContext
) -> None:
    [result] = decide(
        seeded_store, clerk, _form(seeded_store, SS_CARD, ID), Decision.ACCEPT
    )
    offers = _offers(seeded_store, " " + ID.lower() + " ")
    assert set(offers) == {"居民身份证"}  # the photo is not needed for the pension
    offer = offers["居民身份证"]
    assert offer.material_key == "id_card"
    assert offer.acceptance_no == result.acceptance_no
    assert offer.source_application_id == result.application_id
    assert offer.received_on == clock.today()
    assert result.acceptance_no in offer.source_text
    assert clock.today().isoformat() in offer.source_text


def test_nothing_for_another_person_or_missing_material(
    seeded_store: Store, clerk: DeskContext
) -> None:
    form = _form(seeded_store, "XK00101001", ID, premises=MaterialState.DEFERRED)
    decide(
        seeded_store,
        clerk,
        form,
        Decision.ACCEPT_DEFERRED,
        promise_date=clock.today() + timedelta(days=7),
    )
    tobacco = reusable_materials(
        seeded_store, id_number=ID, item_codes=["XK01301001"], answers={}
    )
    assert [o.material_name for o in tobacco] == ["居民身份证"]  # premises deferred
    assert (
        reusable_materials(
            seeded_store, id_number=OTHER, item_codes=["XK01301001"], answers={}
        )
        == []
    )


def test_closed_or_notified_applications_are_not_sources(
    seeded_store: Store, clerk: DeskContext
) -> None:
    [rejected] = decide(
        seeded_store,
        clerk,
        _form(seeded_store, SS_CARD, ID),
        Decision.REJECT,
        reason="不属于本机关职权范围",
    )
    assert _offers(seeded_store) == {}
    notice = _form(seeded_store, SS_CARD, ID, photo=MaterialState.MISSING)
    decide(seeded_store, clerk, notice, Decision.NOTICE)
    assert _offers(seeded_store) == {}  # never accepted
    [accepted] = decide(
        seeded_store, clerk, _form(seeded_store, SS_CARD, ID), Decision.ACCEPT
    )
    assert set(_offers(seeded_store)) == {"居民身份证"}
    withdraw(
        seeded_store, clerk, application_id=accepted.application_id, reason="申请人撤回"
    )
    assert _offers(seeded_store) == {}
    assert rejected.application_id


def test_validity_window_from_setting(seeded_store: Store, clerk: DeskContext) -> None:
    long_ago = clock.now() - timedelta(days=400)
    with clock.restored():
        clock.set_clock(lambda: long_ago)
        decide(seeded_store, clerk, _form(seeded_store, SS_CARD, ID), Decision.ACCEPT)
    assert _offers(seeded_store) == {}  # default 365 days
    with seeded_store.transaction() as db:
        settings.put(db, "reuse.valid_days", "500")
    assert set(_offers(seeded_store)) == {"居民身份证"}


def test_extra_offers_fill_in_but_local_records_win(
    seeded_store: Store, clerk: DeskContext
) -> None:
    [local] = decide(
        seeded_store, clerk, _form(seeded_store, SS_CARD, ID), Decision.ACCEPT
    )
    remote = [
        ReuseOffer("x", "户口簿", "电子证照库", "", "", None),
        ReuseOffer("y", "居民身份证", "电子证照库", "", "", None),
        ReuseOffer("z", "结婚证", "电子证照库", "", "", None),  # not needed
    ]
    offers = _offers(seeded_store, extra_offers=remote)
    assert list(offers) == ["居民身份证", "户口簿"]  # checklist order
    assert offers["居民身份证"].acceptance_no == local.acceptance_no
    assert offers["户口簿"].source_text == "电子证照库"
