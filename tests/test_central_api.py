"""Enrollment, blobs, limits, status page and certificates on a real server."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sync import protocol as p
from tests.central_fixtures import (
    CentralServer,
    DeskClient,
    central_server,  # noqa: F401
    start_central,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    with start_central(tmp_path_factory.mktemp("central")) as central:
        yield central


@pytest.fixture
def desk(server: CentralServer) -> DeskClient:
    return server.new_desk()


def test_time_is_public_and_the_schema_only_in_dev(
    server: CentralServer, tmp_path: Path
) -> None:
    assert "server_time" in requests.get(server.base_url + p.PATH_TIME).json()
    for path in ("/openapi.json", "/docs"):
        assert requests.get(server.base_url + path).status_code == 404, path
    with start_central(tmp_path / "dev", extra=("--dev",)) as dev:
        spec = requests.get(dev.base_url + "/openapi.json").json()
        assert p.PATH_OPS in spec["paths"]
        assert p.PATH_CHANGES in spec["paths"]
        assert requests.get(dev.base_url + "/docs").status_code == 200


def test_enrollment_code_is_one_time(server: CentralServer) -> None:
    code = server.create_desk(site="330106001", window="W07", name="七号窗口")
    url = server.base_url + p.PATH_ENROLL
    # Codes are read aloud: case and separators do not matter.
    first = requests.post(url, json={"code": code.lower().replace("-", " ")})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["site_code"], body["window_code"]) == ("330106001", "W07")
    assert body["token"] and body["desk_id"] and body["server_time"]

    again = requests.post(url, json={"code": code, "desk_name": "换机"})
    assert again.status_code == 403
    assert again.json()["error"] == p.ERROR_ENROLLMENT_CODE
    assert "注册码" in again.json()["message"]
    assert requests.post(url, json={"code": "AAAA-BBBB-CCCC"}).status_code == 403


def test_reissued_code_replaces_the_old_token(server: CentralServer) -> None:
    old = server.new_desk()
    out = server.cli("reissue-code", old.desk_id).stdout
    code = out.split(":", 1)[1].strip()
    new = server.enroll(code)
    assert new.desk_id == old.desk_id
    assert old.request("GET", p.PATH_CHANGES).status_code == 401
    assert new.request("GET", p.PATH_CHANGES).status_code == 200


def test_requests_without_a_valid_token_are_refused(server: CentralServer) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "x"}):
        resp = requests.get(server.base_url + p.PATH_CHANGES, headers=headers)
        assert resp.status_code == 401
        assert resp.json()["error"] == p.ERROR_UNAUTHORIZED


def _put(desk: DeskClient, sha: str, data: bytes, start: int, total: int):
    return desk.request(
        "PUT",
        f"{p.PATH_BLOBS}/{sha}",
        data=data,
        headers={
            "Content-Range": f"bytes {start}-{start + len(data) - 1}/{total}",
            "Content-Type": p.BLOB_CONTENT_TYPE,
        },
    )


def _head(desk: DeskClient, sha: str) -> tuple[int, int, str]:
    resp = desk.request("HEAD", f"{p.PATH_BLOBS}/{sha}")
    return (
        resp.status_code,
        int(resp.headers[p.HEADER_UPLOAD_OFFSET]),
        resp.headers[p.HEADER_UPLOAD_COMPLETE],
    )


def test_blob_chunked_upload_resumes_from_reported_offset(desk: DeskClient) -> None:
    data = os.urandom(300_000)
    sha = hashlib.sha256(data).hexdigest()
    assert _head(desk, sha) == (404, 0, "0")

    first = _put(desk, sha, data[:100_000], 0, len(data))
    assert first.status_code == 200
    assert first.json() == {"sha256": sha, "offset": 100_000, "complete": False}
    # The link dropped; the desk asks where to resume.
    assert _head(desk, sha) == (200, 100_000, "0")

    # A stale chunk (the desk thought it was at 0) is refused with the offset.
    stale = _put(desk, sha, data[:50_000], 0, len(data))
    assert stale.status_code == 409
    assert stale.headers[p.HEADER_UPLOAD_OFFSET] == "100000"
    assert stale.json()["error"] == p.ERROR_OFFSET_MISMATCH

    assert _put(desk, sha, data[100_000:200_000], 100_000, len(data)).ok
    last = _put(desk, sha, data[200_000:], 200_000, len(data))
    assert last.status_code == 200
    assert last.headers[p.HEADER_UPLOAD_COMPLETE] == "1"
    assert _head(desk, sha) == (200, len(data), "1")

    # Identical bytes upload once: any further PUT is answered "complete".
    dup = _put(desk, sha, data[:10], 0, len(data))
    assert dup.status_code == 200
    assert dup.headers[p.HEADER_UPLOAD_COMPLETE] == "1"


def test_blob_hash_mismatch_discards_data(desk: DeskClient) -> None:
    data = b"real scan bytes " + uuid.uuid4().bytes
    sha = hashlib.sha256(b"something else" + uuid.uuid4().bytes).hexdigest()
    assert _put(desk, sha, data[:8], 0, len(data)).ok
    bad = _put(desk, sha, data[8:], 8, len(data))
    assert bad.status_code == 422
    assert bad.json()["error"] == p.ERROR_HASH_MISMATCH
    assert _head(desk, sha) == (404, 0, "0")


@pytest.mark.parametrize(
    "header",
    ["", "bytes 0-9", "bytes 5-2/10", "bytes 0-3/4"],  # last: length differs
)
def test_blob_bad_content_range(desk: DeskClient, header: str) -> None:
    resp = desk.request(
        "PUT",
        f"{p.PATH_BLOBS}/{'0' * 64}",
        data=b"0123456789",
        headers={"Content-Range": header} if header else {},
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == p.ERROR_BAD_RANGE


def test_oversized_bodies_get_413(desk: DeskClient) -> None:
    big = {
        "op_id": p.new_op_id(),
        "entity": "event",
        "entity_id": "e",
        "base_version": None,
        "payload": {"filler": "x" * (p.DEFAULT_MAX_BODY_BYTES + 10)},
        "created_at": "2026-11-23T09:00:00+08:00",
    }
    resp = desk.request("POST", p.PATH_OPS, json={"ops": [big]})
    assert resp.status_code == 413
    assert resp.json()["error"] == p.ERROR_TOO_LARGE

    # Without Content-Length (chunked) the limit still holds.
    def stream() -> Iterator[bytes]:
        for _ in range(5):
            yield b"x" * (p.DEFAULT_MAX_BODY_BYTES // 4)

    chunk = desk.request(
        "PUT",
        f"{p.PATH_BLOBS}/{'1' * 64}",
        data=stream(),
        headers={"Content-Range": "bytes 0-9/10"},
    )
    assert chunk.status_code == 413
    # The server is fine afterwards.
    assert desk.request("GET", p.PATH_TIME).ok


def test_status_page_needs_the_key(server: CentralServer, desk: DeskClient) -> None:
    number = desk.new_number()
    [result] = desk.push(
        {
            "op_id": p.new_op_id(),
            "entity": "application",
            "entity_id": str(uuid.uuid4()),
            "base_version": None,
            "payload": {
                "acceptance_no": number,
                "status": "submitted",
                "item_name": "食品经营许可证核发",
            },
            "created_at": "2026-11-23T09:00:00+08:00",
        }
    )
    url = server.base_url + result["status_url"]
    page = requests.get(url)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert number in page.text and "食品经营许可证核发" in page.text
    assert "已受理" in page.text

    server.cli("set-status", number, "result_ready", "--note", "请来取证")
    assert "请来取证" in requests.get(url).text

    wrong = url[:-1] + ("0" if url[-1] != "0" else "1")
    for bad in (wrong, url.split("?")[0], server.base_url + "/status/NOPE?k=abc"):
        resp = requests.get(bad)
        assert resp.status_code == 404
        assert number not in resp.text


def test_certificates_lookup(server: CentralServer, desk: DeskClient) -> None:
    server.cli("seed-demo")
    purpose = {
        "application_id": str(uuid.uuid4()),
        "clerk": "clerk01",
        "purpose": "窗口受理核验申请材料",
    }
    found = desk.request(
        "GET",
        p.PATH_CERTIFICATES,
        params={"id_number": "11010519491231002x", **purpose},
    ).json()
    types = {c["cert_type"] for c in found["certificates"]}
    assert {"居民身份证", "户口簿"} <= types
    none = desk.request(
        "GET",
        p.PATH_CERTIFICATES,
        params={"id_number": "110105194912310000", **purpose},
    ).json()
    assert none["certificates"] == []


def test_cli_refuses_bad_input(server: CentralServer) -> None:
    bad = server.cli(
        "add-user",
        "u1",
        "--role",
        "clerk",
        "--site",
        "S",
        "--password-verifier",
        "plain",
        check=False,
    )
    assert bad.returncode == 2
    assert "scrypt" in bad.stderr
    missing = server.cli("set-status", "NO-SUCH", "approved", check=False)
    assert missing.returncode == 2
    assert "NO-SUCH" in missing.stderr


def test_pruned_cursor_gets_a_resnapshot(server: CentralServer) -> None:
    desk = server.new_desk()
    _, cursor = desk.pull_all()
    server.cli(
        "add-user",
        "p" + desk.site_code,
        "--role",
        "clerk",
        "--site",
        desk.site_code,
        "--password-stdin",
        input="pw\n",
    )
    server.cli("prune", "--retention-days", "0")
    page = desk.changes(cursor)
    assert page["resnapshot"] is True
    assert any(c["kind"] == "user" for c in page["changes"])
    assert desk.changes(page["cursor"])["resnapshot"] is False


def test_backoffice_simulator_advances_applications(server: CentralServer) -> None:
    desk = server.new_desk()
    number = desk.new_number()
    desk.push(
        {
            "op_id": p.new_op_id(),
            "entity": "application",
            "entity_id": str(uuid.uuid4()),
            "base_version": None,
            "payload": {"acceptance_no": number, "status": "submitted"},
            "created_at": "2026-11-23T09:00:00+08:00",
        }
    )
    _, cursor = desk.pull_all()
    moved = ""
    for _ in range(20):  # it picks a few random open applications per round
        out = server.cli("backoffice-sim", "--every", "0", "--rounds", "3").stdout
        moved += out
        if number in moved:
            break
    assert f"{number} → in_review" in moved
    statuses = [
        c["body"]["status"]
        for c in desk.pull_all(cursor)[0]
        if c["kind"] == "application_status"
    ]
    assert statuses and statuses[0] == "in_review"


def test_evaluation_completes_the_status_page(
    server: CentralServer, desk: DeskClient
) -> None:
    number = desk.new_number()
    app_id = str(uuid.uuid4())
    [result] = desk.push(
        {
            "op_id": p.new_op_id(),
            "entity": "application",
            "entity_id": app_id,
            "base_version": None,
            "payload": {"acceptance_no": number, "status": "delivered"},
            "created_at": "2026-11-23T09:00:00+08:00",
        }
    )
    url = server.base_url + result["status_url"]
    assert requests.get(url).text.count('class="done"') == 4
    desk.push(
        {
            "op_id": p.new_op_id(),
            "entity": "evaluation",
            "entity_id": str(uuid.uuid4()),
            "base_version": None,
            "payload": {"application_id": app_id, "score": 5},
            "created_at": "2026-11-23T09:05:00+08:00",
        }
    )
    assert requests.get(url).text.count('class="done"') == 5


def test_function_scoped_fixture_gives_a_fresh_server(
    central_server: CentralServer,  # noqa: F811
) -> None:
    assert central_server.db_path is not None and central_server.db_path.exists()
    desk = central_server.new_desk(site="330106001")
    central_server.cli("seed-demo")
    users = [c for c in desk.pull_all()[0] if c["kind"] == "user"]
    assert {u["body"]["username"] for u in users} == {"clerk1", "clerk2", "chief"}


@pytest.mark.slow
def test_cursor_survives_restart_but_not_a_new_database(tmp_path: Path) -> None:
    with start_central(tmp_path / "a") as first:
        desk = first.new_desk()
        _, cursor = desk.pull_all()
        token = desk.token
    with start_central(tmp_path / "a") as again:  # same database file
        desk = DeskClient(again.base_url, desk.desk_id, token, "", "")
        assert desk.changes(cursor)["resnapshot"] is False
    with start_central(tmp_path / "b") as other:  # another server's cursor
        fresh = other.new_desk()
        assert fresh.changes(cursor)["resnapshot"] is True


def test_malformed_ops_request_is_422(desk: DeskClient) -> None:
    resp = desk.request("POST", p.PATH_OPS, json={"ops": [{"op_id": "x"}]})
    assert resp.status_code == 422


def test_embedded_central_serves_in_a_thread(tmp_path: Path) -> None:
    from central.admin import create_desk
    from central.embedded import EmbeddedCentral

    with EmbeddedCentral(tmp_path / "central.db") as central:
        assert central.port > 0
        code = create_desk(
            central.db, site_code="330106001", window_code="W01", name="演示"
        ).enrollment_code
        resp = requests.post(central.base_url + p.PATH_ENROLL, json={"code": code})
        assert resp.status_code == 200
        assert requests.get(central.base_url + p.PATH_TIME).ok
    with pytest.raises(requests.ConnectionError):
        requests.get(central.base_url + p.PATH_TIME, timeout=2)
