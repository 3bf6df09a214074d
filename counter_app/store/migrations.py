"""Numbered schema migrations, applied at start. Append-only: never edit one
that has shipped; add the next number instead."""

from __future__ import annotations

import json
import re

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("counter")


@migrations(name="0001_initial")
def m0001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE users (
            username TEXT PRIMARY KEY,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor')),
            password_verifier TEXT NOT NULL,
            site_code TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE catalog_conditions (
            key TEXT PRIMARY KEY,
            label TEXT NOT NULL
        );
        CREATE TABLE catalog_items (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            department TEXT NOT NULL,
            item_type TEXT NOT NULL,
            legal_days INTEGER,
            promised_days INTEGER NOT NULL,
            fee TEXT NOT NULL,
            on_the_spot INTEGER NOT NULL,
            allows_commitment INTEGER NOT NULL,
            body TEXT NOT NULL,
            pinyin_initials TEXT NOT NULL,
            pinyin_full TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE catalog_materials (
            item_code TEXT NOT NULL REFERENCES catalog_items(code) ON DELETE CASCADE,
            key TEXT NOT NULL,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            originals INTEGER NOT NULL,
            copies INTEGER NOT NULL,
            e_cert INTEGER NOT NULL,
            can_defer INTEGER NOT NULL,
            condition TEXT,
            source TEXT,
            note TEXT,
            PRIMARY KEY (item_code, key)
        );
        CREATE TABLE bundles (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            description TEXT NOT NULL,
            item_codes TEXT NOT NULL
        );
        -- Trigram full-text search over the catalog; queries shorter than
        -- three characters (e.g. 执照) fall back to LIKE on this small table.
        CREATE VIRTUAL TABLE catalog_fts USING fts5(
            code, name, keywords, pinyin_initials, pinyin_full, department, materials,
            tokenize = 'trigram'
        );
        CREATE TABLE calendar_days (
            day TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday'))
        );
        CREATE TABLE calendar_years (
            year INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            imported_at TEXT NOT NULL
        );
        CREATE TABLE window_sequences (
            site_code TEXT NOT NULL,
            window_code TEXT NOT NULL,
            day TEXT NOT NULL,
            last_sequence INTEGER NOT NULL,
            PRIMARY KEY (site_code, window_code, day)
        );
        CREATE TABLE consultations (
            id TEXT PRIMARY KEY,
            item_code TEXT,
            bundle_code TEXT,
            answers TEXT NOT NULL,
            applicant_name TEXT,
            phone TEXT,
            clerk TEXT NOT NULL,
            site_code TEXT NOT NULL,
            window_code TEXT NOT NULL,
            created_at TEXT NOT NULL,
            day TEXT NOT NULL,
            application_id TEXT
        );
        CREATE TABLE applications (
            id TEXT PRIMARY KEY,
            acceptance_no TEXT UNIQUE,
            item_code TEXT NOT NULL,
            item_name TEXT NOT NULL,
            department TEXT NOT NULL,
            bundle_code TEXT,
            group_id TEXT,
            status TEXT NOT NULL,
            decision TEXT,
            applicant_type TEXT NOT NULL,
            applicant_name TEXT NOT NULL,
            id_type TEXT,
            id_number TEXT,
            birth_date TEXT,
            sex TEXT,
            phone TEXT,
            org_name TEXT,
            uscc TEXT,
            agent_name TEXT,
            agent_id_type TEXT,
            agent_id_number TEXT,
            agent_relation TEXT,
            address TEXT,
            assisted INTEGER NOT NULL DEFAULT 0,
            answers TEXT NOT NULL DEFAULT '{}',
            site_code TEXT NOT NULL,
            window_code TEXT NOT NULL,
            desk_id TEXT,
            clerk TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT 'local',
            created_at TEXT NOT NULL,
            decided_at TEXT,
            day TEXT NOT NULL,
            accepted_on TEXT,
            promised_days INTEGER,
            due_date TEXT,
            due_provisional INTEGER NOT NULL DEFAULT 0,
            promise_date TEXT,
            reason TEXT,
            reason_code TEXT,
            notice_deadline TEXT,
            consultation_id TEXT,
            intake_seconds INTEGER,
            status_url TEXT,
            version INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX applications_day ON applications(day, window_code);
        CREATE INDEX applications_status ON applications(status, due_date);
        CREATE INDEX applications_id_number ON applications(id_number);
        CREATE INDEX applications_name ON applications(applicant_name);
        CREATE INDEX applications_phone ON applications(phone);
        CREATE INDEX applications_item ON applications(item_code);
        CREATE INDEX applications_group ON applications(group_id);
        CREATE INDEX applications_updated ON applications(updated_at);
        CREATE TABLE application_materials (
            application_id TEXT NOT NULL
                REFERENCES applications(id) ON DELETE CASCADE,
            material_key TEXT NOT NULL,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            state TEXT NOT NULL,
            originals INTEGER NOT NULL DEFAULT 0,
            copies INTEGER NOT NULL DEFAULT 0,
            problem TEXT,
            note TEXT,
            reused_from TEXT,
            received_at TEXT,
            PRIMARY KEY (application_id, material_key)
        );
        CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mime TEXT NOT NULL,
            pages INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            uploaded_at TEXT
        );
        CREATE TABLE material_files (
            id INTEGER PRIMARY KEY,
            application_id TEXT NOT NULL,
            material_key TEXT NOT NULL,
            sha256 TEXT NOT NULL REFERENCES blobs(sha256),
            position INTEGER NOT NULL,
            pages INTEGER NOT NULL DEFAULT 1,
            rotation INTEGER NOT NULL DEFAULT 0,
            source TEXT,
            original_name TEXT,
            created_at TEXT NOT NULL,
            removed_at TEXT
        );
        CREATE INDEX material_files_app ON material_files(application_id, material_key);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            application_id TEXT,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_application ON events(application_id, id);
        CREATE INDEX events_at ON events(at);
        CREATE TABLE outbox (
            op_id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL UNIQUE,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            base_version INTEGER,
            payload TEXT NOT NULL,
            blobs TEXT NOT NULL DEFAULT '[]',
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'in_flight', 'acked', 'rejected')),
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            acked_at TEXT,
            result TEXT,
            reason TEXT
        );
        CREATE INDEX outbox_state ON outbox(state, seq);
        CREATE TABLE sync_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE conflicts (
            id INTEGER PRIMARY KEY,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            op_id TEXT,
            local TEXT NOT NULL,
            remote TEXT NOT NULL,
            created_at TEXT NOT NULL,
            resolved_at TEXT,
            resolved_by TEXT
        );
        CREATE TABLE print_jobs (
            id INTEGER PRIMARY KEY,
            application_id TEXT,
            document TEXT NOT NULL,
            printer TEXT,
            copies INTEGER NOT NULL DEFAULT 1,
            reprint INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            error TEXT,
            actor TEXT NOT NULL,
            created_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE INDEX print_jobs_application ON print_jobs(application_id);
        CREATE TABLE evaluations (
            id TEXT PRIMARY KEY,
            application_id TEXT NOT NULL REFERENCES applications(id),
            level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
            reasons TEXT NOT NULL DEFAULT '[]',
            comment TEXT,
            channel TEXT NOT NULL,
            clerk TEXT NOT NULL,
            window_code TEXT NOT NULL,
            created_at TEXT NOT NULL,
            day TEXT NOT NULL,
            follow_up TEXT,
            follow_up_by TEXT,
            follow_up_at TEXT
        );
        CREATE INDEX evaluations_day ON evaluations(day);
        CREATE TABLE drafts (
            id TEXT PRIMARY KEY,
            username TEXT NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE day_closes (
            site_code TEXT NOT NULL,
            window_code TEXT NOT NULL,
            day TEXT NOT NULL,
            closed_at TEXT NOT NULL,
            closed_by TEXT NOT NULL,
            totals TEXT NOT NULL,
            pending_ops INTEGER NOT NULL,
            pending_confirmed INTEGER NOT NULL DEFAULT 0,
            archive_path TEXT,
            PRIMARY KEY (site_code, window_code, day)
        );
        """
    )


@migrations(name="0003_application_search")
def m0003_application_search(db: Database) -> None:
    # Trigram FTS finds nothing for 2-character names (王磊), the commonest
    # search at a window; a term table of single characters and bigrams of
    # every name, filled by triggers, answers 1- and 2-character queries and
    # narrows longer ones. Characters are code points, so 𠮷 is one term.
    positions = ",".join(f"({n})" for n in range(1, 129))
    db.executescript(
        f"""
        CREATE TABLE term_positions (n INTEGER PRIMARY KEY);
        INSERT INTO term_positions (n) VALUES {positions};
        CREATE TABLE application_terms (
            term TEXT NOT NULL,
            application_id TEXT NOT NULL,
            PRIMARY KEY (term, application_id)
        ) WITHOUT ROWID;
        CREATE INDEX application_terms_app ON application_terms(application_id);
        CREATE TRIGGER applications_terms_insert AFTER INSERT ON applications
        BEGIN
            INSERT OR IGNORE INTO application_terms (term, application_id)
            SELECT substr(name, n, size), NEW.id
            FROM (SELECT NEW.applicant_name AS name UNION ALL
                  SELECT NEW.agent_name UNION ALL SELECT NEW.org_name) AS names,
                 term_positions,
                 (SELECT 1 AS size UNION ALL SELECT 2) AS sizes
            WHERE name IS NOT NULL AND n + size - 1 <= length(name);
        END;
        CREATE TRIGGER applications_terms_update
        AFTER UPDATE OF applicant_name, agent_name, org_name ON applications
        BEGIN
            DELETE FROM application_terms WHERE application_id = OLD.id;
            INSERT OR IGNORE INTO application_terms (term, application_id)
            SELECT substr(name, n, size), NEW.id
            FROM (SELECT NEW.applicant_name AS name UNION ALL
                  SELECT NEW.agent_name UNION ALL SELECT NEW.org_name) AS names,
                 term_positions,
                 (SELECT 1 AS size UNION ALL SELECT 2) AS sizes
            WHERE name IS NOT NULL AND n + size - 1 <= length(name);
        END;
        CREATE TRIGGER applications_terms_delete AFTER DELETE ON applications
        BEGIN
            DELETE FROM application_terms WHERE application_id = OLD.id;
        END;
        INSERT OR IGNORE INTO application_terms (term, application_id)
        SELECT substr(name, n, size), id
        FROM (SELECT id, applicant_name AS name FROM applications UNION ALL
              SELECT id, agent_name FROM applications UNION ALL
              SELECT id, org_name FROM applications) AS names,
             term_positions,
             (SELECT 1 AS size UNION ALL SELECT 2) AS sizes
        WHERE name IS NOT NULL AND n + size - 1 <= length(name);
        -- The list is newest first; each filter has an index ending in the
        -- sort key so a page is read in order without sorting.
        CREATE INDEX applications_created ON applications(created_at, id);
        CREATE INDEX applications_status_created
            ON applications(status, created_at);
        CREATE INDEX applications_window_created
            ON applications(window_code, created_at);
        CREATE INDEX applications_agent_id ON applications(agent_id_number);
        CREATE INDEX applications_id_last4 ON applications(substr(id_number, -4));
        CREATE INDEX applications_phone_last4 ON applications(substr(phone, -4));
        """
    )


@migrations(name="0004_supervisor")
def m0004_supervisor(db: Database) -> None:
    # Statistics group by day, window and clerk over up to millions of rows:
    # covering indexes let each figure be read from an index range alone.
    # completed_on/delivered_on are kept by triggers so that every writer
    # (window services, back office by sync, remote rows) fills them alike.
    db.executescript(
        """
        ALTER TABLE applications ADD COLUMN completed_on TEXT;
        ALTER TABLE applications ADD COLUMN delivered_on TEXT;
        UPDATE applications SET completed_on = substr(updated_at, 1, 10)
            WHERE status IN ('approved', 'denied', 'result_ready', 'delivered');
        UPDATE applications SET delivered_on = substr(updated_at, 1, 10)
            WHERE status = 'delivered';
        CREATE TRIGGER applications_completed_insert AFTER INSERT ON applications
        WHEN NEW.status IN ('approved', 'denied', 'result_ready', 'delivered')
        BEGIN
            UPDATE applications SET
                completed_on = COALESCE(NEW.completed_on,
                                        substr(NEW.updated_at, 1, 10)),
                delivered_on = CASE WHEN NEW.status = 'delivered'
                    THEN COALESCE(NEW.delivered_on, substr(NEW.updated_at, 1, 10))
                    ELSE NEW.delivered_on END
            WHERE id = NEW.id;
        END;
        CREATE TRIGGER applications_completed_update
        AFTER UPDATE OF status ON applications
        WHEN NEW.status IN ('approved', 'denied', 'result_ready', 'delivered')
            AND (NEW.completed_on IS NULL
                 OR (NEW.status = 'delivered' AND NEW.delivered_on IS NULL))
        BEGIN
            UPDATE applications SET
                completed_on = COALESCE(NEW.completed_on,
                                        substr(NEW.updated_at, 1, 10)),
                delivered_on = CASE WHEN NEW.status = 'delivered'
                    THEN COALESCE(NEW.delivered_on, substr(NEW.updated_at, 1, 10))
                    ELSE NEW.delivered_on END
            WHERE id = NEW.id;
        END;
        CREATE INDEX applications_stats ON applications(
            day, window_code, clerk, decision, intake_seconds, site_code);
        CREATE INDEX applications_delivered_on
            ON applications(delivered_on, window_code, clerk, site_code)
            WHERE delivered_on IS NOT NULL;
        CREATE INDEX applications_completed_on
            ON applications(completed_on, window_code, clerk, due_date, site_code)
            WHERE completed_on IS NOT NULL;
        CREATE INDEX evaluations_application ON evaluations(application_id, created_at);
        CREATE INDEX evaluations_stats ON evaluations(day, window_code, clerk, level);
        CREATE INDEX consultations_day ON consultations(day, window_code, clerk);
        CREATE TABLE corrections (
            id INTEGER PRIMARY KEY,
            application_id TEXT NOT NULL REFERENCES applications(id),
            field TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT,
            reason TEXT NOT NULL,
            actor TEXT NOT NULL,
            at TEXT NOT NULL,
            closed_day TEXT
        );
        CREATE INDEX corrections_application ON corrections(application_id, id);
        """
    )


@migrations(name="0005_status_key")
def m0005_status_key(db: Database) -> None:
    # A key made at the desk, printed in the receipt's QR code before the
    # first sync; the platform accepts it beside its own.
    db.execute("ALTER TABLE applications ADD COLUMN status_key TEXT")


@migrations(name="0006_pull_quarantine")
def m0006_pull_quarantine(db: Database) -> None:
    # Feed changes the desk could not apply (sync/quarantine.py): kept with
    # the reason and retried on every pull, never silently dropped. One row
    # per record: a later change of the same record replaces the earlier.
    db.executescript(
        """
        CREATE TABLE pull_quarantine (
            id INTEGER PRIMARY KEY,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            entity_key TEXT NOT NULL,
            body TEXT NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_tried TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 1,
            UNIQUE (kind, entity_key)
        );
        """
    )


@migrations(name="0007_sign_in_guard")
def m0007_sign_in_guard(db: Database) -> None:
    # Failed sign-ins and locks survive a restart (等保 登录失败处理). Keyed by
    # the name typed, known or not, so an unknown name locks like a real one
    # and a lock reveals nothing about which accounts exist.
    # users.must_change: the next sign-in must set a new password (accounts
    # made or reset by an administrator). users.pulled_verifier: the verifier
    # last received from the platform, so a password changed here is kept
    # until the platform sends a different one.
    db.executescript(
        """
        CREATE TABLE sign_in_guard (
            username TEXT PRIMARY KEY,
            failures INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            last_failure_at TEXT
        );
        ALTER TABLE users ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE users ADD COLUMN pulled_verifier TEXT;
        ALTER TABLE users ADD COLUMN password_changed_at TEXT;
        """
    )


@migrations(name="0008_audit_chain")
def m0008_audit_chain(db: Database) -> None:
    # 等保 安全审计: each event gets an object and an outcome and becomes a
    # link of an SM3 hash chain; the events already there are chained in
    # the order they were written. Archived events keep their columns in
    # events_archive; audit_archives keeps each boundary (the anchor).
    from sync.protocol import GENESIS_HASH, event_hash, new_op_id

    db.executescript(
        """
        ALTER TABLE events ADD COLUMN seq INTEGER;
        ALTER TABLE events ADD COLUMN uid TEXT;
        ALTER TABLE events ADD COLUMN object TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN outcome TEXT NOT NULL DEFAULT 'success';
        ALTER TABLE events ADD COLUMN prev_hash TEXT;
        ALTER TABLE events ADD COLUMN hash TEXT;
        """
    )
    prev = GENESIS_HASH
    rows = db.execute(
        "SELECT id, at, actor, kind, application_id, detail FROM events ORDER BY id"
    ).fetchall()
    for seq, (row_id, at, actor, kind, application_id, detail) in enumerate(rows, 1):
        event = {
            "seq": seq,
            "at": at,
            "actor": actor,
            "kind": kind,
            "object": f"application:{application_id}" if application_id else "",
            "outcome": "success",
            "application_id": application_id,
            "detail": detail,
            "prev_hash": prev,
        }
        prev = event_hash(event)
        db.execute(
            "UPDATE events SET seq = ?, uid = ?, object = ?, prev_hash = ?, hash = ?"
            " WHERE id = ?",
            [seq, new_op_id(), event["object"], event["prev_hash"], prev, row_id],
        )
    db.executescript(
        """
        CREATE UNIQUE INDEX events_seq ON events(seq);
        CREATE INDEX events_hash ON events(hash);
        CREATE TABLE events_archive (
            seq INTEGER PRIMARY KEY,
            uid TEXT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            object TEXT NOT NULL,
            outcome TEXT NOT NULL,
            application_id TEXT,
            detail TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            archived_at TEXT NOT NULL
        );
        CREATE INDEX events_archive_application ON events_archive(application_id, seq);
        CREATE INDEX events_archive_hash ON events_archive(hash);
        CREATE TABLE audit_archives (
            id INTEGER PRIMARY KEY,
            first_seq INTEGER NOT NULL,
            last_seq INTEGER NOT NULL UNIQUE,
            last_hash TEXT NOT NULL,
            count INTEGER NOT NULL,
            before TEXT NOT NULL,
            archived_at TEXT NOT NULL,
            archived_by TEXT NOT NULL
        );
        -- Append-only (防删除/修改): only the archiving step may delete,
        -- with a row in audit_archiving inside its own transaction. Someone
        -- with the sqlite3 tool can drop these; the chain still shows it.
        CREATE TABLE audit_archiving (flag INTEGER PRIMARY KEY);
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        WHEN NOT EXISTS (SELECT 1 FROM audit_archiving)
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
        CREATE TRIGGER events_archive_no_update BEFORE UPDATE ON events_archive
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
        CREATE TRIGGER events_archive_no_delete BEFORE DELETE ON events_archive
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
        """
    )


@migrations(name="0011_competent_organ")
def m0011_competent_organ(db: Database) -> None:
    # 不予受理 because the matter is outside the center's remit: the organ the
    # applicant is sent to, printed in the decision (行政许可法 Art.32(1)(2)).
    db.execute("ALTER TABLE applications ADD COLUMN competent_organ TEXT")


@migrations(name="0013_provisional_site")
def m0013_provisional_site(db: Database) -> None:
    # A desk with no site configured used to number under a shared default
    # (320102001, window 01), so two such desks made the same numbers. It
    # now takes a desk-unique provisional site code; numbers already issued
    # keep theirs and are sent as used prefixes at enrollment.
    from sync.codes import PROVISIONAL_WINDOW_CODE, new_provisional_site_code

    for key, value in (
        ("site_code", new_provisional_site_code()),
        ("window_code", PROVISIONAL_WINDOW_CODE),
    ):
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO NOTHING",
            [key, value],
        )


@migrations(name="0015_catalog_terms")
def m0015_catalog_terms(db: Database) -> None:
    # County catalogs hold up to 3,000 items: one- and two-character queries
    # read each term's items already ranked, instead of a LIKE scan scored
    # in Python; catalog_fts is rebuilt lower-cased so SQL can rank longer
    # queries (store/catalog.py explains both).
    from counter_app.store.catalog import reindex_catalog

    db.executescript(
        """
        -- item is the code as an integer that sorts like it (4 bytes, not
        -- 10 characters, on ~150 rows per item; store.catalog.code_key);
        -- rank is 100 - score.
        CREATE TABLE catalog_terms (
            term TEXT NOT NULL,
            rank INTEGER NOT NULL,
            item INTEGER NOT NULL,
            PRIMARY KEY (term, rank, item)
        ) WITHOUT ROWID;
        CREATE INDEX catalog_terms_item ON catalog_terms(item);
        CREATE TRIGGER catalog_items_terms AFTER DELETE ON catalog_items
        BEGIN
            DELETE FROM catalog_terms WHERE item =
                (instr('GGJFQRQTXK', substr(old.code, 1, 2)) / 2) * 100000000
                + CAST(substr(old.code, 3) AS INTEGER);
        END;
        """
    )
    reindex_catalog(db)


@migrations(name="0016_lean_store")
def m0016_lean_store(db: Database) -> None:
    # A lean store (issue 17): outbox payloads compressed, acknowledged ops
    # compacted, and no index kept twice. See store/outbox.py.
    from counter_app.store.outbox import compact, encode_payload

    # Ops not yet acknowledged (and dead letters) are compressed; they push
    # exactly as before, since the wire carries the JSON they decode to.
    for op_id, text in db.execute(
        "SELECT op_id, payload FROM outbox WHERE typeof(payload) = 'text'"
        " AND state != 'acked'"
    ).fetchall():
        db.execute(
            "UPDATE outbox SET payload = ? WHERE op_id = ?",
            [encode_payload(json.loads(text)), op_id],
        )
    keep = db.execute(
        "SELECT value FROM settings WHERE key = 'outbox.keep_days'"
    ).fetchone()
    compact(db, keep_days=int(keep[0]) if keep and str(keep[0]).isdigit() else 0)
    # application_materials is read by application: keyed on its primary
    # key alone (WITHOUT ROWID) it no longer keeps the key twice. Indexes and
    # triggers other migrations put on it come back as they were.
    table_sql, extras = _table_sql(db, "application_materials")
    lean_sql = re.sub(
        r'^CREATE TABLE\s+"?application_materials"?',
        "CREATE TABLE application_materials_lean",
        table_sql,
    )
    db.executescript(
        lean_sql
        + " WITHOUT ROWID;"
        + " INSERT INTO application_materials_lean SELECT * FROM application_materials;"
        + " DROP TABLE application_materials;"
        + " ALTER TABLE application_materials_lean RENAME TO application_materials;"
    )
    for sql in extras:
        db.execute(sql)
    # The name index drops an application's terms through its primary key
    # (term, application_id), computed from the old names, instead of a
    # second index on application_id that was as big as the table.
    terms = """
            SELECT substr(name, n, size)
            FROM (SELECT OLD.applicant_name AS name UNION ALL
                  SELECT OLD.agent_name UNION ALL SELECT OLD.org_name) AS names,
                 term_positions,
                 (SELECT 1 AS size UNION ALL SELECT 2) AS sizes
            WHERE name IS NOT NULL AND n + size - 1 <= length(name)"""
    db.executescript(
        f"""
        DROP TRIGGER applications_terms_update;
        DROP TRIGGER applications_terms_delete;
        DROP INDEX application_terms_app;
        CREATE TRIGGER applications_terms_update
        AFTER UPDATE OF applicant_name, agent_name, org_name ON applications
        BEGIN
            DELETE FROM application_terms
            WHERE application_id = OLD.id AND term IN ({terms});
            INSERT OR IGNORE INTO application_terms (term, application_id)
            SELECT substr(name, n, size), NEW.id
            FROM (SELECT NEW.applicant_name AS name UNION ALL
                  SELECT NEW.agent_name UNION ALL SELECT NEW.org_name) AS names,
                 term_positions,
                 (SELECT 1 AS size UNION ALL SELECT 2) AS sizes
            WHERE name IS NOT NULL AND n + size - 1 <= length(name);
        END;
        CREATE TRIGGER applications_terms_delete AFTER DELETE ON applications
        BEGIN
            DELETE FROM application_terms
            WHERE application_id = OLD.id AND term IN ({terms});
        END;
        -- applications_stats begins with (day, window_code); nothing
        -- filters or sorts applications by updated_at.
        DROP INDEX IF EXISTS applications_day;
        DROP INDEX IF EXISTS applications_updated;
        """
    )
    # A hash is looked up only to name a broken link (store/audit.py), once,
    # when a chain is found broken: a scan then costs less than an index of
    # every hash kept for it. applicant_name is searched through the terms.
    db.executescript(
        """
        DROP INDEX IF EXISTS events_hash;
        DROP INDEX IF EXISTS events_archive_hash;
        DROP INDEX IF EXISTS applications_name;
        """
    )
    # Events are chosen by time only by the retention at the day close and
    # verify-audit --from; they are written in time order, so the sequence
    # index serves both (events_archive never had a time index).
    db.execute("DROP INDEX IF EXISTS events_at")


def _table_sql(db: Database, table: str) -> tuple[str, list[str]]:
    """A table's CREATE statement and those of its indexes and triggers."""
    rows = db.execute(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL",
        [table],
    ).fetchall()
    create = next(sql for kind, sql in rows if kind == "table")
    return str(create).rstrip().rstrip(";"), [
        str(sql) for kind, sql in rows if kind in ("index", "trigger")
    ]


@migrations(name="0017_signatures_and_card_photos")
def m0017_signatures_and_card_photos(db: Database) -> None:
    # The applicant's handwritten signature on a document (receipt, notice,
    # commitment, delivery), as the strokes drawn and the PNG shown, kept in
    # the (encrypted) database. One per application and document; never
    # changed once saved (redone only before saving).
    # application_photos: the photo read from the ID card, kept only for
    # items whose materials ask for a photo.
    db.executescript(
        """
        CREATE TABLE signatures (
            id TEXT PRIMARY KEY,
            application_id TEXT NOT NULL,
            document TEXT NOT NULL,
            signer TEXT NOT NULL,
            strokes TEXT NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            png BLOB NOT NULL,
            png_sha256 TEXT NOT NULL,
            signed_at TEXT NOT NULL,
            clerk TEXT NOT NULL,
            UNIQUE (application_id, document)
        );
        CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
        BEGIN SELECT RAISE(ABORT, 'a saved signature cannot be changed'); END;
        CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
        BEGIN SELECT RAISE(ABORT, 'a saved signature cannot be changed'); END;
        CREATE TABLE application_photos (
            application_id TEXT PRIMARY KEY,
            material_key TEXT NOT NULL,
            photo BLOB NOT NULL,
            source TEXT NOT NULL,
            stored_at TEXT NOT NULL
        );
        """
    )


@migrations(name="0018_hall_queue")
def m0018_hall_queue(db: Database) -> None:
    # 排队叫号: the desk's own queue for when the platform cannot be reached
    # (counter_app/hall/local_queue.py), and the ticket each application was
    # served under, so waiting and service times reach the statistics.
    db.executescript(
        """
        CREATE TABLE hall_tickets (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            business_type TEXT NOT NULL,
            number TEXT NOT NULL,
            seq INTEGER NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('waiting', 'called', 'done', 'skipped')),
            window_code TEXT,
            target_window TEXT,
            issued_at TEXT NOT NULL,
            called_at TEXT,
            announced_at TEXT,
            finished_at TEXT,
            calls INTEGER NOT NULL DEFAULT 0,
            UNIQUE (day, number)
        );
        CREATE INDEX hall_tickets_waiting
            ON hall_tickets(day, status, business_type, seq);
        CREATE TABLE application_tickets (
            application_id TEXT PRIMARY KEY
                REFERENCES applications(id) ON DELETE CASCADE,
            ticket_no TEXT NOT NULL,
            business_type TEXT NOT NULL,
            source TEXT NOT NULL,
            window_code TEXT,
            issued_at TEXT NOT NULL,
            called_at TEXT NOT NULL,
            wait_seconds INTEGER,
            service_seconds INTEGER
        );
        CREATE INDEX application_tickets_no ON application_tickets(ticket_no);
        """
    )


@migrations(name="0019_signatures_to_platform")
def m0019_signatures_to_platform(db: Database) -> None:
    # Signatures now go to the platform with the rest of the record; those
    # saved before are queued once, after every op already waiting.
    from counter_app.store.outbox import add_op
    from counter_app.store.records import SIGNATURE_COLUMNS, signature_payload

    codes = dict(
        db.execute(
            "SELECT key, value FROM settings WHERE key IN ('site_code', 'window_code')"
        ).fetchall()
    )
    names = [c.strip() for c in SIGNATURE_COLUMNS.split(",")]
    rows = db.execute(
        f"SELECT {SIGNATURE_COLUMNS} FROM signatures ORDER BY signed_at, id"
    ).fetchall()
    for values in rows:
        row = dict(zip(names, values, strict=True))
        add_op(
            db,
            entity="signature",
            entity_id=str(row["id"]),
            base_version=None,
            payload=signature_payload(
                row,
                site_code=str(codes.get("site_code", "")),
                window_code=str(codes.get("window_code", "")),
            ),
        )
