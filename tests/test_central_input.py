"""Input rules on the real server: every field is checked by the wire
schema; anything outside it is a 4xx with a machine-readable error and a
Chinese message, never a 500 (the known cases of issue 11 first)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sync import protocol as p
from tests.central_fixtures import CentralServer, DeskClient, start_central

pytestmark = pytest.mark.e2e

NUMBER = "330106001012026112300"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    with start_central(tmp_path_factory.mktemp("central")) as central:
        yield central


@pytest.fixture(scope="module")
def desk(server: CentralServer) -> DeskClient:
    return server.new_desk(site="330106001", window="01")


def _op(**payload: Any) -> dict[str, Any]:
    body = {"acceptance_no": NUMBER + str(uuid.uuid4().int)[:2], "status": "submitted"}
    body.update(payload)
    return {
        "op_id": p.new_op_id(),
        "entity": "application",
        "entity_id": str(uuid.uuid4()),
        "base_version": None,
        "payload": body,
        "created_at": "2026-11-23T09:00:00+08:00",
    }


def _raw(desk: DeskClient, text: str) -> requests.Response:
    return desk.request(
        "POST",
        p.PATH_OPS,
        data=text.encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )


def _invalid(resp: requests.Response) -> dict[str, Any]:
    assert resp.status_code == 422, resp.text
    body: dict[str, Any] = resp.json()
    assert body["error"] == p.ERROR_INVALID_REQUEST
    assert "请求格式不符合接口规定" in body["message"]
    return body


def test_status_page_with_a_non_ascii_key_is_not_found(server: CentralServer) -> None:
    for query in ("k=%C3%A9", "k=%ED%A0%80", "k=" + "a" * 5000, "k="):
        resp = requests.get(f"{server.base_url}/status/{NUMBER}00?{query}")
        assert resp.status_code == 404, query
    long_number = requests.get(f"{server.base_url}/status/{'9' * 5000}?k=abc")
    assert long_number.status_code == 404


def test_a_lone_surrogate_in_a_payload_rejects_that_op_only(desk: DeskClient) -> None:
    good, bad = _op(), _op(applicant_name="PLACEHOLDER")
    text = json.dumps({"ops": [bad, good]}).replace("PLACEHOLDER", "\\ud800")
    resp = _raw(desk, text)
    assert resp.status_code == 200, resp.text
    refused, applied = resp.json()["results"]
    assert refused["result"] == "rejected"
    assert refused["reason"] == p.REASON_INVALID_PAYLOAD
    assert "applicant_name" in refused["detail"] and "Unicode" in refused["detail"]
    assert applied["result"] == "applied"


def test_a_lone_surrogate_in_an_op_id_is_a_422(desk: DeskClient) -> None:
    op = _op()
    text = json.dumps({"ops": [op]}).replace(op["op_id"], "\\udc80")
    body = _invalid(_raw(desk, text))
    assert body["detail"][0]["loc"][-1] == "op_id"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_never_reach_the_database(
    desk: DeskClient, literal: str
) -> None:
    text = json.dumps({"ops": [_op(fee=12345)]}).replace("12345", literal)
    [result] = _raw(desk, text).json()["results"]
    assert result["result"] == "rejected"
    assert result["detail"] == "payload.fee: not a finite number"
    op = _op()
    text = json.dumps({"ops": [op]}).replace(
        '"base_version": null', '"base_version": NaN'
    )
    _invalid(_raw(desk, text))


def test_length_caps(desk: DeskClient) -> None:
    results = desk.push(
        _op(applicant_name="张" * 100_000),
        _op(applicant_name="张" * 101),
        _op(note="x" * (p.MAX_TEXT_CHARS + 1)),
        _op(applicant_name="张" * 100, note="x" * p.MAX_TEXT_CHARS),
    )
    assert [r["result"] for r in results] == ["rejected"] * 3 + ["applied"]
    assert "longer than 100" in results[0]["detail"]
    assert "payload.note" in results[2]["detail"]


def test_codes_and_ids_have_formats(desk: DeskClient) -> None:
    bad_number, bad_key, bad_status, bad_entity = desk.push(
        _op(acceptance_no="S001-1"),
        _op(status_key="键" * 12),
        _op(status="approved-ish"),
        {**_op(), "entity_id": "not-a-uuid"},
    )
    assert "acceptance_no" in bad_number["detail"]
    assert "status_key" in bad_key["detail"]
    assert "status" in bad_status["detail"]
    assert "UUID" in bad_entity["detail"]
    for result in (bad_number, bad_key, bad_status, bad_entity):
        assert result["result"] == "rejected"

    for field, value in (
        ("op_id", "1"),
        ("op_id", 7),
        ("entity_id", "../../etc/passwd"),
        ("entity_id", "x" * 500),
        ("base_version", -1),
        ("base_version", 2**60),
        ("base_version", "3"),
        ("blobs", ["ABC"]),
        ("created_at", "x" * 500),
        ("payload", []),
    ):
        op = {**_op(), field: value}
        body = _invalid(desk.request("POST", p.PATH_OPS, json={"ops": [op]}))
        assert field in body["detail"][0]["loc"], (field, body)
    too_many = [_op() for _ in range(p.MAX_OPS_PER_REQUEST + 1)]
    _invalid(desk.request("POST", p.PATH_OPS, json={"ops": too_many}))


def test_other_requests_are_checked_too(
    server: CentralServer, desk: DeskClient
) -> None:
    enroll = server.base_url + p.PATH_ENROLL
    for body in ({"code": "x" * 500}, {"code": 5}, {"code": "A\\u0000"}, {}):
        _invalid(requests.post(enroll, json=body))
    _invalid(requests.post(enroll, json={"code": "AAAA", "desk_name": "名" * 101}))
    _invalid(desk.request("GET", p.PATH_CHANGES, params={"since": "x" * 500}))
    _invalid(desk.request("GET", p.PATH_CERTIFICATES, params={"id_number": "1" * 99}))
    _invalid(desk.request("GET", p.PATH_CHANGES, params={"limit": "NaN"}))
    # Malformed JSON is a 422 with the same shape.
    _invalid(_raw(desk, '{"ops": [}'))
