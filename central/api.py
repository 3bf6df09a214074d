"""The HTTP API (FastAPI). Shapes and names come from :mod:`sync.protocol`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from sync import protocol as p

from . import admin, certificates, feed, ops
from .blobs import BlobError, BlobStore, parse_content_range
from .db import Database
from .limits import BodySizeLimit
from .statuspage import desk_key_matches, key_matches, render_status_page


@dataclass
class Settings:
    max_body_bytes: int = p.DEFAULT_MAX_BODY_BYTES
    retention_days: int = feed.DEFAULT_RETENTION_DAYS
    public_url: str = ""  # e.g. https://zwfw.example.gov.cn (status links)
    blobs_dir: Path | None = None


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


def current_desk(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> feed.Desk:
    scheme, _, token = (authorization or "").partition(" ")
    desk = None
    if scheme.lower() == "bearer" and token.strip():
        desk = admin.desk_for_token(request.app.state.db, token.strip())
    if desk is None:
        raise ApiError(
            401,
            p.ERROR_UNAUTHORIZED,
            "终端未注册或令牌已失效，请重新注册",
            {"WWW-Authenticate": "Bearer"},
        )
    return desk


DeskDep = Annotated[feed.Desk, Depends(current_desk)]


def create_app(db: Database, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    secret = db.meta("secret") or ""
    blobs_root = settings.blobs_dir or (db.data_dir or Path.cwd()) / "blobs"
    store = BlobStore(db=db, root=blobs_root)
    ctx = ops.OpsContext(
        db=db, secret=secret, public_url=settings.public_url.rstrip("/")
    )

    app = FastAPI(title="Counter central platform", version="1")
    app.state.db = db
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc)

    @app.get(p.PATH_TIME)
    def get_time() -> p.TimeResponse:
        """Public: desks measure clock skew before and after enrollment."""
        return p.TimeResponse(server_time=p.utc_now_iso())

    @app.post(p.PATH_ENROLL)
    def post_enroll(req: p.EnrollRequest) -> p.EnrollResponse:
        try:
            return admin.enroll(db, code=req["code"], desk_name=req.get("desk_name"))
        except admin.AdminError as exc:
            raise ApiError(403, exc.code, str(exc)) from None

    @app.post(p.PATH_OPS)
    def post_ops(req: p.OpsRequest, desk: DeskDep) -> p.OpsResponse:
        results = ops.apply_ops(ctx, desk, req["ops"])
        if results and all(r["result"] in p.SUCCESS_RESULTS for r in results):
            feed.record_push(db, desk)
        return p.OpsResponse(results=results, server_time=p.utc_now_iso())

    @app.get(p.PATH_CHANGES)
    def get_changes(
        desk: DeskDep,
        since: str | None = None,
        limit: Annotated[int, Query(ge=1, le=p.MAX_CHANGES_LIMIT)] = (
            p.DEFAULT_CHANGES_LIMIT
        ),
    ) -> p.ChangesResponse:
        return feed.read_changes(db, desk, since=since, limit=limit)

    @app.get(p.PATH_CERTIFICATES)
    def get_certificates(
        desk: DeskDep,
        id_number: str,
        application_id: str = "",
        clerk: str = "",
        purpose: str = "",
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
        status = store.status(_check_sha(sha256))
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
            already = await run_in_threadpool(store.status, sha)
            if already is not None and already["complete"]:
                return JSONResponse(dict(already), headers=_blob_headers(already))
            start, total = parse_content_range(content_range, len(data))
            status = await run_in_threadpool(
                lambda: store.put_chunk(sha, start=start, total=total, data=data)
            )
        except BlobError as exc:
            headers = {
                p.HEADER_UPLOAD_OFFSET: str(exc.offset),
                p.HEADER_UPLOAD_COMPLETE: "0",
            }
            raise ApiError(exc.status, exc.error, str(exc), headers) from None
        return JSONResponse(dict(status), headers=_blob_headers(status))

    @app.get(p.PATH_STATUS_PAGE + "/{acceptance_no}", response_class=HTMLResponse)
    def status_page(acceptance_no: str, k: str | None = None) -> HTMLResponse:
        html = None
        if key_matches(secret, acceptance_no, k) or desk_key_matches(
            db, acceptance_no, k
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
    )
    return create_app(db, settings)
