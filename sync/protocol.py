"""Wire schema shared by the desk's sync engine and the central platform.

Everything the two sides must agree on lives here: URL paths, header names,
request/response shapes, result and reason codes, change kinds, the canonical
JSON used for idempotency hashes, the password verifier format and the op id
generator. Standard library only (plus ``typing_extensions`` so FastAPI can
validate these TypedDicts directly); central imports nothing else of ours.

Exchange in short (all JSON, UTF-8; ``Authorization: Bearer <token>`` on every
call except enrollment and the public status page):

``POST /api/v1/enroll``  :class:`EnrollRequest` → :class:`EnrollResponse`.
    The code is one-time; a used or unknown code answers 403 with
    :class:`ErrorBody` ``error=ERROR_ENROLLMENT_CODE``, an expired one (72 h
    by default) ``ERROR_ENROLLMENT_CODE_EXPIRED``.

``POST /api/v1/ops``  :class:`OpsRequest` → :class:`OpsResponse`.
    One :class:`OpResult` per op, in order. ``applied`` and ``duplicate`` are
    both success (ack the op). ``conflict`` carries ``current`` (the server's
    record, with its ``version``): merge and push a *new* op with
    ``base_version=current["version"]``. ``rejected`` carries a ``reason``
    (``REASON_*``) and goes to the dead-letter list, except
    ``REASON_BLOB_MISSING``: upload the blobs and resend the same op.
    A body over the server's limit answers 413: split the batch.
    Every ``applied`` application with an ``acceptance_no`` carries
    ``status_url`` (the applicant's public status page for the receipt; a
    path like ``/status/<no>?k=<key>`` to join with the server URL, or an
    absolute URL when the server runs with ``--public-url``); a
    ``duplicate`` repeats whatever the original answer carried.
    Applications: ``entity_id`` is the desk's application id; ``payload`` is
    the whole record (``status`` required, ``acceptance_no`` once assigned);
    ``base_version`` is the server version the desk last saw (None/0 for a
    new one). Append-only kinds ignore ``base_version``.

``HEAD /api/v1/blobs/{sha256}``  → headers ``Upload-Offset`` (bytes the
    server has) and ``Upload-Complete`` (``0``/``1``); 404 = nothing yet.
``PUT /api/v1/blobs/{sha256}`` with ``Content-Range: bytes START-END/TOTAL``
    (END inclusive) appends one chunk. START must equal the server's offset,
    else 409 with the right ``Upload-Offset``. Offsets are per desk: each
    desk resumes only its own partial upload (another desk's declared size
    or bytes never block it); partial uploads expire after a day, and a
    desk over its quota of partial bytes gets 413 ``ERROR_UPLOAD_QUOTA``. The last chunk makes the server
    verify SHA-256: mismatch → 422 and the partial data is discarded (restart
    from 0). A complete blob answers 200 ``Upload-Complete: 1`` at once.
    Response body: :class:`BlobStatus`.

``GET /api/v1/changes?since=CURSOR&limit=N``  → :class:`ChangesResponse`.
    Omit ``since`` on first pull. Keep calling with the returned ``cursor``
    while ``more`` is true; store a cursor only once its page is applied
    (for a snapshot: once the last page is).
    ``resnapshot=true`` (first pull, expired cursor, a different server
    epoch) marks every page of a full snapshot of the current state: collect
    the pages until ``more`` is false, then *replace* what the desk holds of
    those kinds (catalog, calendar, users of the site, status of its own
    applications, other windows' applications). A snapshot cut off halfway
    is restarted without ``since``. Outside a snapshot, apply changes in
    ``seq`` order; a later change of the same entity supersedes an earlier.
    ``application_status`` is the back office moving one of this desk's
    applications: set the status and take ``version`` as the next
    ``base_version`` (a local edit still pending will come back as a
    conflict carrying the merged server record). Catalog items removed
    from the catalog arrive as
    ``{"code": ..., "deleted": true}``; users moved away or disabled arrive
    with ``active: false``.

``GET /api/v1/certificates?id_number=...&application_id=...&clerk=...&purpose=...``
    → :class:`CertificatesResponse`. The lookup names the application it
    serves (its id: one of this desk's in progress, or an intake not pushed
    yet), the clerk and the purpose; the platform logs every lookup and
    answers 403 ``ERROR_LOOKUP_REFUSED`` otherwise.
``GET /api/v1/time``  → :class:`TimeResponse` (no token needed).
``GET /status/{acceptance_no}?k=KEY``  → HTML for the applicant (404 on a
    wrong key).

422 :data:`ERROR_INVALID_REQUEST` (with FastAPI's ``detail`` list) means a
request that does not fit these shapes (a bug, not a transient failure: do
not retry it as is); a bad record inside a well-formed op is that op
``rejected`` with ``REASON_INVALID_PAYLOAD`` and the field in ``detail``.
401 :data:`ERROR_UNAUTHORIZED` means the token was replaced (reissued code):
the desk must be enrolled again; 401 :data:`ERROR_DESK_REVOKED` means the
platform revoked the desk (also in ``WWW-Authenticate: Bearer error=...``,
for HEAD answers without a body). 429 :data:`ERROR_RATE_LIMITED` carries
``Retry-After``. Every JSON response carries ``server_time`` (UTC ISO 8601); compare it with
the local clock and warn above :data:`CLOCK_SKEW_WARNING_SECONDS`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, Literal, NotRequired

from typing_extensions import TypedDict

# Re-exported: one rule for site and window codes, desk and platform alike.
from sync import codes
from sync.codes import code_problem as code_problem
from sync.codes import is_acceptance_number_of as is_acceptance_number_of
from sync.codes import is_provisional_site_code as is_provisional_site_code
from sync.codes import is_site_code as is_site_code
from sync.codes import is_window_code as is_window_code
from sync.codes import real_code_problem as real_code_problem

# --- paths and headers -----------------------------------------------------

API_PREFIX: Final = "/api/v1"
PATH_ENROLL: Final = API_PREFIX + "/enroll"
PATH_OPS: Final = API_PREFIX + "/ops"
PATH_BLOBS: Final = API_PREFIX + "/blobs"  # + "/{sha256}"
PATH_CHANGES: Final = API_PREFIX + "/changes"
PATH_CERTIFICATES: Final = API_PREFIX + "/certificates"
PATH_TIME: Final = API_PREFIX + "/time"
PATH_STATUS_PAGE: Final = "/status"  # + "/{acceptance_no}?k=KEY"

HEADER_AUTHORIZATION: Final = "Authorization"
HEADER_UPLOAD_OFFSET: Final = "Upload-Offset"
HEADER_UPLOAD_COMPLETE: Final = "Upload-Complete"
HEADER_CONTENT_RANGE: Final = "Content-Range"
BLOB_CONTENT_TYPE: Final = "application/octet-stream"

#: Default server limit on any request body (ops batch or blob chunk).
DEFAULT_MAX_BODY_BYTES: Final = 2 * 1024 * 1024
#: Chunk size a client should use for blob uploads (well under the limit).
RECOMMENDED_CHUNK_BYTES: Final = 512 * 1024
#: Skew between desk and server clocks above which the desk shows a warning.
CLOCK_SKEW_WARNING_SECONDS: Final = 10 * 60
DEFAULT_CHANGES_LIMIT: Final = 500
MAX_CHANGES_LIMIT: Final = 5000
#: A cursor's length bound: epoch, seq, and in a snapshot a rank and a key
#: (up to an entity id's 128 characters).
MAX_CURSOR_CHARS: Final = 256

#: What a desk may rely on when it pulls ``GET /changes`` (the platform
#: keeps it; tests/test_central_feed_cursor.py checks it on PostgreSQL with
#: several workers and concurrent writers).
CURSOR_CONTRACT: Final = """
1. Order. Outside a snapshot a page holds the desk's next changes in
   increasing ``seq``; ``seq`` order is commit order (the platform writes
   feed rows under one lock held until commit), and a page reads only up
   to the highest seq committed when it started. So a change committed
   after a page was read gets a higher seq than the page's cursor and comes
   in a later page: never skipped.
2. No duplicates in the incremental feed: following the returned cursors,
   each seq comes once. Asking again with the same cursor (a page lost in
   transit, a crash before the cursor was stored) returns the same
   changes again; applying a change is idempotent (it carries the entity's
   whole state and ``version``), so a repeat is harmless.
3. Snapshots (``resnapshot=true``) show the current state page by page;
   their last cursor is the feed position taken at the first page. Changes
   committed while the snapshot was paged are delivered afterwards even if
   a later snapshot page already showed their effect: declared duplicates,
   applied in seq order they end in the current state.
4. A cursor from another epoch, or older than the pruned part of the feed,
   answers a new snapshot. Applications archived by retention (closed and
   older than the platform's setting, default 3 years) are never in one.
5. Page cost does not depend on the site's size: a page is bounded index
   range scans (change log by audience and seq; current tables by key).
"""

# --- entities, results, reasons ------------------------------------------------

ENTITY_APPLICATION: Final = "application"
ENTITY_CONSULTATION: Final = "consultation"
ENTITY_EVALUATION: Final = "evaluation"
ENTITY_EVENT: Final = "event"
ENTITY_DAY_CLOSE: Final = "day_close"
ENTITY_PRINT_JOB: Final = "print_job"
#: A scan attached to, replaced in or removed from an application's material;
#: its blob (``blobs``) is uploaded before the op.
ENTITY_MATERIAL_FILE: Final = "material_file"
#: The applicant's signature on a document: the strokes as drawn and the PNG
#: printed (base64, its SHA-256 beside it), never changed once saved.
ENTITY_SIGNATURE: Final = "signature"
#: A signature's PNG, at most (its op stays far below the body limit).
MAX_SIGNATURE_PNG: Final = 512 * 1024
#: Append-only kinds: stored once per op, never updated, never conflict.
APPEND_ONLY_ENTITIES: Final = frozenset(
    {
        ENTITY_CONSULTATION,
        ENTITY_EVALUATION,
        ENTITY_EVENT,
        ENTITY_DAY_CLOSE,
        ENTITY_PRINT_JOB,
        ENTITY_MATERIAL_FILE,
        ENTITY_SIGNATURE,
    }
)
ENTITIES: Final = frozenset({ENTITY_APPLICATION}) | APPEND_ONLY_ENTITIES

Result = Literal["applied", "duplicate", "conflict", "rejected"]
RESULT_APPLIED: Final = "applied"
RESULT_DUPLICATE: Final = "duplicate"
RESULT_CONFLICT: Final = "conflict"
RESULT_REJECTED: Final = "rejected"
#: Results after which the desk acknowledges (deletes) the op.
SUCCESS_RESULTS: Final = frozenset({RESULT_APPLIED, RESULT_DUPLICATE})

# Reasons of a "rejected" result (stable codes; the desk translates them).
REASON_BLOB_MISSING: Final = "blob missing"  # upload, then resend the same op
REASON_OP_ID_REUSED: Final = "op_id reused with a different body"
REASON_UNKNOWN_ENTITY: Final = "unknown entity"
REASON_INVALID_PAYLOAD: Final = "invalid payload"
REASON_NOT_OWNER: Final = "application belongs to another desk"
# Authorization refusals (central/authz.py); each result also carries a
# Chinese ``message`` for the clerk.
REASON_OTHER_SITE: Final = "record of another site or window"
REASON_NUMBER_PREFIX: Final = "acceptance number of another site or window"
REASON_NUMBER_TAKEN: Final = "acceptance number already used"
REASON_NUMBER_CHANGED: Final = "acceptance number cannot change"
REASON_NOT_OWNER_REF: Final = "referenced record belongs to another desk"
REASON_UNKNOWN_REF: Final = "referenced record unknown"
#: Rejections worth retrying with the very same op after fixing the cause.
#: (A referenced application may be an op refused for a missing blob just
#: before, in the same batch: once resent it exists.)
RETRYABLE_REASONS: Final = frozenset({REASON_BLOB_MISSING, REASON_UNKNOWN_REF})

# Error codes in :class:`ErrorBody` of non-2xx JSON answers.
ERROR_ENROLLMENT_CODE: Final = "enrollment_code_invalid"
ERROR_UNAUTHORIZED: Final = "unauthorized"
ERROR_TOO_LARGE: Final = "request_too_large"
ERROR_BAD_RANGE: Final = "bad_content_range"
ERROR_OFFSET_MISMATCH: Final = "offset_mismatch"
ERROR_HASH_MISMATCH: Final = "hash_mismatch"
ERROR_NOT_FOUND: Final = "not_found"
#: 401: the platform revoked this desk; sync stops until it is enrolled again.
ERROR_DESK_REVOKED: Final = "desk_revoked"
#: 403 on enrollment: the code is past its expiry (see ``reissue-code``).
ERROR_ENROLLMENT_CODE_EXPIRED: Final = "enrollment_code_expired"
#: 409 on enrollment: a numbering prefix the desk used before enrolling is
#: held by another desk (its own site and window, or recorded for it).
ERROR_PREFIX_TAKEN: Final = "prefix_taken"
#: 409 on enrollment: a prefix of another site that is not provisional.
ERROR_PREFIX_OTHER_SITE: Final = "prefix_other_site"
#: 429: too many requests; wait ``Retry-After`` seconds.
ERROR_RATE_LIMITED: Final = "rate_limited"
#: 413 on a blob chunk: the desk's unfinished uploads exceed its quota.
ERROR_UPLOAD_QUOTA: Final = "upload_quota_exceeded"
#: 422: a request that does not fit the wire schema (``detail`` says where).
ERROR_INVALID_REQUEST: Final = "invalid_request"
ERROR_LOOKUP_REFUSED: Final = "certificate_lookup_refused"

# Application statuses (DESIGN.md "Status model").
STATUS_DRAFT: Final = "draft"
STATUS_SUBMITTED: Final = "submitted"
STATUS_IN_REVIEW: Final = "in_review"
STATUS_APPROVED: Final = "approved"
STATUS_DENIED: Final = "denied"
STATUS_RESULT_READY: Final = "result_ready"
STATUS_DELIVERED: Final = "delivered"
STATUS_NOTIFIED_TO_SUPPLEMENT: Final = "notified_to_supplement"
STATUS_REJECTED: Final = "rejected"
STATUS_WITHDRAWN: Final = "withdrawn"
STATUS_SUSPENDED: Final = "suspended"
#: Statuses the back office sets (arrive at the desk by pull).
BACK_OFFICE_STATUSES: Final = frozenset(
    {
        STATUS_IN_REVIEW,
        STATUS_APPROVED,
        STATUS_DENIED,
        STATUS_SUSPENDED,
        STATUS_RESULT_READY,
    }
)

# Change kinds of the pull feed.
CHANGE_CATALOG_ITEM: Final = "catalog_item"  # body: item dict, or {code, deleted}
# catalog_meta body: the catalog document without its items (format, version,
# conditions, ...) plus "bundles" (一件事) when the server published them.
CHANGE_CATALOG_META: Final = "catalog_meta"
CHANGE_CALENDAR_YEAR: Final = "calendar_year"  # body: {year, holidays, workdays}
CHANGE_USER: Final = "user"  # body: UserBody
CHANGE_APPLICATION_STATUS: Final = "application_status"  # body: StatusChangeBody
CHANGE_SITE_APPLICATION: Final = "site_application"  # body: SiteApplicationBody
#: Another window of the site finished a push with nothing refused: its
#: records are in up to ``pushed_at``. Body: WindowPushBody.
CHANGE_WINDOW_PUSH: Final = "window_push"
#: Version of the change bodies this code understands. A body may carry
#: ``"schema": N``; a desk that knows less quarantines the change (and
#: retries it after an upgrade) instead of guessing.
CHANGE_SCHEMA: Final = 1
CHANGE_SCHEMA_FIELD: Final = "schema"
CHANGE_KINDS: Final = frozenset(
    {
        CHANGE_CATALOG_ITEM,
        CHANGE_CATALOG_META,
        CHANGE_CALENDAR_YEAR,
        CHANGE_USER,
        CHANGE_APPLICATION_STATUS,
        CHANGE_SITE_APPLICATION,
        CHANGE_WINDOW_PUSH,
    }
)

ROLE_CLERK: Final = "clerk"
ROLE_SUPERVISOR: Final = "supervisor"
ROLES: Final = frozenset({ROLE_CLERK, ROLE_SUPERVISOR})

# --- request / response shapes ---------------------------------------------


class ErrorBody(TypedDict):
    error: str  # ERROR_* code
    message: str  # Simplified Chinese, for logs and support
    server_time: NotRequired[str]


class NumberPrefix(TypedDict):
    """A site and window under which a desk issued numbers."""

    site_code: str
    window_code: str


class EnrollRequest(TypedDict):
    code: str
    desk_name: NotRequired[str]
    #: Prefixes of the numbers the desk issued before this enrollment (its
    #: provisional or configured codes); the platform records them for the
    #: desk so those numbers sync unchanged. At most MAX_PREFIXES.
    prefixes: NotRequired[list[NumberPrefix]]


class EnrollResponse(TypedDict):
    desk_id: str
    token: str
    site_code: str
    window_code: str
    server_time: str


class Op(TypedDict):
    op_id: str  # UUIDv7 text, from new_op_id()
    entity: str  # one of ENTITIES
    entity_id: str
    base_version: int | None  # None/0: the desk has never seen a server version
    payload: dict[str, Any]  # application: the full record; may list "blobs"
    created_at: str
    blobs: NotRequired[list[str]]  # sha256 hex of referenced scans


class OpsRequest(TypedDict):
    ops: list[Op]


class OpResult(TypedDict):
    op_id: str
    result: Result
    reason: NotRequired[str]  # REASON_* when rejected
    detail: NotRequired[str]  # e.g. which blob is missing
    message: NotRequired[str]  # rejected: the reason in Chinese, for the clerk
    server_version: NotRequired[int]  # applications: version after this op
    current: NotRequired[dict[str, Any]]  # conflict: the server's record
    status_url: NotRequired[str]  # applications: public status page path


class OpsResponse(TypedDict):
    results: list[OpResult]
    server_time: str


class BlobStatus(TypedDict):
    sha256: str
    offset: int
    complete: bool


class Change(TypedDict):
    seq: int
    kind: str  # one of CHANGE_KINDS
    body: dict[str, Any]


class ChangesResponse(TypedDict):
    changes: list[Change]
    cursor: str  # opaque; pass back as ?since=
    more: bool
    resnapshot: bool
    server_time: str


class UserBody(TypedDict):
    username: str
    display_name: str
    role: str
    site_code: str
    password_verifier: str  # hash_password() format
    active: bool


class StatusChangeBody(TypedDict):
    application_id: str
    acceptance_no: str
    status: str
    version: int  # the server's version after the change: next base_version
    note: str
    at: str


class SiteApplicationBody(TypedDict):
    application_id: str
    desk_id: str
    window_code: str
    acceptance_no: str
    status: str
    version: int
    record: dict[str, Any]  # the owning desk's application record, read-only
    updated_at: str


class WindowPushBody(TypedDict):
    site_code: str
    window_code: str
    desk_id: str
    pushed_at: str


class Certificate(TypedDict):
    id_number: str
    cert_type: str
    name: str
    issuer: str
    valid_until: str


class CertificatesResponse(TypedDict):
    certificates: list[Certificate]
    server_time: str


class TimeResponse(TypedDict):
    server_time: str


# --- helpers both sides use ------------------------------------------------------


def utc_now_iso() -> str:
    """Server timestamps: UTC, ISO 8601 with milliseconds and ``+00:00``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8, no NaN: the same bytes on both sides."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


#: Op fields that define its meaning; ``created_at`` is metadata, not hashed.
OP_HASH_FIELDS: Final = (
    "op_id",
    "entity",
    "entity_id",
    "base_version",
    "payload",
    "blobs",
)


def body_hash(op: Op | dict[str, Any]) -> str:
    """SHA-256 hex of the op's canonical body, for idempotency on ``op_id``.

    A missing ``blobs`` and an empty one hash alike; ``base_version`` 0 and
    None too, so a resend after a round trip through a database still matches.
    """
    body: dict[str, Any] = {k: op.get(k) for k in OP_HASH_FIELDS}
    body["blobs"] = sorted(body["blobs"] or [])
    body["base_version"] = body["base_version"] or 0
    return hashlib.sha256(canonical_json(body)).hexdigest()


def op_blobs(op: Op | dict[str, Any]) -> list[str]:
    """Every blob an op references: ``op["blobs"]`` and ``payload["blobs"]``
    (anything there that is not a string is ignored here; the server rejects
    such a payload)."""
    found: list[Any] = list(op.get("blobs") or [])
    payload = op.get("payload")
    if isinstance(payload, dict) and isinstance(payload.get("blobs"), list):
        found.extend(payload["blobs"])
    return sorted({b for b in found if isinstance(b, str)})


def is_sha256_hex(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


# --- password verifiers ---------------------------------------------------------

SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
SCRYPT_DKLEN: Final = 32
_SCRYPT_MAXMEM: Final = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt_b64$hash_b64`` (standard base64, no padding)."""
    salt = os.urandom(16)
    key = hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        dklen=SCRYPT_DKLEN,
        maxmem=_SCRYPT_MAXMEM,
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


#: A seventh field on a verifier: the password was set by an administrator
#: and must be changed at the next sign-in (desks force the change).
MUST_CHANGE_MARK: Final = "change"


def mark_must_change(verifier: str) -> str:
    """The same verifier, marked as a password to change on first sign-in."""
    return (
        verifier if verifier_must_change(verifier) else f"{verifier}${MUST_CHANGE_MARK}"
    )


def verifier_must_change(verifier: str) -> bool:
    parts = verifier.split("$")
    return len(parts) == 7 and parts[6] == MUST_CHANGE_MARK


def is_password_verifier(verifier: str) -> bool:
    """Well-formed and with parameters this module is willing to compute."""
    parts = verifier.split("$")
    if len(parts) == 7 and parts[6] == MUST_CHANGE_MARK:
        parts = parts[:6]
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, key = _unb64(parts[4]), _unb64(parts[5])
    except ValueError:
        return False
    # Bounded so a hostile verifier cannot make a login take minutes.
    return (
        2 <= n <= 2**20
        and n & (n - 1) == 0
        and 1 <= r <= 32
        and 1 <= p <= 16
        and 128 * n * r * p <= _SCRYPT_MAXMEM
        and len(salt) >= 8
        and len(key) >= 16
    )


def verify_password(password: str, verifier: str) -> bool:
    if not is_password_verifier(verifier):
        return False
    _, n, r, p, salt_b64, key_b64 = verifier.split("$")[:6]
    expected = _unb64(key_b64)
    key = hashlib.scrypt(
        password.encode("utf-8"),
        salt=_unb64(salt_b64),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(expected),
        maxmem=_SCRYPT_MAXMEM,
    )
    return hmac.compare_digest(key, expected)


# --- op ids (UUIDv7, RFC 9562) ---------------------------------------------------

_uuid_lock = threading.Lock()
_last_ms = 0
_counter = 0
_COUNTER_BITS: Final = 12  # rand_a holds a counter: monotonic within a ms
_COUNTER_MAX: Final = (1 << _COUNTER_BITS) - 1


def new_op_id() -> str:
    """A UUIDv7 string: 48-bit Unix ms, version 7, 12-bit counter, variant 10,
    62 random bits. Strictly increasing within this process, even when
    several ids fall in one millisecond or the clock steps back."""
    global _last_ms, _counter
    with _uuid_lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms = ms
            # Start low in the counter space so a busy ms has room to count.
            _counter = secrets.randbits(_COUNTER_BITS - 1)
        else:
            _counter += 1
            if _counter > _COUNTER_MAX:
                _last_ms += 1  # borrow the next ms rather than repeat
                _counter = 0
        ms, counter = _last_ms, _counter
    rand_b = secrets.randbits(62)
    value = (
        (ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
    )
    return str(uuid.UUID(int=value))


def op_id_timestamp_ms(op_id: str) -> int:
    """The Unix millisecond an op id was made (for ordering and debugging)."""
    return uuid.UUID(op_id).int >> 80


# --- small client helpers ---------------------------------------------------------


def auth_headers(token: str) -> dict[str, str]:
    return {HEADER_AUTHORIZATION: f"Bearer {token}"}


def content_range(start: int, length: int, total: int) -> str:
    """``Content-Range`` for a chunk of ``length`` bytes at ``start``."""
    return f"bytes {start}-{start + length - 1}/{total}"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_server_time(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def clock_skew_seconds(server_time: str, local_now: datetime | None = None) -> float:
    """Local clock minus server clock, in seconds (positive: desk is ahead)."""
    local = local_now or datetime.now(UTC)
    if local.tzinfo is None:
        local = local.astimezone()
    return (local - parse_server_time(server_time)).total_seconds()


def skew_warning(server_time: str, local_now: datetime | None = None) -> bool:
    """True when the skew deserves the status-bar warning (never a block)."""
    return abs(clock_skew_seconds(server_time, local_now)) > CLOCK_SKEW_WARNING_SECONDS


# --- audit trail: events as an SM3 hash chain (等保 安全审计) -----------------
#
# Every desk event carries ``seq`` (1, 2, 3, … per desk), ``prev_hash`` (the
# hash of event ``seq - 1``; GENESIS_HASH for the first) and ``hash`` =
# SM3 over the canonical JSON of EVENT_HASH_FIELDS. Events travel as ops of
# entity ``event`` (op_id = the event's uid, entity_id = str(seq), payload =
# :class:`EventPayload`); the platform stores them append-only per desk and
# refuses a different event under a sequence it already holds
# (REASON_EVENT_CHANGED). After each round's events the desk posts its chain
# head (:class:`AuditHead`) to ``POST /api/v1/audit/head``; the platform
# compares it with what it holds and answers :class:`AuditHeadResponse`.

PATH_AUDIT_HEAD: Final = API_PREFIX + "/audit/head"
REASON_EVENT_CHANGED: Final = "event differs from the one stored under its sequence"
AUDIT_CHAIN_VERSION: Final = 1
GENESIS_HASH: Final = "0" * 64
EVENT_HASH_FIELDS: Final = (
    "seq",
    "at",
    "actor",
    "kind",
    "object",
    "outcome",
    "application_id",
    "detail",
    "prev_hash",
)
OUTCOME_SUCCESS: Final = "success"
OUTCOME_FAILURE: Final = "failure"
# What a broken link is.
BREAK_ALTERED: Final = "altered"
BREAK_DELETED: Final = "deleted"
BREAK_REORDERED: Final = "reordered"


class EventPayload(TypedDict):
    seq: int
    at: str
    actor: str
    kind: str
    object: str
    outcome: str
    application_id: str | None
    detail: str  # the stored JSON text, hashed as is
    prev_hash: str
    hash: str


class AuditBreak(TypedDict):
    seq: int
    at: str
    problem: str  # BREAK_*
    detail: str


class AuditHead(TypedDict):
    head_seq: int  # last event on the desk (0: none)
    head_hash: str  # its stored hash
    count: int  # events the desk holds in (anchor_seq, head_seq]
    anchor_seq: int  # last archived sequence (0: nothing archived)
    #: The head recomputed from the rows (present when the desk walked its
    #: chain this round): differs from the platform's hash at ``head_seq``
    #: when any event up to it was edited, even without fixing hashes.
    chain_hash: NotRequired[str]
    broken: NotRequired[AuditBreak]  # the desk's own first broken link


class AuditHeadResponse(TypedDict):
    ok: bool
    platform_seq: int  # the highest sequence the platform holds of this desk
    problems: list[AuditBreak]
    server_time: str


def sm3_hex(data: bytes) -> str:
    """SM3 (GB/T 32905) through ``cryptography``'s OpenSSL."""
    from cryptography.hazmat.primitives import hashes

    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def event_hash(event: Mapping[str, Any]) -> str:
    """The hash an event must carry: SM3 of ``[version, *fields]``."""
    body = [AUDIT_CHAIN_VERSION, *(event.get(k) for k in EVENT_HASH_FIELDS)]
    return sm3_hex(canonical_json(body))


def check_chain(
    rows: Iterable[Mapping[str, Any]],
    *,
    anchor_seq: int = 0,
    anchor_hash: str = GENESIS_HASH,
    hash_known: Callable[[str], bool] | None = None,
) -> tuple[int, AuditBreak | None, str]:
    """Walk events in ``seq`` order from an anchor; stop at the first broken
    link. Returns (events checked, the break or None, the head hash as
    recomputed). ``hash_known(h)`` tells whether some event of the chain
    carries hash ``h`` (a moved event), for naming reordering."""
    prev_seq, prev_hash, prev_at = anchor_seq, anchor_hash, ""
    count = 0
    for row in rows:
        seq, at = int(row["seq"]), str(row["at"])
        if seq != prev_seq + 1:
            if seq <= prev_seq:
                return count, _break(seq, at, BREAK_REORDERED, "seq out of order"), ""
            missing = (
                f"{prev_seq + 1}"
                if seq == prev_seq + 2
                else f"{prev_seq + 1}–{seq - 1}"
            )
            return (
                count,
                _break(prev_seq + 1, prev_at or at, BREAK_DELETED, missing),
                "",
            )
        recomputed = event_hash(row)
        moved = row["prev_hash"] != prev_hash and bool(
            hash_known and hash_known(row["prev_hash"])
        )
        if recomputed != row["hash"]:
            problem = BREAK_REORDERED if moved else BREAK_ALTERED
            return count, _break(seq, at, problem, "hash does not match content"), ""
        if row["prev_hash"] != prev_hash:
            if moved:
                return count, _break(seq, at, BREAK_REORDERED, "previous link"), ""
            if prev_seq > anchor_seq:  # the previous event was rewritten
                return count, _break(prev_seq, prev_at, BREAK_ALTERED, "rehashed"), ""
            return count, _break(seq, at, BREAK_ALTERED, "anchor link"), ""
        prev_seq, prev_hash, prev_at = seq, recomputed, at
        count += 1
    return count, None, prev_hash


def _break(seq: int, at: str, problem: str, detail: str) -> AuditBreak:
    return AuditBreak(seq=seq, at=at, problem=problem, detail=detail)


# --- input limits (the server refuses anything outside them with 422) -----------

MAX_OPS_PER_REQUEST: Final = 1000
MAX_BLOBS_PER_OP: Final = 200
#: Any string anywhere in a request, in characters (a note, an address).
MAX_TEXT_CHARS: Final = 4000
#: Identifiers and codes: op ids, entity ids, acceptance numbers, keys.
MAX_CODE_CHARS: Final = 64
MAX_NAME_CHARS: Final = 100  # desk names, people's names
MAX_KEY_CHARS: Final = 200
MAX_JSON_DEPTH: Final = 12
MAX_JSON_ITEMS: Final = 5000  # values in one op payload, all levels
#: ``base_version`` and other integers must fit a JSON double exactly.
MAX_SAFE_INT: Final = 2**53 - 1
#: Payload fields holding a person's or organisation's name.
NAME_FIELDS: Final = frozenset({"applicant_name", "agent_name", "desk_name"})
#: Organisation names run longer than people's.
MAX_ORG_NAME_CHARS: Final = 200
UUID_PATTERN: Final = (
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
#: Entity ids: a UUID, or a composite id of letters, digits and ``-_.:/``
#: (day closes ``site:window:date``, material files ``app-id/row``).
ENTITY_ID_PATTERN: Final = r"^[0-9A-Za-z][0-9A-Za-z_.:/-]{0,127}$"
#: Entities whose ``entity_id`` is a UUID made by the desk.
UUID_ENTITIES: Final = frozenset(
    {ENTITY_APPLICATION, ENTITY_CONSULTATION, ENTITY_EVALUATION, ENTITY_SIGNATURE}
)
ALL_STATUSES: Final = frozenset(
    {
        STATUS_DRAFT,
        STATUS_SUBMITTED,
        STATUS_IN_REVIEW,
        STATUS_APPROVED,
        STATUS_DENIED,
        STATUS_RESULT_READY,
        STATUS_DELIVERED,
        STATUS_NOTIFIED_TO_SUPPLEMENT,
        STATUS_REJECTED,
        STATUS_WITHDRAWN,
        STATUS_SUSPENDED,
    }
)
#: An acceptance number as desks make them (``domain/numbering.py``: site
#: and window codes, then the date and the window's sequence).
ACCEPTANCE_NO_PATTERN: Final = r"^[0-9A-Z]{8,16}[0-9]{12,13}$"
STATUS_KEY_PATTERN: Final = r"^[0-9a-fA-F]{12,64}$"
ENROLLMENT_CODE_PATTERN: Final = r"^[0-9A-Za-z -]{1,40}$"
SHA256_PATTERN: Final = r"^[0-9a-f]{64}$"
SITE_CODE_PATTERN: Final = "^" + codes.SITE_CODE_PATTERN + "$"
WINDOW_CODE_PATTERN: Final = "^" + codes.WINDOW_CODE_PATTERN + "$"
#: Numbering prefixes one enrollment may record.
MAX_PREFIXES: Final = 50


def json_problem(value: Any, *, path: str = "$") -> str | None:
    """Where a decoded JSON value breaks the wire rules, or None: numbers
    finite and within ±2**53, text valid Unicode (no lone surrogates, no
    NUL) and at most :data:`MAX_TEXT_CHARS` (people's names
    :data:`MAX_NAME_CHARS`), keys at most :data:`MAX_KEY_CHARS`, depth and
    size bounded."""
    budget = [MAX_JSON_ITEMS]

    def walk(item: Any, where: str, depth: int, key: str) -> str | None:
        budget[0] -= 1
        if budget[0] < 0:
            return f"{where}: too many values"
        if depth > MAX_JSON_DEPTH:
            return f"{where}: nested too deep"
        if isinstance(item, bool) or item is None:
            return None
        if isinstance(item, int):
            return None if abs(item) <= MAX_SAFE_INT else f"{where}: integer too large"
        if isinstance(item, float):
            finite = item == item and abs(item) != float("inf")
            return None if finite else f"{where}: not a finite number"
        if isinstance(item, str):
            return text_problem(item, where, _max_chars(key))
        if isinstance(item, list):
            for i, sub in enumerate(item):
                if problem := walk(sub, f"{where}[{i}]", depth + 1, key):
                    return problem
            return None
        if isinstance(item, dict):
            for k, sub in item.items():
                if not isinstance(k, str) or text_problem(k, where, MAX_KEY_CHARS):
                    return f"{where}: bad key"
                if problem := walk(sub, f"{where}.{k}", depth + 1, k):
                    return problem
            return None
        return f"{where}: not JSON"

    return walk(value, path, 0, "")


def text_problem(text: str, where: str, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    if len(text) > max_chars:
        return f"{where}: longer than {max_chars} characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return f"{where}: not valid Unicode"
    if "\x00" in text:
        return f"{where}: NUL character"
    return None


def _max_chars(key: str) -> int:
    if key in NAME_FIELDS:
        return MAX_NAME_CHARS
    if key == "org_name":
        return MAX_ORG_NAME_CHARS
    return MAX_TEXT_CHARS


# --- 排队叫号: the site's hall queue on the platform (central/queue.py) ------
PATH_QUEUE: Final = API_PREFIX + "/queue"
#: GET: the hall's types, waiting counts and recent calls (own site).
PATH_QUEUE_HALL: Final = PATH_QUEUE + "/hall"
#: POST {business_type}: issue a ticket (a kiosk desk).
PATH_QUEUE_TICKETS: Final = PATH_QUEUE + "/tickets"
#: POST {types}: call the next ticket to the calling desk's window.
PATH_QUEUE_CALL: Final = PATH_QUEUE + "/call"
#: POST: PATH_QUEUE_TICKETS + "/{id}/" + one of these (transfer: {window_code}).
QUEUE_ACTIONS: Final = ("recall", "skip", "done", "transfer")
ERROR_QUEUE_CONFLICT: Final = "queue_conflict"
MAX_QUEUE_TYPES: Final = 26
