"""等保 通信传输: HTTPS for any platform off this machine; ``--insecure-http``
for labs, kept with the enrollment and shown in the status bar; ``central
serve`` warns when it serves clear text beyond loopback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from central.cli import plain_http_warning
from counter_app.services.enrollment import EnrollmentError, enroll
from counter_app.store import settings
from counter_app.store.db import Store
from counter_app.ui.statusbar import StoreSyncStatusProvider, SyncStatusWidget
from counter_app.ui.sync_status import snapshot_of
from counter_app.ui.tasks import TaskRunner
from sync.runner import sync_once
from sync.service import SyncStatus
from sync.urls import InsecureTransport, check_platform_url, is_loopback
from tests.central_fixtures import ROOT, CentralServer
from tests.sync_fixtures import central_fixture, keyring_home_fixture  # noqa: F401


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("zwfw.example.cn", False),
        ("10.1.2.3", False),
        ("0.0.0.0", False),
        ("127.1", False),  # not provably loopback: treated as remote
    ],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_policy() -> None:
    check_platform_url("https://zwfw.example.cn", insecure_http=False)
    check_platform_url("http://127.0.0.1:8765", insecure_http=False)
    check_platform_url("http://localhost:8765", insecure_http=False)
    with pytest.raises(InsecureTransport) as info:
        check_platform_url("http://zwfw.example.cn", insecure_http=False)
    assert "https://" in str(info.value) and "--insecure-http" in str(info.value)
    check_platform_url("http://zwfw.example.cn", insecure_http=True)


def test_enrollment_refuses_plain_http_before_any_network(store: Store) -> None:
    with pytest.raises(EnrollmentError) as info:
        enroll(store, server_url="http://zwfw.example.cn", code="ABC")
    assert info.value.field == "server_url"
    assert "https://" in str(info.value)
    assert settings.get(store.db, "desk_id") == ""


def test_cli_enroll_refuses_plain_http(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "main.py",
            "--data-dir",
            str(tmp_path),
            "enroll",
            "--server",
            "http://10.1.2.3:8765",
            "--code",
            "ABC",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert "不加密的 http://" in out.stderr


@pytest.mark.e2e
def test_lab_enrollment_is_kept_checked_on_sync_and_shown(
    central: CentralServer, tmp_path: Path, keyring_home: Path, qtbot: QtBot
) -> None:
    # 127.1 reaches this machine but is not provably loopback, so it stands
    # for a lab server on the network.
    lab_url = central.base_url.replace("127.0.0.1", "127.1")
    assert lab_url != central.base_url
    code = central.create_desk(site="320102001", window="07")
    data_dir = tmp_path / "desk"
    with Store.open(data_dir) as store:
        with pytest.raises(EnrollmentError):
            enroll(store, server_url=lab_url, code=code)
        enroll(store, server_url=lab_url, code=code, insecure_http=True)
        assert settings.get(store.db, "server_insecure_http") == "1"
    assert sync_once(data_dir).clean

    # the status bar says so for as long as it lasts
    store = Store.open(data_dir)
    tasks = TaskRunner()
    provider = StoreSyncStatusProvider(store, tasks)
    widget = SyncStatusWidget(provider)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.insecure_label.isVisible(), timeout=5000)
    assert "未加密" in widget.insecure_label.text()
    provider.stop()
    tasks.wait()

    # without the lab switch in the settings, sync refuses the same address
    with store.transaction() as db:
        settings.put(db, "server_insecure_http", "")
    store.close()
    with pytest.raises(InsecureTransport):
        sync_once(data_dir)
    # and a re-enrollment over HTTP(S) to loopback clears the warning (the
    # same desk, with a reissued code: one desk per window)
    with Store.open(data_dir) as again:
        desk_id = settings.get(again.db, "desk_id")
        out = central.cli("reissue-code", desk_id).stdout
        [reissued] = [
            line.split(":", 1)[1].strip()
            for line in out.splitlines()
            if line.startswith("enrollment_code:")
        ]
        enroll(again, server_url=central.base_url, code=reissued)
        assert settings.get(again.db, "server_insecure_http") == ""


def test_live_status_carries_the_warning() -> None:
    assert snapshot_of(SyncStatus(insecure_http=True)).insecure_http
    assert not snapshot_of(SyncStatus()).insecure_http


@pytest.mark.parametrize(
    ("host", "tls", "warns"),
    [
        ("0.0.0.0", False, True),
        ("10.1.2.3", False, True),
        ("::", False, True),
        ("0.0.0.0", True, False),
        ("127.0.0.1", False, False),
        ("localhost", False, False),
        ("::1", False, False),
    ],
)
def test_central_serve_warns_on_plain_http_beyond_loopback(
    host: str, tls: bool, warns: bool
) -> None:
    warning = plain_http_warning(host, tls=tls)
    assert (warning is not None) is warns
    if warning:
        assert "WARNING" in warning and host in warning and "--ssl-certfile" in warning


@pytest.mark.e2e
def test_central_serve_prints_the_warning(tmp_path: Path) -> None:
    from tests.central_fixtures import free_port

    # 127.1 binds to loopback only, yet is not provably loopback by name:
    # it stands for a server address on the network.
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "central",
            "serve",
            "--db",
            str(tmp_path / "c.db"),
            "--host",
            "127.1",
            "--port",
            str(free_port()),
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        first = [proc.stderr.readline() for _i in range(3)]
    finally:
        proc.terminate()
        proc.communicate(timeout=30)  # reads and closes the pipe
    assert first[0].startswith("!!!!")
    assert "不加密的 HTTP" in first[1]
