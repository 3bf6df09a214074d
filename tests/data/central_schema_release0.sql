-- The platform schema as the releases before numbered migrations made it
-- (central/db.py create_schema, then ALTER TABLE desks ADD revoked_at,
-- code_expires_at). {AUTO_PK} is the back end's auto-increment key.
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
ALTER TABLE desks ADD COLUMN revoked_at TEXT;
ALTER TABLE desks ADD COLUMN code_expires_at TEXT;
