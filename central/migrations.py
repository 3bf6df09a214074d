"""Numbered schema migrations of the platform, on SQLite and PostgreSQL.

The version lives in ``meta.schema_version``. Migrations are append-only:
one function per number, never edited once shipped; each runs in its own
transaction with the version bump (DDL is transactional on both back ends),
so a failing migration leaves the database at the previous version.

Version 1 is the schema of the releases before this runner: its statements
are ``CREATE ... IF NOT EXISTS`` and it adds the columns those releases
added on start, so it adopts a database they made (no ``schema_version``)
as well as creating an empty one. Code older than the database refuses to
run (:class:`SchemaTooNew`): it would not know the columns it must write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .db import Conn, Database

_SQLITE_WORDS = {"AUTO_PK": "INTEGER PRIMARY KEY AUTOINCREMENT"}
_POSTGRES_WORDS = {"AUTO_PK": "BIGSERIAL PRIMARY KEY"}
#: PostgreSQL: workers starting together migrate one after the other.
_MIGRATE_LOCK = 7303


class SchemaTooNew(RuntimeError):
    """The database was migrated by newer code than this."""


@dataclass(frozen=True)
class Migration:
    number: int
    title: str
    apply: Callable[[Conn], None]


def run_ddl(conn: Conn, ddl: str) -> None:
    """Statements separated by ``;`` with ``{AUTO_PK}`` for the back end."""
    words = _POSTGRES_WORDS if conn.postgres else _SQLITE_WORDS
    for key, value in words.items():
        ddl = ddl.replace("{" + key + "}", value)
    for statement in ddl.split(";"):
        if statement.strip():
            conn.execute(statement)


def _m0001_first_release(conn: Conn) -> None:
    from .db import ADDED_COLUMNS, SCHEMA

    run_ddl(conn, SCHEMA)
    for table, column, kind in ADDED_COLUMNS:
        if conn.postgres:
            conn.execute(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}"
            )
            continue
        names = {str(r["name"]) for r in conn.all(f"PRAGMA table_info({table})")}
        if column not in names:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _m0002_feed_indexes(conn: Conn) -> None:
    # Incremental pulls: one range scan per audience (central/feed.py).
    # changes_desk is partial: most rows have no desk, and with statistics
    # (ANALYZE) a full index made the planner scan the log instead.
    # Snapshot pages: keyset scans in key order, per site and per desk.
    run_ddl(
        conn,
        """
        CREATE INDEX changes_desk ON changes(desk_id, seq)
            WHERE desk_id IS NOT NULL;
        CREATE INDEX changes_site ON changes(site_code, desk_id, seq);
        CREATE INDEX applications_site_id ON applications(site_code, id);
        CREATE INDEX applications_site_desk
            ON applications(site_code, desk_id, id);
        CREATE INDEX applications_updated ON applications(updated_at);
        CREATE INDEX status_history_app_id ON status_history(application_id, id);
        CREATE INDEX users_site ON users(site_code, username);
        CREATE INDEX desk_pushes_site ON desk_pushes(site_code, desk_id)
        """,
    )


def _m0003_archive(conn: Conn) -> None:
    # Closed applications past the retention leave the hot tables
    # (central/retention.py); same columns plus when they moved.
    run_ddl(
        conn,
        """
        CREATE TABLE applications_archive (
            id TEXT PRIMARY KEY,
            desk_id TEXT NOT NULL,
            site_code TEXT NOT NULL,
            window_code TEXT NOT NULL,
            acceptance_no TEXT,
            status TEXT NOT NULL,
            version INTEGER NOT NULL,
            body TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            archived_at TEXT NOT NULL
        );
        CREATE INDEX applications_archive_no
            ON applications_archive(acceptance_no);
        CREATE TABLE status_history_archive (
            id BIGINT PRIMARY KEY,
            application_id TEXT NOT NULL,
            status TEXT NOT NULL,
            source TEXT NOT NULL,
            note TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX status_history_archive_app
            ON status_history_archive(application_id)
        """,
    )


def _m0004_hall_queue(conn: Conn) -> None:
    # 排队叫号 (central/queue.py): one queue per site and day, a ticket
    # called to one window, the day being the site's (China's) calendar day.
    run_ddl(
        conn,
        """
        CREATE TABLE queue_tickets (
            id TEXT PRIMARY KEY,
            site_code TEXT NOT NULL,
            day TEXT NOT NULL,
            business_type TEXT NOT NULL,
            number TEXT NOT NULL,
            seq INTEGER NOT NULL,
            status TEXT NOT NULL,
            window_code TEXT,
            target_window TEXT,
            issued_by TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            called_at TEXT,
            announced_at TEXT,
            finished_at TEXT,
            calls INTEGER NOT NULL DEFAULT 0,
            UNIQUE (site_code, day, number)
        );
        CREATE INDEX queue_tickets_waiting
            ON queue_tickets(site_code, day, status, business_type, seq);
        CREATE TABLE queue_types (
            site_code TEXT NOT NULL,
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (site_code, code)
        )
        """,
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "schema of the first release", _m0001_first_release),
    Migration(2, "feed and snapshot indexes", _m0002_feed_indexes),
    Migration(3, "archive of closed applications", _m0003_archive),
    Migration(4, "hall queue tickets and business types", _m0004_hall_queue),
)
LATEST = MIGRATIONS[-1].number


def schema_version(conn: Conn) -> int:
    """0 for an empty database or one made before this runner."""
    if conn.postgres:
        exists = conn.scalar("SELECT to_regclass('meta') IS NOT NULL AS x")
    else:
        exists = conn.scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        )
    if not exists:
        return 0
    value = conn.scalar("SELECT value FROM meta WHERE key = 'schema_version'")
    return int(value) if value is not None else 0


def _too_new(version: int) -> SchemaTooNew:
    return SchemaTooNew(
        f"数据库结构版本为 {version}，比本程序支持的版本 {LATEST} 新："
        "请先把中心平台程序升级到与数据库相同或更新的版本，再启动"
    )


def migrate(
    db: Database, *, migrations: tuple[Migration, ...] = MIGRATIONS
) -> list[int]:
    """Apply the missing migrations in order; returns their numbers."""
    applied: list[int] = []
    latest = migrations[-1].number
    for migration in migrations:
        with db.transaction() as conn:
            if conn.postgres:
                conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATE_LOCK,))
            version = schema_version(conn)
            if version > latest:
                raise _too_new(version)
            if migration.number <= version:
                continue
            migration.apply(conn)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(migration.number),),
            )
            applied.append(migration.number)
    return applied


def check(db: Database) -> int:
    """The database's version; raises :class:`SchemaTooNew` past ours."""
    with db.transaction(write=False) as conn:
        version = schema_version(conn)
    if version > LATEST:
        raise _too_new(version)
    return version
