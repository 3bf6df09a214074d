"""The HTTP API (FastAPI). Shapes and names come from :mod:`sync.protocol`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response

from sync import protocol as p

from . import admin, audit, certificates, feed, ops, wire
from . import queue as hall_queue
from .blobs import (
    DEFAULT_PARTIAL_QUOTA_BYTES,
    DEFAULT_STALE_HOURS,
    BlobError,
    BlobStore,
    parse_content_range,
)
from .db import Database
from .limits import (
    DEFAULT_MAX_CONCURRENT,
    BodySizeLimit,
    ConcurrencyLimit,
    Rate,
    RateLimiter,
    retry_after_header,
)
from .retention import DEFAULT_ARCHIVE_AFTER_DAYS
from .statuspage import desk_key_matches, key_matches, render_status_page


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Settings:
    max_body_bytes: int = p.DEFAULT_MAX_BODY_BYTES
    retention_days: int = feed.DEFAULT_RETENTION_DAYS
    public_url: str = ""  # e.g. https://zwfw.example.gov.cn (status links)
    blobs_dir: Path | None = None
    #: /docs and /openapi.json are served only in development.
    dev: bool = False
    stale_upload_hours: float = DEFAULT_STALE_HOURS
    partial_quota_bytes: int = DEFAULT_PARTIAL_QUOTA_BYTES
    # Rate limits, requests per minute (0 = off): per source address for
    # enrollment, the public status page and failed authentications; per
    # desk for everything a desk sends.
    limit_enroll: int = 10
    limit_status: int = 60
    limit_auth_failures: int = 30
    limit_desk: int = 6000
    #: API requests in progress per worker past which the answer is 429
    #: with Retry-After (0 = no limit).
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    #: Closed applications older than this leave the hot tables at start
    #: (central/retention.py; 0 = never).
    archive_after_days: int = DEFAULT_ARCHIVE_AFTER_DAYS
    #: The platform's clock (enrollment code expiry, upload expiry).
    clock: Callable[[], datetime] = field(default=_utc_now)


@dataclass
class Limits:
    enroll: RateLimiter
    status: RateLimiter
    auth_failures: RateLimiter
    desk: RateLimiter

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            enroll=RateLimiter(Rate(settings.limit_enroll, settings.limit_enroll)),
            status=RateLimiter(Rate(settings.limit_status, settings.limit_status)),
            auth_failures=RateLimiter(
                Rate(settings.limit_auth_failures, settings.limit_auth_failures)
            ),
            desk=RateLimiter(
                Rate(settings.limit_desk, max(1, settings.limit_desk // 10))
            ),
        )


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.headers = headers or {}


def _error_response(exc: ApiError) -> JSONResponse:
    body = p.ErrorBody(
        error=exc.error, message=exc.message, server_time=p.utc_now_iso()
    )
    return JSONResponse(dict(body), status_code=exc.status, headers=exc.headers)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def rate_limited(wait: float, what: str) -> ApiError:
    return ApiError(
        429,
        p.ERROR_RATE_LIMITED,
        f"{what}过于频繁，请 {max(1, round(wait))} 秒后再试",
        retry_after_header(wait),
    )


def current_desk(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> feed.Desk:
    """The desk of a valid bearer token. Failures count per source address
    (and per desk for a revoked token): past the limit they answer 429.
    A valid token is never blocked by someone else's failures."""
    limits: Limits = request.app.state.limits
    scheme, _, token = (authorization or "").partition(" ")
    owner = None
    if scheme.lower() == "bearer" and token.strip():
        owner = admin.token_owner(request.app.state.db, token.strip())
    if owner is not None and not owner.revoked:
        wait = limits.desk.hit(owner.desk.id)
        if wait:
            raise rate_limited(wait, "本终端的请求")
        return owner.desk
    wait = limits.auth_failures.hit(client_address(request))
    if owner is not None:
        wait = max(wait, limits.auth_failures.hit("desk:" + owner.desk.id))
    if wait:
        raise rate_limited(wait, "认证失败")
    # The reason also travels in WWW-Authenticate: a HEAD answer has no body.
    if owner is not None:
        raise ApiError(
            401,
            p.ERROR_DESK_REVOKED,
            "本终端已被平台吊销，请联系平台管理员",
            {"WWW-Authenticate": f'Bearer error="{p.ERROR_DESK_REVOKED}"'},
        )
    raise ApiError(
        401,
        p.ERROR_UNAUTHORIZED,
        "终端未注册或令牌已失效，请重新注册",
        {"WWW-Authenticate": f'Bearer error="{p.ERROR_UNAUTHORIZED}"'},
    )


DeskDep = Annotated[feed.Desk, Depends(current_desk)]


def create_app(db: Database, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    secret = db.meta("secret") or ""
    blobs_root = settings.blobs_dir or (db.data_dir or Path.cwd()) / "blobs"
    store = BlobStore(
        db=db,
        root=blobs_root,
        stale_after=timedelta(hours=settings.stale_upload_hours),
        quota_bytes=settings.partial_quota_bytes,
        clock=settings.clock,
    )
    ctx = ops.OpsContext(
        db=db, secret=secret, public_url=settings.public_url.rstrip("/")
    )
    limits = Limits.of(settings)

    app = FastAPI(
        title="Counter central platform",
        version="1",
        docs_url="/docs" if settings.dev else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.dev else None,
    )
    app.state.db = db
    app.state.limits = limits
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    # Outermost: an overloaded worker answers before reading anything.
    app.add_middleware(ConcurrencyLimit, max_inflight=settings.max_concurrent)
    app.add_exception_handler(RequestValidationError, wire.validation_error)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc)

    @app.get(p.PATH_TIME)
    def get_time() -> p.TimeResponse:
        """Public: desks measure clock skew before and after enrollment."""
        return p.TimeResponse(server_time=p.utc_now_iso())

    @app.post(p.PATH_ENROLL)
    def post_enroll(req: wire.EnrollIn, request: Request) -> p.EnrollResponse:
        wait = limits.enroll.hit(client_address(request))
        if wait:
            raise rate_limited(wait, "注册尝试")
        try:
            return admin.enroll(
                db,
                code=req.code,
                desk_name=req.desk_name,
                now=settings.clock(),
                prefixes=[(x.site_code, x.window_code) for x in req.prefixes],
            )
        except admin.AdminError as exc:
            prefix = (p.ERROR_PREFIX_TAKEN, p.ERROR_PREFIX_OTHER_SITE)
            status = 409 if exc.code in prefix else 403
            raise ApiError(status, exc.code, str(exc)) from None

    @app.post(p.PATH_OPS)
    def post_ops(req: wire.OpsIn, desk: DeskDep) -> p.OpsResponse:
        results: list[p.OpResult | None] = []
        valid: list[p.Op] = []
        for item in req.ops:
            op = item.wire()
            problem = wire.op_problem(op)
            if problem:  # this record only; the rest of the batch goes on
                results.append(
                    p.OpResult(
                        op_id=op["op_id"],
                        result="rejected",
                        reason=p.REASON_INVALID_PAYLOAD,
                        detail=problem,
                    )
                )
            else:
                results.append(None)
                valid.append(op)
        # One transaction for the batch (and the push record, if all is in).
        applied = iter(
            ops.apply_ops(ctx, desk, valid, record_push=len(valid) == len(results))
            if valid
            else []
        )
        merged = [r if r is not None else next(applied) for r in results]
        return p.OpsResponse(results=merged, server_time=p.utc_now_iso())

    @app.post(p.PATH_AUDIT_HEAD)
    def post_audit_head(head: wire.AuditHeadIn, desk: DeskDep) -> p.AuditHeadResponse:
        return audit.check_head(db, desk, head.head())

    @app.get(p.PATH_CHANGES)
    def get_changes(
        desk: DeskDep,
        since: Annotated[str | None, Query(max_length=p.MAX_CURSOR_CHARS)] = None,
        limit: Annotated[int, Query(ge=1, le=p.MAX_CHANGES_LIMIT)] = (
            p.DEFAULT_CHANGES_LIMIT
        ),
    ) -> p.ChangesResponse:
        return feed.read_changes(db, desk, since=since, limit=limit)

    @app.get(p.PATH_CERTIFICATES)
    def get_certificates(
        desk: DeskDep,
        id_number: Annotated[str, Query(min_length=1, max_length=p.MAX_CODE_CHARS)],
        application_id: Annotated[str, Query(max_length=p.MAX_CODE_CHARS)] = "",
        clerk: Annotated[str, Query(max_length=p.MAX_NAME_CHARS)] = "",
        purpose: Annotated[str, Query(max_length=p.MAX_NAME_CHARS)] = "",
    ) -> p.CertificatesResponse:
        req = certificates.LookupRequest(id_number, application_id, clerk, purpose)
        try:
            certs = certificates.lookup(db, desk, req)
        except certificates.LookupRefused as exc:
            raise ApiError(403, p.ERROR_LOOKUP_REFUSED, str(exc)) from None
        return p.CertificatesResponse(certificates=certs, server_time=p.utc_now_iso())

    def _blob_headers(status: p.BlobStatus | None) -> dict[str, str]:
        return {
            p.HEADER_UPLOAD_OFFSET: str(status["offset"] if status else 0),
            p.HEADER_UPLOAD_COMPLETE: "1" if status and status["complete"] else "0",
        }

    def _check_sha(sha256: str) -> str:
        sha = sha256.lower()
        if not p.is_sha256_hex(sha):
            raise ApiError(404, p.ERROR_NOT_FOUND, "不是 SHA-256 十六进制串")
        return sha

    @app.head(p.PATH_BLOBS + "/{sha256}")
    def head_blob(sha256: str, desk: DeskDep) -> Response:
        status = store.status(_check_sha(sha256), desk.id)
        return Response(
            status_code=200 if status else 404, headers=_blob_headers(status)
        )

    @app.put(p.PATH_BLOBS + "/{sha256}")
    async def put_blob(
        sha256: str,
        request: Request,
        desk: DeskDep,
        content_range: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        sha = _check_sha(sha256)
        data = await request.body()
        try:
            already = await run_in_threadpool(store.status, sha, desk.id)
            if already is not None and already["complete"]:
                return JSONResponse(dict(already), headers=_blob_headers(already))
            start, total = parse_content_range(content_range, len(data))
            status = await run_in_threadpool(
                lambda: store.put_chunk(
                    sha, desk_id=desk.id, start=start, total=total, data=data
                )
            )
        except BlobError as exc:
            headers = {
                p.HEADER_UPLOAD_OFFSET: str(exc.offset),
                p.HEADER_UPLOAD_COMPLETE: "0",
            }
            raise ApiError(exc.status, exc.error, str(exc), headers) from None
        return JSONResponse(dict(status), headers=_blob_headers(status))

    hall_queue.add_routes(
        app, db, clock=settings.clock, current_desk=current_desk, error=ApiError
    )

    @app.get(p.PATH_STATUS_PAGE + "/{acceptance_no}", response_class=HTMLResponse)
    def status_page(
        request: Request, acceptance_no: str, k: str | None = None
    ) -> HTMLResponse:
        wait = limits.status.hit(client_address(request))
        if wait:
            raise rate_limited(wait, "查询")
        html = None
        # A key is hex; anything else (or an overlong number) is not found.
        if (
            len(acceptance_no) <= p.MAX_CODE_CHARS
            and wire.is_status_key(k)
            and (
                key_matches(secret, acceptance_no, k)
                or desk_key_matches(db, acceptance_no, k)
            )
        ):
            html = render_status_page(db, acceptance_no)
        if html is None:  # same answer for a wrong key and an unknown number
            return HTMLResponse(_NOT_FOUND, status_code=404)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    return app


_NOT_FOUND = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
    "<title>未找到</title></head><body><p>未找到该办件，请核对回执上的查询链接或二维码。"
    "</p></body></html>"
)


ENV_PREFIX = "CENTRAL_"


def settings_to_env(
    *, db_path: str | None, database_url: str | None, settings: Settings
) -> dict[str, str]:
    """What ``app_from_env`` needs, for ``serve --workers N`` (uvicorn starts
    each worker from an import string, so options travel by environment)."""
    env = {
        "DB": str(Path(db_path or "central.db").resolve()) if not database_url else "",
        "DATABASE_URL": database_url or "",
        "MAX_BODY_BYTES": str(settings.max_body_bytes),
        "RETENTION_DAYS": str(settings.retention_days),
        "PUBLIC_URL": settings.public_url,
        "BLOBS_DIR": str(settings.blobs_dir.resolve()) if settings.blobs_dir else "",
        "DEV": "1" if settings.dev else "",
        "STALE_UPLOAD_HOURS": str(settings.stale_upload_hours),
        "PARTIAL_QUOTA_BYTES": str(settings.partial_quota_bytes),
        "LIMITS": ",".join(str(n) for n in _limits_of(settings)),
        "MAX_CONCURRENT": str(settings.max_concurrent),
        "ARCHIVE_AFTER_DAYS": str(settings.archive_after_days),
    }
    return {ENV_PREFIX + k: v for k, v in env.items()}


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers: ``central.api:app_from_env``."""
    import os

    from .db import open_database

    env = {
        k[len(ENV_PREFIX) :]: v
        for k, v in os.environ.items()
        if k.startswith(ENV_PREFIX)
    }
    db = open_database(
        db_path=env.get("DB") or None, database_url=env.get("DATABASE_URL") or None
    )
    settings = Settings(
        max_body_bytes=int(env.get("MAX_BODY_BYTES") or p.DEFAULT_MAX_BODY_BYTES),
        retention_days=int(env.get("RETENTION_DAYS") or feed.DEFAULT_RETENTION_DAYS),
        public_url=env.get("PUBLIC_URL", ""),
        blobs_dir=Path(env["BLOBS_DIR"]) if env.get("BLOBS_DIR") else None,
        dev=bool(env.get("DEV")),
        stale_upload_hours=float(env.get("STALE_UPLOAD_HOURS") or DEFAULT_STALE_HOURS),
        partial_quota_bytes=int(
            env.get("PARTIAL_QUOTA_BYTES") or DEFAULT_PARTIAL_QUOTA_BYTES
        ),
        max_concurrent=int(env.get("MAX_CONCURRENT") or DEFAULT_MAX_CONCURRENT),
        archive_after_days=int(
            env.get("ARCHIVE_AFTER_DAYS") or DEFAULT_ARCHIVE_AFTER_DAYS
        ),
    )
    if env.get("LIMITS"):
        (
            settings.limit_enroll,
            settings.limit_status,
            settings.limit_auth_failures,
            settings.limit_desk,
        ) = (int(n) for n in env["LIMITS"].split(","))
    return create_app(db, settings)


def _limits_of(settings: Settings) -> tuple[int, int, int, int]:
    return (
        settings.limit_enroll,
        settings.limit_status,
        settings.limit_auth_failures,
        settings.limit_desk,
    )
