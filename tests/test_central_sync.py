"""Ops and the changes feed against the real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync import protocol as p
from tests.central_fixtures import (
    CentralServer,
    DeskClient,
    PostgresCluster,
    postgres_cluster,  # noqa: F401
    start_central,
)

pytestmark = pytest.mark.e2e
SHAPED = {p.ENTITY_EVENT, p.ENTITY_SIGNATURE}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CentralServer]:
    workdir = tmp_path_factory.mktemp("central")
    url = None
    if request.param == "postgres":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.new_database()
    with start_central(workdir, database_url=url) as central:
        yield central


def app_op(
    app_id: str,
    *,
    number: str,
    status: str = "submitted",
    base: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    payload = {
        "id": app_id,
        "acceptance_no": number,
        "status": status,
        "item_code": "XK00001001",
        "applicant_name": "张𠮷",
        "materials": [{"name": "居民身份证", "received": True}],
        **extra,
    }
    return {
        "op_id": p.new_op_id(),
        "entity": "application",
        "entity_id": app_id,
        "base_version": base,
        "payload": payload,
        "created_at": "2026-11-23T09:00:00+08:00",
    }


def new_number(desk: DeskClient) -> str:
    return desk.new_number()


def test_application_applied_then_duplicate(server: CentralServer) -> None:
    desk = server.new_desk()
    app_id, number = str(uuid.uuid4()), new_number(desk)
    op = app_op(app_id, number=number)
    [first] = desk.push(op)
    assert first["result"] == "applied"
    assert first["server_version"] == 1
    assert first["status_url"].startswith(f"/status/{number}?k=")
    [again] = desk.push(op)
    assert again["result"] == "duplicate"
    assert again["server_version"] == 1
    assert again["status_url"] == first["status_url"]


def test_same_op_id_with_other_body_is_rejected(server: CentralServer) -> None:
    desk = server.new_desk()
    op = app_op(str(uuid.uuid4()), number=new_number(desk))
    assert desk.push(op)[0]["result"] == "applied"
    altered = json.loads(json.dumps(op))
    altered["payload"]["applicant_name"] = "李四"
    [result] = desk.push(altered)
    assert result["result"] == "rejected"
    assert result["reason"] == p.REASON_OP_ID_REUSED


def test_back_office_status_makes_stale_push_conflict(server: CentralServer) -> None:
    desk = server.new_desk()
    app_id, number = str(uuid.uuid4()), new_number(desk)
    assert desk.push(app_op(app_id, number=number))[0]["server_version"] == 1
    server.cli("set-status", number, "in_review", "--note", "分派")
    # The desk edits from version 1 without having pulled the status change.
    stale = app_op(app_id, number=number, base=1, phone="13800000000")
    [result] = desk.push(stale)
    assert result["result"] == "conflict"
    assert result["current"]["status"] == "in_review"
    assert result["current"]["version"] == 2
    assert result["current"]["applicant_name"] == "张𠮷"
    # Merged on the desk, pushed again from the server's version.
    merged = app_op(
        app_id, number=number, status="in_review", base=2, phone="13800000000"
    )
    [ok] = desk.push(merged)
    assert ok["result"] == "applied"
    assert ok["server_version"] == 3


def test_other_desk_cannot_write_an_application(server: CentralServer) -> None:
    owner, other = server.new_desk(), server.new_desk()
    app_id, number = str(uuid.uuid4()), new_number(owner)
    owner.push(app_op(app_id, number=number))
    [result] = other.push(app_op(app_id, number=number, base=1))
    assert result["result"] == "rejected"
    assert result["reason"] == p.REASON_NOT_OWNER


def test_append_only_kinds_and_unknown_entity(server: CentralServer) -> None:
    desk = server.new_desk()
    ops = [
        {
            "op_id": p.new_op_id(),
            "entity": entity,
            "entity_id": (
                f"{desk.site_code}:{desk.window_code}:2026-11-23"
                if entity == p.ENTITY_DAY_CLOSE
                else str(uuid.uuid4())
            ),
            "base_version": None,
            "payload": {"note": "记录"},
            "created_at": "2026-11-23T09:00:00+08:00",
        }
        # Events and signatures have shapes of their own
        # (tests/test_audit_central.py, tests/test_signature_sync.py).
        for entity in [*sorted(p.APPEND_ONLY_ENTITIES - SHAPED), "spaceship"]
    ]
    results = desk.push(*ops)
    kinds = len(p.APPEND_ONLY_ENTITIES - SHAPED)
    assert [r["result"] for r in results] == ["applied"] * kinds + ["rejected"]
    assert results[-1]["reason"] == p.REASON_UNKNOWN_ENTITY
    assert {r["result"] for r in desk.push(*ops[:kinds])} == {"duplicate"}


def test_op_referencing_missing_blob_is_rejected_until_uploaded(
    server: CentralServer,
) -> None:
    import hashlib

    desk = server.new_desk()
    data = b"scan " + uuid.uuid4().bytes
    sha = hashlib.sha256(data).hexdigest()
    op = app_op(str(uuid.uuid4()), number=new_number(desk), blobs=[sha])
    [first] = desk.push(op)
    assert first["result"] == "rejected"
    assert (first["reason"], first["detail"]) == (p.REASON_BLOB_MISSING, sha)
    resp = desk.request(
        "PUT",
        f"{p.PATH_BLOBS}/{sha}",
        data=data,
        headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"},
    )
    assert resp.status_code == 200, resp.text
    assert desk.push(op)[0]["result"] == "applied"  # the very same op


def _kinds(changes: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        out.setdefault(change["kind"], []).append(change["body"])
    return out


def test_changes_snapshot_cursor_and_resnapshot(
    server: CentralServer, tmp_path: Path
) -> None:
    site = "S" + uuid.uuid4().hex[:8].upper()
    catalog = {
        "format": "counter-catalog/1",
        "version": "2026.11",
        "conditions": {"agent": "代理人办理"},
        "items": [
            {"code": "XK001", "name": "食品经营许可", "materials": []},
            {"code": "GG002", "name": "出生医学证明", "materials": []},
        ],
    }
    (tmp_path / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False))
    bundles = {
        "format": "counter-bundles/1",
        "bundles": [{"code": "YJS-1", "name": "出生一件事", "items": ["GG002"]}],
    }
    (tmp_path / "bundles.json").write_text(json.dumps(bundles, ensure_ascii=False))
    server.cli(
        "publish-catalog",
        str(tmp_path / "catalog.json"),
        "--bundles",
        str(tmp_path / "bundles.json"),
    )
    calendar = {
        "format": "counter-calendar/1",
        "years": {"2027": {"holidays": ["2027-01-01"], "workdays": ["2027-02-07"]}},
    }
    (tmp_path / "calendar.json").write_text(json.dumps(calendar))
    server.cli("publish-calendar", str(tmp_path / "calendar.json"))
    server.cli(
        "add-user",
        "u" + site,
        "--role",
        "clerk",
        "--site",
        site,
        "--password-stdin",
        input="pw\n",
    )
    server.cli(
        "add-user",
        "x" + site,
        "--role",
        "clerk",
        "--site",
        "elsewhere",
        "--password-stdin",
        input="pw\n",
    )
    desk = server.new_desk(site=site)

    first = desk.changes()
    assert first["resnapshot"] is True
    kinds = _kinds(first["changes"])
    assert {i["code"] for i in kinds["catalog_item"]} >= {"XK001", "GG002"}
    [meta] = kinds["catalog_meta"]
    assert meta["conditions"] == {"agent": "代理人办理"}
    assert meta["bundles"][0]["name"] == "出生一件事"
    assert any(y["year"] == 2027 for y in kinds["calendar_year"])
    [user] = kinds["user"]
    assert user["username"] == "u" + site
    assert p.verify_password("pw", user["password_verifier"])

    # Nothing new: an empty page, same or later cursor.
    quiet = desk.changes(first["cursor"])
    assert (quiet["changes"], quiet["resnapshot"], quiet["more"]) == ([], False, False)

    catalog["items"][0]["name"] = "食品经营许可（新）"
    (tmp_path / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False))
    server.cli("publish-catalog", str(tmp_path / "catalog.json"))
    update = desk.changes(quiet["cursor"])
    assert [c["body"]["name"] for c in update["changes"]] == ["食品经营许可（新）"]

    for bad in ("nonsense", "deadbeef.0", first["cursor"].split(".")[0] + ".x"):
        again = desk.changes(bad)
        assert again["resnapshot"] is True
        assert "catalog_item" in _kinds(again["changes"])


def test_changes_page_with_limit(server: CentralServer) -> None:
    desk = server.new_desk()
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        page = desk.changes(cursor, limit=1)
        assert len(page["changes"]) <= 1
        seen.extend(page["changes"])
        cursor = page["cursor"]
        if not page["more"]:
            break
    full = desk.changes()
    assert [c["body"] for c in seen] == [c["body"] for c in full["changes"]]


def test_status_change_reaches_owning_desk_only(server: CentralServer) -> None:
    site = "S" + uuid.uuid4().hex[:8].upper()
    owner = server.new_desk(site=site, window="W01")
    neighbour = server.new_desk(site=site, window="W02")
    stranger = server.new_desk()
    cursors = {d.desk_id: d.pull_all()[1] for d in (owner, neighbour, stranger)}

    app_id, number = str(uuid.uuid4()), new_number(owner)
    owner.push(app_op(app_id, number=number))
    server.cli("set-status", number, "approved", "--note", "准予")

    def news(desk: DeskClient) -> dict[str, list[dict[str, Any]]]:
        return _kinds(desk.pull_all(cursors[desk.desk_id])[0])

    mine = news(owner)
    [status] = mine["application_status"]
    assert (status["acceptance_no"], status["status"], status["version"]) == (
        number,
        "approved",
        2,
    )
    assert status["note"] == "准予"
    assert "site_application" not in mine  # its own record comes back as status

    theirs = news(neighbour)
    assert "application_status" not in theirs
    copies = [c for c in theirs["site_application"] if c["application_id"] == app_id]
    assert [c["status"] for c in copies] == ["submitted", "approved"]
    assert copies[-1]["window_code"] == "W01"
    assert copies[-1]["record"]["applicant_name"] == "张𠮷"

    assert news(stranger) == {}


def test_concurrent_resends_apply_once(server: CentralServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    desk = server.new_desk()
    op = app_op(str(uuid.uuid4()), number=new_number(desk))
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: desk.push(op)[0]["result"], range(6)))
    assert sorted(results) == ["applied"] + ["duplicate"] * 5


def test_user_moved_to_another_site_leaves_the_old_one(server: CentralServer) -> None:
    old_site, new_site = ("S" + uuid.uuid4().hex[:8].upper() for _ in range(2))
    old_desk, new_desk = server.new_desk(site=old_site), server.new_desk(site=new_site)
    cursors = {d.desk_id: d.pull_all()[1] for d in (old_desk, new_desk)}
    name = "mover" + old_site
    server.cli(
        "add-user",
        name,
        "--role",
        "supervisor",
        "--site",
        old_site,
        "--password-stdin",
        input="pw\n",
    )
    server.cli(
        "add-user",
        name,
        "--role",
        "supervisor",
        "--site",
        new_site,
        "--password-stdin",
        input="pw2\n",
    )
    seen_old = _kinds(old_desk.pull_all(cursors[old_desk.desk_id])[0])["user"]
    assert [u["active"] for u in seen_old] == [True, False]
    [seen_new] = _kinds(new_desk.pull_all(cursors[new_desk.desk_id])[0])["user"]
    assert seen_new["active"] and p.verify_password(
        "pw2", seen_new["password_verifier"]
    )


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_several_workers_share_one_database(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    url = None
    if backend == "postgres":
        url = request.getfixturevalue("postgres_cluster").new_database()
    with start_central(tmp_path, database_url=url, extra=("--workers", "2")) as srv:
        site = "S" + uuid.uuid4().hex[:8].upper()
        desks = [srv.new_desk(site=site, window=f"W0{i}") for i in (1, 2)]
        cursors = [d.pull_all()[1] for d in desks]
        ops = [
            (desks[i % 2], app_op(str(uuid.uuid4()), number=new_number(desks[i % 2])))
            for i in range(24)
        ]
        with ThreadPoolExecutor(8) as pool:
            # Each op twice, concurrently: once applied, once duplicate.
            results = list(
                pool.map(lambda pair: pair[0].push(pair[1])[0]["result"], ops * 2)
            )
        assert sorted(results) == ["applied"] * 24 + ["duplicate"] * 24
        for desk, cursor in zip(desks, cursors, strict=True):
            for since in (None, cursor):  # snapshot and incremental agree
                copies = _kinds(desk.pull_all(since)[0])["site_application"]
                assert len({c["application_id"] for c in copies}) == 12


@pytest.mark.parametrize("blobs", [[{"x": 1}], ["NOT-A-HASH"], "a" * 64])
def test_malformed_blob_references_are_rejected(
    server: CentralServer, blobs: Any
) -> None:
    desk = server.new_desk()
    op = app_op(str(uuid.uuid4()), number=new_number(desk), blobs=blobs)
    [result] = desk.push(op)
    assert result["result"] == "rejected"
    assert result["reason"] == p.REASON_INVALID_PAYLOAD
