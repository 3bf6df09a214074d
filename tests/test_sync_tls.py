"""Enrollment and sync over HTTPS with the platform's own CA certificate."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from counter_app.services.demo import seed_demo
from counter_app.services.enrollment import EnrollmentError, enroll
from counter_app.store.db import Store
from sync import protocol as p
from sync.engine import EngineConfig
from sync.runner import sync_once
from tests.central_fixtures import ROOT, free_port
from tests.sync_fixtures import FAST_RETRY, keyring_home_fixture  # noqa: F401

pytestmark = pytest.mark.e2e


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def tls_central(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """central over HTTPS with a certificate from a private CA."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    pki = tmp_path / "pki"
    pki.mkdir()
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Counter Test CA",
        cwd=pki,
    )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=127.0.0.1",
        cwd=pki,
    )
    (pki / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl(
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "srv.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        cwd=pki,
    )
    port = free_port()
    db = tmp_path / "central.db"
    log = (tmp_path / "central.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "central",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--ssl-certfile",
            str(pki / "srv.pem"),
            "--ssl-keyfile",
            str(pki / "srv.key"),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(
                    url + p.PATH_TIME, verify=str(pki / "ca.pem"), timeout=2
                ).ok:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp_path / "central.log").read_text())
            time.sleep(0.2)
        yield url, db, pki / "ca.pem"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def _code(db: Path) -> str:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "central",
            "create-desk",
            "--db",
            str(db),
            "--site",
            "320102001",
            "--window",
            "01",
            "综合受理 1 号窗口",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in out.stdout.splitlines():
        if line.startswith("enrollment_code:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(out.stdout)


def test_enroll_and_sync_over_https_with_a_custom_ca(
    tls_central: tuple[str, Path, Path], tmp_path: Path, keyring_home: Path
) -> None:
    url, db, ca = tls_central
    code = _code(db)
    with Store.open(tmp_path / "desk") as store:
        with pytest.raises(EnrollmentError):  # the platform's CA is not trusted yet
            enroll(store, server_url=url, code=code)
        assert (
            store.db.execute(
                "SELECT value FROM settings WHERE key = 'desk_id'"
            ).fetchone()
            is None
        )
        enroll(store, server_url=url, code=code, ca_cert=ca)  # still unspent
        seed_demo(store, applications=3, days=2)
    report = sync_once(tmp_path / "desk", config=EngineConfig(**FAST_RETRY))
    assert report.clean, report
    assert report.acked > 0
