"""Real central servers for tests: ``python -m central serve`` as a subprocess.

Use the ``central_server`` fixture (a fresh SQLite server per test) or
``start_central(...)`` for your own scope/options; ``postgres_cluster`` is a
private PostgreSQL cluster (session scope, whatever server version is
installed: ``find_pg_bin``) handing out fresh databases.

    from tests.central_fixtures import central_server  # noqa: F401
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from sync import protocol as p

ROOT = Path(__file__).resolve().parent.parent
PG_ROOT = Path("/usr/lib/postgresql")
#: Tests enroll many desks and read many status pages from 127.0.0.1: the
#: address limits go up here; rate-limit tests pass their own after these.
TEST_LIMITS = ("--limit-enroll", "100000", "--limit-status", "100000")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class DeskClient:
    """An enrolled desk talking to the server with its bearer token."""

    base_url: str
    desk_id: str
    token: str
    site_code: str
    window_code: str
    session: requests.Session = field(default_factory=requests.Session)
    issued: set[str] = field(default_factory=set)  # numbers new_number gave

    def __post_init__(self) -> None:
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.base_url + path, **kwargs)

    def push(self, *ops: dict[str, Any]) -> list[dict[str, Any]]:
        resp = self.request("POST", p.PATH_OPS, json={"ops": list(ops)})
        assert resp.status_code == 200, resp.text
        results: list[dict[str, Any]] = resp.json()["results"]
        return results

    def changes(self, since: str | None = None, limit: int = 500) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit}
        if since is not None:
            params["since"] = since
        resp = self.request("GET", p.PATH_CHANGES, params=params)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    def new_number(self, day: str = "20261123") -> str:
        """A fresh acceptance number of this desk's site and window, never
        one it gave before (drawn at random, 60 of them repeated one in 50)."""
        while True:
            sequence = 10000 + uuid.uuid4().int % 90000
            number = f"{self.site_code}{self.window_code}{day}{sequence}"
            if number not in self.issued:
                self.issued.add(number)
                return number

    def pull_all(self, since: str | None = None) -> tuple[list[dict[str, Any]], str]:
        """Follow ``more`` to the end; returns (changes, final cursor)."""
        out: list[dict[str, Any]] = []
        while True:
            page = self.changes(since)
            out.extend(page["changes"])
            since = page["cursor"]
            if not page["more"]:
                return out, since


@dataclass
class CentralServer:
    base_url: str
    db_path: Path | None
    database_url: str | None
    process: subprocess.Popen[bytes]

    @property
    def db_args(self) -> list[str]:
        if self.database_url:
            return ["--database-url", self.database_url]
        return ["--db", str(self.db_path)]

    def cli(
        self, *args: str, check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python -m central <command> <db options> args...``."""
        command, *rest = args
        done = subprocess.run(
            [sys.executable, "-m", "central", command, *self.db_args, *rest],
            cwd=ROOT,
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"central {command} failed: {done.stderr}")
        return done

    def create_desk(self, *, site: str, window: str, name: str = "窗口") -> str:
        out = self.cli("create-desk", "--site", site, "--window", window, name).stdout
        for line in out.splitlines():
            if line.startswith("enrollment_code:"):
                return line.split(":", 1)[1].strip()
        raise AssertionError(out)

    def enroll(self, code: str) -> DeskClient:
        resp = requests.post(
            self.base_url + p.PATH_ENROLL, json={"code": code}, timeout=30
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        return DeskClient(
            base_url=self.base_url,
            desk_id=body["desk_id"],
            token=body["token"],
            site_code=body["site_code"],
            window_code=body["window_code"],
        )

    def new_desk(self, *, site: str | None = None, window: str = "W01") -> DeskClient:
        site = site or "S" + uuid.uuid4().hex[:8].upper()
        return self.enroll(self.create_desk(site=site, window=window))


@contextmanager
def start_central(
    workdir: Path, *, database_url: str | None = None, extra: tuple[str, ...] = ()
) -> Iterator[CentralServer]:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    db_path = None if database_url else workdir / "central.db"
    db_args = (
        ["--database-url", database_url] if database_url else ["--db", str(db_path)]
    )
    log = (workdir / f"central-{port}.log").open("wb")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "central", "serve", *db_args),
            *("--port", str(port), "--blobs-dir", str(workdir / "blobs")),
            *TEST_LIMITS,
            *extra,
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = CentralServer(f"http://127.0.0.1:{port}", db_path, database_url, proc)
    try:
        _wait_ready(server, workdir / f"central-{port}.log")
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def _wait_ready(server: CentralServer, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"central exited: {log.read_text(errors='replace')}")
        try:
            if requests.get(server.base_url + p.PATH_TIME, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError("central did not answer within 60 s")


@pytest.fixture
def central_server(tmp_path: Path) -> Iterator[CentralServer]:
    with start_central(tmp_path / "central") as server:
        yield server


# --- PostgreSQL ------------------------------------------------------------------


def _version_key(path: Path) -> tuple[int, ...]:
    parts = path.name.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else ()


def find_pg_bin(*, root: Path = PG_ROOT, pg_config: str = "pg_config") -> Path | None:
    """The server programs' folder (initdb, pg_ctl): ``COUNTER_PG_BIN``,
    ``pg_config --bindir`` when it holds them (libpq-dev's pg_config may
    name a version without a server), else the newest ``root/*/bin``."""
    candidates: list[Path] = []
    if os.environ.get("COUNTER_PG_BIN"):
        candidates.append(Path(os.environ["COUNTER_PG_BIN"]))
    tool = shutil.which(pg_config)
    if tool:
        done = subprocess.run(
            [tool, "--bindir"], capture_output=True, text=True, timeout=30
        )
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(Path(done.stdout.strip()))
    if root.is_dir():
        versions = [d for d in root.iterdir() if _version_key(d)]
        candidates += [
            d / "bin" for d in sorted(versions, key=_version_key, reverse=True)
        ]
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


@dataclass
class PostgresCluster:
    port: int

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@contextmanager
def start_postgres() -> Iterator[PostgresCluster]:
    """A throwaway cluster; raises RuntimeError with the reason if it can't."""
    pg_bin = find_pg_bin()
    if pg_bin is None:
        raise RuntimeError(
            f"no PostgreSQL server (initdb, pg_ctl) in pg_config --bindir or "
            f"{PG_ROOT}/*/bin (apt install postgresql)"
        )
    root = Path(tempfile.mkdtemp(prefix="counter-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()

    def run(args: list[str], what: str) -> None:
        done = subprocess.run(
            _as_postgres(args), capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"{what} failed: {done.stderr.strip()[-500:]}")

    try:
        run(
            [
                *(str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres"),
                *("-A", "trust", "-E", "UTF8", "--no-locale", "-N"),
            ],
            "initdb",
        )
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(
            [
                *(str(pg_bin / "pg_ctl"), "-D", str(data), "-o", options),
                *("-l", str(root / "log"), "-w", "-t", "60", "start"),
            ],
            "pg_ctl start",
        )
        try:
            yield PostgresCluster(port=port)
        finally:
            subprocess.run(
                _as_postgres(
                    [str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
                ),
                capture_output=True,
                timeout=60,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    try:
        manager = start_postgres()
        cluster = manager.__enter__()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"PostgreSQL cannot start here: {exc}")
    try:
        yield cluster
    finally:
        manager.__exit__(None, None, None)
