"""Property-based fuzz of the whole API over its OpenAPI schema
(schemathesis) against the real server, with and without a valid desk
token: no request may produce a server error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.central_fixtures import CentralServer, DeskClient, start_central

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

#: Examples per operation and mode; each example is sent twice (no token,
#: then a valid one). About 80 s on two cores.
EXAMPLES = 80


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    # --dev serves /openapi.json; limits off so every request reaches a handler.
    extra = ("--dev", "--limit-auth-failures", "0", "--limit-desk", "0")
    with start_central(tmp_path_factory.mktemp("fuzz"), extra=extra) as server:
        yield server


@pytest.fixture(scope="module")
def fuzz_desk(fuzz_server: CentralServer) -> DeskClient:
    return fuzz_server.new_desk(site="330106001", window="01")


@pytest.fixture(scope="module")
def api_schema(fuzz_server: CentralServer) -> Any:
    return schemathesis.openapi.from_url(fuzz_server.base_url + "/openapi.json")


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_no_request_makes_a_server_error(
    api_schema: Any, fuzz_server: CentralServer, fuzz_desk: DeskClient, mode: Any
) -> None:
    """Every operation, valid (positive) and invalid (negative) requests,
    each sent without a token and then with a valid desk token."""
    session = requests.Session()
    token = {"Authorization": f"Bearer {fuzz_desk.token}"}
    seen: dict[str, int] = {}

    def check(case: Any) -> None:
        key = f"{case.method} {case.path}"
        seen[key] = seen.get(key, 0) + 1
        for headers in (None, token):
            resp = case.call(
                base_url=fuzz_server.base_url,
                session=session,
                headers=headers,
                timeout=30,
            )
            assert resp.status_code < 500, _explain(case, resp)
            if resp.status_code >= 400 and resp.content and case.method != "HEAD":
                # Refusals are machine-readable JSON (the status page: HTML).
                assert _is_json_error(resp.text) or "<html" in resp.text, _explain(
                    case, resp
                )

    for operation in _operations(api_schema):
        strategy = operation.as_strategy(generation_mode=mode)
        run = settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )(given(case=strategy)(check))
        try:
            run()
        except Unsatisfiable:  # nothing invalid to make (e.g. no parameters)
            assert mode == GenerationMode.NEGATIVE
    # Every route (negative: every route that takes any input).
    must = {"POST /api/v1/enroll", "POST /api/v1/ops", "GET /api/v1/changes"}
    assert must <= set(seen), sorted(seen)
    if mode == GenerationMode.POSITIVE:
        assert len(seen) == len(_operations(api_schema)), sorted(seen)


def test_the_schema_covers_every_route(api_schema: Any) -> None:
    paths = set(api_schema.raw_schema["paths"])
    assert {"/api/v1/ops", "/api/v1/enroll", "/api/v1/changes"} <= paths
    assert "/api/v1/blobs/{sha256}" in paths and "/status/{acceptance_no}" in paths


def _is_json_error(text: str) -> bool:
    try:
        body = json.loads(text)
    except ValueError:
        return False
    return isinstance(body, dict) and ("error" in body or "detail" in body)


def _explain(case: Any, resp: Any) -> str:
    return (
        f"{case.method} {case.formatted_path} → {resp.status_code}: {resp.text[:300]}"
    )


def test_fuzz_server_logged_no_traceback(fuzz_server: CentralServer) -> None:
    # Runs after the fuzz (same module): an exception the answers hid.
    assert fuzz_server.db_path is not None
    logs = list(Path(fuzz_server.db_path.parent).glob("central-*.log"))
    text = "".join(log.read_text(errors="replace") for log in logs)
    assert "Traceback" not in text, text[-3000:]
