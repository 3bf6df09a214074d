"""A thin database layer over SQLite (default) and PostgreSQL (psycopg 3).

Queries are written once with ``?`` placeholders and portable SQL
(``ON CONFLICT``, ``RETURNING``); :class:`Database` translates placeholders.
PostgreSQL connections come from :mod:`psycopg_pool`, SQLite ones from a
small pool here; each :meth:`Database.transaction` is one transaction. The
schema is made and upgraded by :mod:`central.migrations`.
"""

from __future__ import annotations

import queue
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS desks (
    id TEXT PRIMARY KEY,
    site_code TEXT NOT NULL,
    window_code TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT UNIQUE,
    enrollment_code_hash TEXT UNIQUE,
    created_at TEXT NOT NULL,
    enrolled_at TEXT
);
CREATE TABLE IF NOT EXISTS desk_pushes (
    desk_id TEXT PRIMARY KEY,
    site_code TEXT NOT NULL,
    window_code TEXT NOT NULL,
    pushed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    site_code TEXT NOT NULL,
    password_verifier TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS catalog_items (
    code TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS calendar_years (
    year INTEGER PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ops (
    op_id TEXT PRIMARY KEY,
    desk_id TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    received_at TEXT NOT NULL,
    result TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY,
    desk_id TEXT NOT NULL,
    site_code TEXT NOT NULL,
    window_code TEXT NOT NULL,
    acceptance_no TEXT,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
DROP INDEX IF EXISTS applications_no;
CREATE UNIQUE INDEX IF NOT EXISTS applications_acceptance_no
    ON applications(acceptance_no);
CREATE INDEX IF NOT EXISTS applications_site ON applications(site_code, status);
CREATE TABLE IF NOT EXISTS records (
    op_id TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    desk_id TEXT NOT NULL,
    ref TEXT,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_ref ON records(entity, ref);
CREATE INDEX IF NOT EXISTS records_entity ON records(entity, entity_id);
CREATE TABLE IF NOT EXISTS status_history (
    id {AUTO_PK},
    application_id TEXT NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    note TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS status_history_app ON status_history(application_id);
CREATE TABLE IF NOT EXISTS changes (
    seq {AUTO_PK},
    kind TEXT NOT NULL,
    site_code TEXT,
    desk_id TEXT,
    origin_desk_id TEXT,
    entity_id TEXT NOT NULL,
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_at ON changes(at);
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    received INTEGER NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS certificates (
    id {AUTO_PK},
    id_number TEXT NOT NULL,
    cert_type TEXT NOT NULL,
    name TEXT NOT NULL,
    issuer TEXT NOT NULL,
    valid_until TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS certificates_id ON certificates(id_number);
-- Audit trail: each desk's events, append-only, keyed by its sequence;
-- problem is set when an event arrived not continuing the chain.
CREATE TABLE IF NOT EXISTS audit_events (
    desk_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    op_id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    object TEXT NOT NULL,
    outcome TEXT NOT NULL,
    application_id TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    problem TEXT,
    received_at TEXT NOT NULL,
    PRIMARY KEY (desk_id, seq)
);
CREATE TABLE IF NOT EXISTS audit_findings (
    id {AUTO_PK},
    desk_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    problem TEXT NOT NULL,
    detail TEXT NOT NULL,
    found_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_findings_desk ON audit_findings(desk_id, seq);
CREATE TABLE IF NOT EXISTS audit_heads (
    desk_id TEXT PRIMARY KEY,
    head_seq BIGINT NOT NULL,
    head_hash TEXT NOT NULL,
    body TEXT NOT NULL,
    ok INTEGER NOT NULL,
    reported_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS blob_uploads (
    sha256 TEXT NOT NULL,
    desk_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    received INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (sha256, desk_id)
);
CREATE INDEX IF NOT EXISTS blob_uploads_updated ON blob_uploads(updated_at);
CREATE INDEX IF NOT EXISTS blob_uploads_desk ON blob_uploads(desk_id);
CREATE TABLE IF NOT EXISTS certificate_lookups (
    id {AUTO_PK},
    desk_id TEXT NOT NULL,
    clerk TEXT NOT NULL,
    application_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    id_number TEXT NOT NULL,
    refused TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS certificate_lookups_desk
    ON certificate_lookups(desk_id, at);
-- Numbering prefixes a desk used before it enrolled (authz.py): one desk
-- per prefix, as one desk per site and window.
CREATE TABLE IF NOT EXISTS desk_prefixes (
    site_code TEXT NOT NULL,
    window_code TEXT NOT NULL,
    desk_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (site_code, window_code)
);
CREATE INDEX IF NOT EXISTS desk_prefixes_desk ON desk_prefixes(desk_id);
"""

#: Columns the first release added on start (part of migration 1; a new
#: column is a new migration in central/migrations.py).
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("desks", "revoked_at", "TEXT"),
    ("desks", "code_expires_at", "TEXT"),
)

_PLACEHOLDER = re.compile(r"\?")


class Conn:
    """One connection inside a transaction; rows come back as dicts."""

    def __init__(self, raw: Any, *, postgres: bool) -> None:
        self.raw = raw
        self.postgres = postgres
        #: Feed rows to write at commit (:meth:`flush_changes`).
        self.pending_changes: list[tuple[Any, ...]] = []

    def _sql(self, sql: str) -> str:
        return _PLACEHOLDER.sub("%s", sql) if self.postgres else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; returns the number of rows it changed."""
        cur = self.raw.execute(self._sql(sql), tuple(params))
        return int(cur.rowcount)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.raw.execute(self._sql(sql), tuple(params))
        if self.postgres:
            return [dict(r) for r in cur.fetchall()]
        names = [d[0] for d in cur.description or ()]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else next(iter(row.values()))

    def lock_feed(self) -> None:
        """Serialize writers of the changes feed so ``seq`` order is commit
        order (readers never skip a lower seq that commits later).
        SQLite writers are serialized already."""
        if self.postgres:
            self.raw.execute("SELECT pg_advisory_xact_lock(7301)")

    def flush_changes(self) -> None:
        """Write the feed rows this transaction emitted, taking the feed lock
        once, last: the lock is held only from here to the commit."""
        if not self.pending_changes:
            return
        self.lock_feed()
        sql = self._sql(
            "INSERT INTO changes (kind, site_code, desk_id, origin_desk_id,"
            " entity_id, body, at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        if self.postgres:
            with self.raw.cursor() as cur:
                cur.executemany(sql, self.pending_changes)
        else:
            self.raw.executemany(sql, self.pending_changes)
        self.pending_changes.clear()

    def lock_op(self, op_id: str) -> None:
        """Serialize transactions handling the same op id, so a concurrent
        resend waits for the first and then sees it as a duplicate (under
        READ COMMITTED it could otherwise see the application but not the
        op). SQLite writers are serialized already."""
        if self.postgres:
            self.raw.execute(
                "SELECT pg_advisory_xact_lock(7302, hashtext(%s))", (op_id,)
            )


@dataclass
class Database:
    """``sqlite_path`` or ``url`` (``postgresql://...``), never both."""

    sqlite_path: Path | None = None
    url: str | None = None
    pool_size: int = 4
    _pool: queue.LifoQueue[Any] = field(default_factory=queue.LifoQueue, init=False)
    _made: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _pg_pool: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        if (self.sqlite_path is None) == (self.url is None):
            raise ValueError("give exactly one of sqlite_path or url")
        if self.sqlite_path is not None:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)

    def _postgres_pool(self) -> Any:
        with self._lock:
            if self._pg_pool is None:
                from psycopg.rows import dict_row
                from psycopg_pool import ConnectionPool

                self._pg_pool = ConnectionPool(
                    self.url or "",
                    min_size=1,
                    max_size=self.pool_size,
                    kwargs={"row_factory": dict_row, "autocommit": False},
                    timeout=60,
                    open=True,
                )
            return self._pg_pool

    @property
    def postgres(self) -> bool:
        return self.url is not None

    @property
    def data_dir(self) -> Path | None:
        """Where files next to the database live (blobs); None for PostgreSQL."""
        return None if self.sqlite_path is None else self.sqlite_path.parent

    def _connect(self) -> Any:
        assert self.sqlite_path is not None
        raw = sqlite3.connect(
            self.sqlite_path,
            timeout=30,
            isolation_level=None,  # explicit BEGIN below
            check_same_thread=False,
        )
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA busy_timeout=30000")
        return raw

    def _acquire(self) -> Any:
        try:
            return self._pool.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._made < self.pool_size:
                self._made += 1
                try:
                    return self._connect()
                except Exception:
                    self._made -= 1
                    raise
        return self._pool.get(timeout=60)

    def _release(self, raw: Any, *, broken: bool) -> None:
        if broken:
            with self._lock:
                self._made -= 1
            with suppress(Exception):
                raw.close()
            return
        self._pool.put(raw)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Conn]:
        """One transaction: committed on normal exit, rolled back on error.
        SQLite writers take the write lock up front (``BEGIN IMMEDIATE``) so
        two writers never deadlock upgrading a read lock."""
        if self.postgres:
            # The pool rolls back what is left open and drops broken ones.
            with self._postgres_pool().connection() as raw:
                conn = Conn(raw, postgres=True)
                try:
                    yield conn
                    conn.flush_changes()
                except BaseException:
                    with suppress(Exception):  # a broken one: the pool drops it
                        raw.rollback()
                    raise
                raw.commit()
            return
        raw = self._acquire()
        try:
            raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            conn = Conn(raw, postgres=False)
            try:
                yield conn
                conn.flush_changes()
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
        finally:
            self._release(raw, broken=False)

    def close(self) -> None:
        with self._lock:
            pool, self._pg_pool = self._pg_pool, None
        if pool is not None:
            pool.close()
        while True:
            try:
                raw = self._pool.get_nowait()
            except queue.Empty:
                break
            raw.close()
        with self._lock:
            self._made = 0

    def create_schema(self) -> None:
        """Migrate to the latest schema (central/migrations.py) and make the
        database's epoch and secret on first start."""
        from . import migrations

        migrations.migrate(self)
        with self.transaction() as conn:
            for key in ("epoch", "secret"):
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO NOTHING",
                    (key, secrets.token_hex(16 if key == "epoch" else 32)),
                )

    def meta(self, key: str, default: str | None = None) -> str | None:
        with self.transaction(write=False) as conn:
            value = conn.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return default if value is None else str(value)


def open_database(*, db_path: str | None, database_url: str | None) -> Database:
    """From the CLI options; creates the schema if missing."""
    if database_url:
        db = Database(url=database_url)
    else:
        db = Database(sqlite_path=Path(db_path or "central.db").resolve())
    db.create_schema()
    return db
