"""Electronic certificates from a real central server's library (its demo
certificates): which materials they replace, and an intake that offers them.
Offline, not enrolled or a server that never answers: no offers, a reason,
no exception."""

from __future__ import annotations

import socket
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from counter_app.services.certificates import (
    PURPOSE_INTAKE,
    CertificateOffers,
    certificate_offers,
    lookup_certificates,
    replaces,
    reuse_offers,
    source_text,
)
from counter_app.services.setup import ensure_seeded
from counter_app.store.db import Store
from counter_app.ui.context import AppContext
from counter_app.ui.intake.widget import IntakeWidget
from sync import protocol as p
from sync.transport import Timeouts
from tests.central_fixtures import CentralServer, free_port, start_central
from tests.intake_fixtures import (
    choose,
    idle,
    make_app,
    row_of,
    set_state_by_keys,
    type_into,
)
from tests.sync_fixtures import (
    keyring_home_fixture,  # noqa: F401
    make_desk,
)

ZHANG = "11010519491231002X"  # 居民身份证, 户口簿, 结婚证
LI = "440524188001010014"  # 居民身份证, 不动产权证书
ZHANG_ID_SOURCE = "电子证照：居民身份证（北京市公安局朝阳分局，有效期至 2036-05-01）"


def _lookup(store: Store, **kwargs: Any) -> CertificateOffers:
    """A lookup as the intake makes it: for an intake in progress, by a clerk."""
    kwargs.setdefault("application_id", str(uuid.uuid4()))
    kwargs.setdefault("clerk", "clerk01")
    return lookup_certificates(store, **kwargs)


def _cert(cert_type: str, valid_until: str = "长期") -> p.Certificate:
    return p.Certificate(
        id_number=ZHANG,
        cert_type=cert_type,
        name="张三",
        issuer="北京市公安局朝阳分局",
        valid_until=valid_until,
    )


# -- which material a certificate stands for (no server) -------------------------


@pytest.mark.parametrize(
    ("material", "cert_type", "expected"),
    [
        ("居民身份证", "居民身份证", True),
        ("代理人居民身份证", "居民身份证", False),  # the agent's, not the holder's
        ("户口簿", "户口簿", True),
        ("购房合同或不动产权证书", "不动产权证书", True),
        ("建设用地批准文件或不动产权证书", "不动产权证书", True),
        ("居住证明", "居住证", False),
        ("居住证", "居住证", True),
        ("原残疾人证", "残疾人证", False),
        ("法定代表人身份证明书", "居民身份证", False),
        ("结婚证", "居民身份证", False),
        ("营业执照（副本）", "营业执照", True),
        ("卫生许可证", "卫生许可证", True),  # a type outside the table: its name
    ],
)
def test_replaces(material: str, cert_type: str, expected: bool) -> None:
    assert replaces(material, _cert(cert_type)) is expected


def test_source_text_and_expired_certificates(seeded_store: Store) -> None:
    assert source_text(_cert("居民身份证", "2036-05-01")) == ZHANG_ID_SOURCE
    assert source_text(_cert("户口簿")).endswith("（北京市公安局朝阳分局，长期有效）")
    offers = certificate_offers(
        seeded_store,
        [_cert("居民身份证", "2020-01-01"), _cert("户口簿")],
        item_codes=["GG00402001"],
        answers={},
    )
    assert [o.material_name for o in offers] == ["户口簿"]  # the expired ID card is not


# -- against a real server ------------------------------------------------------------


@pytest.fixture(name="library")
def library_fixture(tmp_path: Path, keyring_home: Path) -> Iterator[CentralServer]:
    with start_central(tmp_path / "central") as server:
        server.cli("seed-demo")
        yield server


@pytest.fixture(name="desk_store")
def desk_store_fixture(library: CentralServer, tmp_path: Path) -> Iterator[Store]:
    desk = make_desk(library, tmp_path / "desk")
    with Store.open(desk.data_dir) as store:
        ensure_seeded(store)
        yield store


@pytest.mark.e2e
def test_lookup_offers_the_items_e_cert_materials(desk_store: Store) -> None:
    offers = _lookup(
        desk_store,
        id_number=ZHANG.lower(),
        item_codes=["QR00301002"],  # 户口迁移
        answers={"married": True, "agent": True},
    )
    assert isinstance(offers, CertificateOffers) and offers.reason == ""
    by_name = {o.material_name: o for o in offers}
    assert set(by_name) == {"居民身份证", "户口簿", "结婚证"}  # not 代理人居民身份证
    assert by_name["居民身份证"].source_text == ZHANG_ID_SOURCE
    assert by_name["户口簿"].material_key
    assert by_name["结婚证"].source_application_id == ""

    whole = _lookup(desk_store, id_number=LI)  # the whole catalog
    assert {"居民身份证", "不动产权证书", "购房合同或不动产权证书"} <= {
        o.material_name for o in whole
    }
    assert "结婚证" not in {o.material_name for o in whole}

    none = _lookup(desk_store, id_number="110105199207010014")
    assert list(none) == [] and "没有" in none.reason


@pytest.mark.e2e
def test_local_records_win_over_certificates(desk_store: Store) -> None:
    from counter_app.services.reuse import ReuseOffer

    local = ReuseOffer("id_card", "居民身份证", "本地", "app-1", "A-1", None)
    offers = _lookup(desk_store, id_number=ZHANG, item_codes=["GG00402001"])
    from counter_app.services.reuse import reusable_materials

    merged = reusable_materials(
        desk_store,
        id_number=ZHANG,
        item_codes=["GG00402001"],
        answers={},
        extra_offers=[local, *offers],
    )
    assert {o.material_name: o.source_text for o in merged}["居民身份证"] == "本地"
    assert (
        reuse_offers(desk_store, id_number=ZHANG, item_codes=["GG00402001"], answers={})
        == []
    )  # no certificates passed, nothing handed in before


@pytest.mark.e2e
def test_server_down_or_silent_gives_no_offers_and_a_reason(
    library: CentralServer, tmp_path: Path
) -> None:
    desk = make_desk(library, tmp_path / "desk")
    with Store.open(desk.data_dir) as store:
        ensure_seeded(store)
        library.process.terminate()
        library.process.wait(10)
        down = _lookup(store, id_number=ZHANG, item_codes=["GG00402001"])
        assert list(down) == [] and "电子证照库暂时查不到" in down.reason

        # A server that takes the connection and never answers: the read
        # timeout ends it (shortened here; 5 s in the window).
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(1)
            port = silent.getsockname()[1]
            with store.transaction() as db:
                db.execute(
                    "UPDATE settings SET value = ? WHERE key = 'server_url'",
                    [f"http://127.0.0.1:{port}"],
                )
            started = time.monotonic()
            slow = _lookup(
                store,
                id_number=ZHANG,
                timeouts=Timeouts(connect=0.5, read_base=0.5),
            )
            assert time.monotonic() - started < 3
        assert list(slow) == [] and "超时" in slow.reason


@pytest.mark.e2e
def test_revoked_token_says_so(desk_store: Store) -> None:
    from counter_app.store import settings
    from sync.credentials import save_token

    save_token(settings.get(desk_store.db, "desk_id"), "not-the-token")
    offers = _lookup(desk_store, id_number=ZHANG)
    assert list(offers) == [] and "令牌已失效" in offers.reason


def test_not_enrolled_gives_a_reason(seeded_store: Store) -> None:
    offers = _lookup(seeded_store, id_number=ZHANG)
    assert list(offers) == [] and "未注册" in offers.reason


def test_unreachable_port_is_quick(seeded_store: Store, keyring_home: Path) -> None:
    from counter_app.store import settings
    from sync.credentials import save_token

    save_token("D-1", "token")
    with seeded_store.transaction() as db:
        settings.put(db, "server_url", f"http://127.0.0.1:{free_port()}")
        settings.put(db, "desk_id", "D-1")
    started = time.monotonic()
    offers = _lookup(seeded_store, id_number=ZHANG)
    assert time.monotonic() - started < 3
    assert list(offers) == [] and "无法连接中心平台" in offers.reason


# -- the intake shows them ----------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.gui
def test_intake_offers_the_e_certificate(
    qtbot: QtBot, library: CentralServer, tmp_path: Path
) -> None:
    make_desk(library, tmp_path / "desk")  # enrolled: settings and keyring
    app: AppContext = make_app(tmp_path / "desk")
    try:
        widget = IntakeWidget(app)
        qtbot.addWidget(widget)
        widget.resize(1200, 800)
        widget.show()
        choose(qtbot, widget, "GG00402001", "GG00402001")  # 养老保险参保登记
        assert widget.table.offers == {}
        type_into(qtbot, widget, "name", "张三")
        type_into(qtbot, widget, "id_number", ZHANG)
        qtbot.waitUntil(lambda: "居民身份证" in widget.table.offers, timeout=10_000)
        idle(qtbot, app)
        assert set(widget.table.offers) == {"居民身份证", "户口簿"}
        # The platform logged the lookup: this desk, its clerk, the intake's
        # application id (the one the application will take) and the purpose.
        assert library.db_path is not None
        with sqlite3.connect(library.db_path) as conn:
            logged = conn.execute(
                "SELECT clerk, application_id, purpose, id_number, refused"
                " FROM certificate_lookups"
            ).fetchall()
        assert logged == [
            (app.user.username, widget.intake_id, PURPOSE_INTAKE, ZHANG, "")
        ]
        assert widget.form().application_id == widget.intake_id
        name_cell = widget.table.item(row_of(widget, "居民身份证"), 0).text()
        assert "可免提交" in name_cell and ZHANG_ID_SOURCE in name_cell
        assert widget.certs.label.isVisibleTo(widget)
        assert "居民身份证" in widget.certs.label.text()
        set_state_by_keys(qtbot, widget, "居民身份证", "免提交")
        set_state_by_keys(qtbot, widget, "户口簿", "电子证照")
        entries = {e.key: e for e in widget.table.entries()}
        assert entries["id_card"].reused_from == ZHANG_ID_SOURCE
        assert any(
            e.state == "e_cert" and e.reused_from.startswith("电子证照：户口簿")
            for e in entries.values()
        )
        # The next applicant starts clean.
        widget.new_intake()
        assert not widget.certs.label.isVisibleTo(widget)
        assert widget.certs.certificates(ZHANG) == ()
    finally:
        app.tasks.wait()
        app.store.close()


@pytest.mark.e2e
@pytest.mark.gui
def test_intake_goes_on_when_the_library_is_down(
    qtbot: QtBot, library: CentralServer, tmp_path: Path
) -> None:
    make_desk(library, tmp_path / "desk")
    library.process.terminate()
    library.process.wait(10)
    app: AppContext = make_app(tmp_path / "desk")
    try:
        widget = IntakeWidget(app)
        qtbot.addWidget(widget)
        widget.resize(1200, 800)
        widget.show()
        choose(qtbot, widget, "GG00402001", "GG00402001")
        type_into(qtbot, widget, "name", "张三")
        type_into(qtbot, widget, "id_number", ZHANG)
        qtbot.waitUntil(lambda: widget.certs.label.isVisibleTo(widget), timeout=10_000)
        idle(qtbot, app)
        assert "电子证照库暂时查不到" in widget.certs.label.text()
        assert widget.table.offers == {}
        assert widget.top_error.isHidden()
    finally:
        app.tasks.wait()
        app.store.close()
