"""Desks number under their own prefix from the first application: a new
desk takes a desk-unique provisional site code (or the codes a supervisor
sets), and enrollment records the prefixes already used on the platform, so
receipts printed before enrolling keep their numbers and sync cleanly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import requests

from counter_app.clock import today
from counter_app.domain.identifiers import make_resident_id
from counter_app.domain.status import Decision
from counter_app.services import applications as apps
from counter_app.services import documents, site
from counter_app.services.consultations import consult
from counter_app.services.context import DeskContext, PermissionDenied
from counter_app.services.daily_log import LogFilter, daily_log
from counter_app.services.enrollment import EnrollmentError, enroll
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.services.setup import ensure_seeded
from counter_app.store import settings
from counter_app.store.catalog import get_item
from counter_app.store.db import Store
from sync import protocol as p
from sync.codes import (
    code_problem,
    is_provisional_site_code,
    is_site_code,
    new_provisional_site_code,
    real_code_problem,
)
from sync.engine import EngineConfig
from sync.runner import sync_once
from tests.central_fixtures import CentralServer, start_central
from tests.printing_fixtures import pdf_text, require_poppler
from tests.sync_fixtures import FAST_RETRY, central_db
from tests.sync_fixtures import keyring_home_fixture as keyring_home_fixture

ID = make_resident_id("330106", date(1988, 5, 6), 321)
RESIDENCE_PERMIT = "GG00302001"


def _ctx(store: Store, role: str = "clerk") -> DeskContext:
    """Who signs in, as the sign-in dialog builds it from the settings."""
    ident = settings.identity(store.db)
    return DeskContext(
        username="sup01" if role == "supervisor" else "clerk01",
        display_name="张主任" if role == "supervisor" else "王晓明",
        role=role,
        site_code=ident.site_code,
        window_code=ident.window_code,
        desk_id=ident.desk_id,
    )


def _accept(store: Store) -> str:
    item = get_item(store.db, RESIDENCE_PERMIT)
    form = IntakeForm(
        item_codes=[RESIDENCE_PERMIT],
        applicant=Applicant(name="赵敏", id_number=ID, phone="13812345678"),
        answers={},
        materials=[
            MaterialEntry(m.key, MaterialState.ORIGINAL, m.originals, m.copies)
            for m in item.materials_for({})
        ],
    )
    [result] = apps.decide(store, _ctx(store), form, Decision.ACCEPT)
    return result.acceptance_no


def _receipt_text(store: Store, number: str) -> str:
    app_id = store.db.execute(
        "SELECT id FROM applications WHERE acceptance_no = ?", [number]
    ).fetchone()[0]
    pdf = documents.render_for_applications(
        store, _ctx(store), kind="receipt", application_ids=[app_id]
    )
    return pdf_text(pdf, mode="-raw")


def _new_desk(data_dir: Path) -> Store:
    store = Store.open(data_dir)
    ensure_seeded(store)
    return store


# --- on the desk, without a platform ---------------------------------------


def test_provisional_codes_follow_the_one_code_rule() -> None:
    codes = {new_provisional_site_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert is_site_code(code) and is_provisional_site_code(code)
        assert len(code) == 9 and code[0] == "Z"
        assert real_code_problem(site_code=code, window_code="01") is not None
        assert code_problem(site_code=code, window_code="01") is None
    assert not is_provisional_site_code("330106001")
    assert not is_provisional_site_code("Z01")  # not a site code at all
    assert real_code_problem(site_code="330106001", window_code="02") is None


def test_new_desks_number_under_their_own_provisional_prefix(tmp_path: Path) -> None:
    stores = [_new_desk(tmp_path / f"desk{i}") for i in range(12)]
    try:
        codes = [site.current(s.db) for s in stores]
        assert all(c.provisional and c.window_code == "01" for c in codes)
        assert all(is_site_code(c.site_code) for c in codes)
        assert len({c.site_code for c in codes}) == len(stores)
        # The same day, the same first sequence, never the same number.
        numbers = [_accept(s) for s in stores[:3]]
        assert len(set(numbers)) == 3
        for store, number, code in zip(stores, numbers, codes, strict=False):
            assert number.startswith(code.site_code + "01")
            assert site.used_prefixes(store.db) == [(code.site_code, "01")]
    finally:
        for s in stores:
            s.close()


def test_the_provisional_code_survives_reopening(tmp_path: Path) -> None:
    with _new_desk(tmp_path / "d") as store:
        first = site.current(store.db).site_code
    with Store.open(tmp_path / "d") as store:
        assert site.current(store.db).site_code == first


def test_supervisor_sets_real_codes_and_only_new_numbers_change(
    tmp_path: Path,
) -> None:
    with _new_desk(tmp_path / "d") as store:
        provisional = site.current(store.db).site_code
        with pytest.raises(PermissionDenied):
            site.set_site_and_window(
                store, _ctx(store), site_code="330106001", window_code="02"
            )
        for bad_site, bad_window, field in (
            ("S01", "02", "site_code"),
            ("Z12345678", "02", "site_code"),  # the provisional range
            ("330106001", "2", "window_code"),
        ):
            with pytest.raises(site.SiteCodeError) as caught:
                site.set_site_and_window(
                    store,
                    _ctx(store, "supervisor"),
                    site_code=bad_site,
                    window_code=bad_window,
                )
            assert caught.value.field == field
        assert site.current(store.db).site_code == provisional  # unchanged
        early = _accept(store)
        codes = site.set_site_and_window(
            store, _ctx(store, "supervisor"), site_code="330106001", window_code="02"
        )
        assert (codes.site_code, codes.window_code, codes.provisional) == (
            "330106001",
            "02",
            False,
        )
        later = _accept(store)
        assert early.startswith(provisional + "01")
        assert later.startswith("33010600102")
        assert store.db.execute(
            "SELECT COUNT(*) FROM applications WHERE acceptance_no = ?", [early]
        ).fetchone() == (1,)
        assert site.used_prefixes(store.db) == sorted(
            [(provisional, "01"), ("330106001", "02")]
        )
        kinds = [
            r[0]
            for r in store.db.execute(
                "SELECT detail FROM events WHERE kind = 'setting.changed'"
            )
        ]
        assert any("330106001" in k for k in kinds)  # audited, old and new


def test_site_command_shows_and_sets_codes(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.central_fixtures import ROOT

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "main.py", "--data-dir", str(tmp_path), "site", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    shown = run()
    assert shown.returncode == 0, shown.stderr
    assert "临时代码" in shown.stdout
    bad = run("--site", "Z00000001")
    assert bad.returncode == 2 and "临时代码" in bad.stderr
    done = run("--site", "330106001", "--window", "02")
    assert done.returncode == 0, done.stderr
    assert "330106001" in done.stdout and "02" in done.stdout
    assert "临时代码" not in done.stdout


# --- against the real platform ----------------------------------------------


def _sync(data_dir: Path) -> object:
    return sync_once(data_dir, config=EngineConfig(**FAST_RETRY))  # type: ignore[arg-type]


def _platform_numbers(server: CentralServer, desk_id: str) -> set[str]:
    conn = central_db(server)
    try:
        return {
            str(r[0])
            for r in conn.execute(
                "SELECT acceptance_no FROM applications WHERE desk_id = ?", (desk_id,)
            )
        }
    finally:
        conn.close()


@pytest.mark.e2e
def test_numbers_taken_before_enrolling_sync_unchanged(
    tmp_path: Path, keyring_home: Path
) -> None:
    require_poppler()
    with start_central(tmp_path / "central") as server:
        # Two desks used before enrollment, the same day.
        desks = {w: _new_desk(tmp_path / f"desk{w}") for w in ("02", "03")}
        early: dict[str, list[str]] = {}
        receipts: dict[str, str] = {}
        for window, store in desks.items():
            early[window] = [_accept(store), _accept(store)]
            receipts[window] = _receipt_text(store, early[window][0])
            assert early[window][0] in receipts[window].replace(" ", "")
            # Records that carry only the window, or no number at all.
            first_id = store.db.execute(
                "SELECT id FROM applications WHERE acceptance_no = ?",
                [early[window][0]],
            ).fetchone()[0]
            apps.evaluate(store, _ctx(store), application_id=first_id, level=5)
            consult(store, _ctx(store), item_code=RESIDENCE_PERMIT, answers={})
        everything = early["02"] + early["03"]
        assert len(set(everything)) == 4
        ids = {}
        for window, store in desks.items():
            provisional = site.current(store.db).site_code
            code = server.create_desk(site="330106001", window=window)
            done = enroll(store, server_url=server.base_url, code=code)
            ids[window] = done.desk_id
            assert (done.site_code, done.window_code) == ("330106001", window)
            later = _accept(store)  # now under the platform's codes
            assert later.startswith("330106001" + window)
            early[window].append(later)
            # The desk's records keep their numbers; nothing renumbered.
            # They now belong to the window the platform gave, as there.
            assert early[window][0].startswith(provisional + "01")
            assert store.db.execute(
                "SELECT site_code, window_code, COUNT(*) FROM applications"
                " WHERE acceptance_no IN (?, ?) GROUP BY 1, 2",
                early[window][:2],
            ).fetchall() == [("330106001", window, 2)]
            log = daily_log(store, _ctx(store, "supervisor"), LogFilter.day(today()))
            logged = {e.acceptance_no for e in log.entries}
            assert set(early[window]) <= logged
            store.close()
        for window in desks:
            report = _sync(tmp_path / f"desk{window}")
            assert report.clean, report  # type: ignore[attr-defined]
            assert _platform_numbers(server, ids[window]) == set(early[window])
            with Store.open(tmp_path / f"desk{window}") as store:
                rejected = store.db.execute(
                    "SELECT COUNT(*) FROM outbox WHERE state = 'rejected'"
                ).fetchone()[0]
                assert rejected == 0
                # The reprint after sync shows the number first printed.
                again = _receipt_text(store, early[window][0])
                assert early[window][0] in again.replace(" ", "")
        conn = central_db(server)
        kinds = sorted(
            r[0]
            for r in conn.execute(
                "SELECT entity FROM records WHERE entity IN ('evaluation',"
                " 'consultation')"
            )
        )
        assert kinds == ["consultation"] * 2 + ["evaluation"] * 2
        recorded = {
            (r["site_code"], r["window_code"]): r["desk_id"]
            for r in conn.execute("SELECT * FROM desk_prefixes")
        }
        conn.close()
        assert sorted(recorded.values()) == sorted(ids.values())
        assert all(is_provisional_site_code(s) for s, _w in recorded)


@pytest.mark.e2e
def test_a_desk_cannot_claim_another_desks_prefix(
    tmp_path: Path, keyring_home: Path
) -> None:
    with start_central(tmp_path / "central") as server:
        first = _new_desk(tmp_path / "first")
        number = _accept(first)
        taken = site.current(first.db).site_code
        enroll(
            first,
            server_url=server.base_url,
            code=server.create_desk(site="330106001", window="02"),
        )
        first.close()
        assert _sync(tmp_path / "first").clean  # type: ignore[attr-defined]
        # A second desk whose data claims that prefix (a copied data folder,
        # a forged setting): its enrollment is refused whole and the code
        # stays usable for a desk that is set up right.
        second = _new_desk(tmp_path / "second")
        with second.transaction() as db:
            settings.put(db, "site_code", taken)
        _accept(second)
        code = server.create_desk(site="330106001", window="03")
        with pytest.raises(EnrollmentError) as caught:
            enroll(second, server_url=server.base_url, code=code)
        assert "另一台终端" in str(caught.value)
        assert taken in str(caught.value)
        assert not settings.get(second.db, "desk_id")
        second.close()
        # The same by hand, and a desk's own site and window as a "prefix".
        for claim in ((taken, "01"), ("330106001", "02")):
            resp = requests.post(
                server.base_url + p.PATH_ENROLL,
                json={
                    "code": code,
                    "prefixes": [{"site_code": claim[0], "window_code": claim[1]}],
                },
                timeout=30,
            )
            assert resp.status_code == 409, resp.text
            assert resp.json()["error"] == p.ERROR_PREFIX_TAKEN
        # A free prefix of another site is not provisional: no desk may
        # reserve another site's numbers.
        resp = requests.post(
            server.base_url + p.PATH_ENROLL,
            json={
                "code": code,
                "prefixes": [{"site_code": "320102001", "window_code": "01"}],
            },
            timeout=30,
        )
        assert resp.status_code == 409, resp.text
        assert resp.json()["error"] == p.ERROR_PREFIX_OTHER_SITE
        # The code was not spent: enrolled without those claims it works
        # (another window of its own site, configured by mistake, is fine),
        # and a number under the first desk's prefix is still refused.
        resp = requests.post(
            server.base_url + p.PATH_ENROLL,
            json={
                "code": code,
                "prefixes": [{"site_code": "330106001", "window_code": "09"}],
            },
            timeout=30,
        )
        assert resp.status_code == 200, resp.text
        squatted = server.cli(
            "create-desk", "--site", "330106001", "--window", "09", "九号", check=False
        )
        assert squatted.returncode == 2 and "已有终端" in squatted.stderr
        token = resp.json()["token"]
        forged = number[:-4] + "9999"
        resp = requests.post(
            server.base_url + p.PATH_OPS,
            headers={"Authorization": f"Bearer {token}"},
            json={
                "ops": [
                    {
                        "op_id": p.new_op_id(),
                        "entity": p.ENTITY_APPLICATION,
                        "entity_id": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
                        "base_version": None,
                        "payload": {
                            "status": "submitted",
                            "acceptance_no": forged,
                            "site_code": taken,
                            "window_code": "01",
                        },
                        "created_at": "2026-11-23T09:00:00+08:00",
                    }
                ]
            },
            timeout=30,
        )
        [result] = resp.json()["results"]
        assert result["result"] == p.RESULT_REJECTED, result
        assert result["reason"] == p.REASON_OTHER_SITE
        conn = central_db(server)
        owners = conn.execute(
            "SELECT COUNT(*) FROM desk_prefixes WHERE site_code = ?", (taken,)
        ).fetchone()[0]
        conn.close()
        assert owners == 1


@pytest.mark.e2e
def test_create_desk_refuses_a_second_desk_on_a_window(tmp_path: Path) -> None:
    with start_central(tmp_path / "central") as server:
        server.create_desk(site="330106001", window="02")
        again = server.cli(
            "create-desk", "--site", "330106001", "--window", "02", "二号", check=False
        )
        assert again.returncode == 2, again.stdout
        assert "已有终端" in again.stderr and "reissue-code" in again.stderr
        assert "enrollment_code" not in again.stdout
        provisional = server.cli(
            "create-desk", "--site", "Z1234ABCD", "--window", "01", "临时", check=False
        )
        assert provisional.returncode == 2
        assert "临时代码" in provisional.stderr
        server.create_desk(site="330106001", window="03")  # another window is fine
        conn = central_db(server)
        windows = [r[0] for r in conn.execute("SELECT window_code FROM desks")]
        conn.close()
        assert sorted(windows) == ["02", "03"]
