"""Platform schema migrations (central/migrations.py) on SQLite and PostgreSQL:
empty → latest, a database made by the release before the runner → latest
through ``python -m central migrate``, a failing migration rolling back, and
older code refusing a newer schema."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from central import migrations
from central.db import Conn, Database
from tests.central_fixtures import (  # noqa: F401
    ROOT,
    PostgresCluster,
    postgres_cluster,
    start_central,
)

RELEASE0 = Path(__file__).parent / "data" / "central_schema_release0.sql"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Database, list[str]]]:
    """A fresh empty database and the CLI options naming it."""
    if request.param == "sqlite":
        path = tmp_path / "central.db"
        db, args = Database(sqlite_path=path), ["--db", str(path)]
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.new_database()
        db, args = Database(url=url), ["--database-url", url]
    try:
        yield db, args
    finally:
        db.close()


def _tables(conn: Conn) -> set[str]:
    if conn.postgres:
        rows = conn.all(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        )
    else:
        rows = conn.all("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {str(r["name"]) for r in rows}


def _indexes(conn: Conn) -> set[str]:
    if conn.postgres:
        rows = conn.all(
            "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'"
        )
    else:
        rows = conn.all("SELECT name FROM sqlite_master WHERE type = 'index'")
    return {str(r["name"]) for r in rows}


def _central(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "central", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_empty_database_to_latest(backend: tuple[Database, list[str]]) -> None:
    db, _ = backend
    assert migrations.migrate(db) == [m.number for m in migrations.MIGRATIONS]
    assert migrations.migrate(db) == []  # a second run changes nothing
    with db.transaction(write=False) as conn:
        assert migrations.schema_version(conn) == migrations.LATEST
        assert {"applications_archive", "status_history_archive"} <= _tables(conn)
        assert {"changes_desk", "changes_site", "applications_site_id"} <= _indexes(
            conn
        )


def test_release0_database_is_upgraded_by_the_cli_and_keeps_its_rows(
    backend: tuple[Database, list[str]], tmp_path: Path
) -> None:
    db, args = backend
    with db.transaction() as conn:
        migrations.run_ddl(conn, RELEASE0.read_text(encoding="utf-8"))
        conn.execute("INSERT INTO meta (key, value) VALUES ('epoch', 'e0')")
        conn.execute(
            "INSERT INTO applications (id, desk_id, site_code, window_code,"
            " acceptance_no, status, version, body, updated_at)"
            " VALUES ('a1', 'd1', 'S1', 'W1', 'S1W1202611230001', 'submitted',"
            " 3, '{}', '2026-11-23T08:00:00.000+00:00')"
        )
        conn.execute(
            "INSERT INTO changes (kind, site_code, desk_id, origin_desk_id,"
            " entity_id, body, at) VALUES ('site_application', 'S1', NULL, 'd1',"
            " 'a1', '{}', '2026-11-23T08:00:00.000+00:00')"
        )
        assert migrations.schema_version(conn) == 0
    db.close()

    done = _central("migrate", *args)
    assert done.returncode == 0, done.stderr
    every = ", ".join(str(m.number) for m in migrations.MIGRATIONS)
    assert f"schema version 0 -> {migrations.LATEST} (applied: {every})" in done.stdout

    with db.transaction(write=False) as conn:
        assert migrations.schema_version(conn) == migrations.LATEST
        app = conn.one("SELECT status, version FROM applications WHERE id = 'a1'")
        assert app == {"status": "submitted", "version": 3}
        assert conn.scalar("SELECT value FROM meta WHERE key = 'epoch'") == "e0"
        assert conn.scalar("SELECT COUNT(*) FROM changes") == 1
        assert "changes_site" in _indexes(conn)
    again = _central("migrate", *args)
    latest = migrations.LATEST
    assert f"schema version {latest} -> {latest} (applied: none)" in again.stdout


def test_a_failing_migration_rolls_back(backend: tuple[Database, list[str]]) -> None:
    db, _ = backend
    migrations.migrate(db)

    def broken(conn: Conn) -> None:
        conn.execute("CREATE TABLE half_done (x INTEGER)")
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    extra = (*migrations.MIGRATIONS, migrations.Migration(99, "broken", broken))
    with pytest.raises(Exception, match="no_such_table"):
        migrations.migrate(db, migrations=extra)
    with db.transaction(write=False) as conn:
        assert migrations.schema_version(conn) == migrations.LATEST
        assert "half_done" not in _tables(conn)


def test_older_code_refuses_a_newer_schema(
    backend: tuple[Database, list[str]], tmp_path: Path
) -> None:
    db, args = backend
    db.create_schema()
    newer = migrations.LATEST + 1
    with db.transaction() as conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(newer),)
        )
    with pytest.raises(migrations.SchemaTooNew, match=f"版本为 {newer}"):
        db.create_schema()
    done = _central("migrate", *args)
    assert done.returncode == 2
    assert f"数据库结构版本为 {newer}" in done.stderr
    served = _central("create-desk", *args, "--site", "S1", "--window", "W1", "x")
    assert served.returncode == 2 and "请先把中心平台程序升级" in served.stderr


def test_archive_command_moves_old_closed_applications(tmp_path: Path) -> None:
    path = tmp_path / "central.db"
    db = Database(sqlite_path=path)
    db.create_schema()
    with db.transaction() as conn:
        for app_id, status, at in (
            ("old", "delivered", "2021-03-01T08:00:00.000+00:00"),
            ("open", "in_review", "2021-03-01T08:00:00.000+00:00"),
        ):
            conn.execute(
                "INSERT INTO applications (id, desk_id, site_code, window_code,"
                " acceptance_no, status, version, body, updated_at)"
                " VALUES (?, 'd1', 'S1', 'W1', NULL, ?, 1, '{}', ?)",
                (app_id, status, at),
            )
    db.close()
    done = _central("archive", "--db", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "archived 1 closed application(s)"
    with db.transaction(write=False) as conn:
        hot = [r["id"] for r in conn.all("SELECT id FROM applications")]
        cold = [r["id"] for r in conn.all("SELECT id FROM applications_archive")]
    db.close()
    assert (hot, cold) == (["open"], ["old"])
