"""Enrolling this desk with the central platform: a supervisor gives the
server address and a one-time code; the desk keeps its id in settings and
its token in the OS keyring.

Two halves, so a window can run the network on its I/O pool and the write
on the store worker: :func:`request_enrollment` (HTTP, then the keyring)
and :func:`save_enrollment` (one store transaction). :func:`enroll` does
both, for the command line and tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from counter_app.i18n import _
from counter_app.services.site import adopt_enrolled_codes, used_prefixes
from counter_app.store import settings
from counter_app.store.db import Store
from counter_app.store.events import add_event
from sync import protocol as p
from sync.credentials import safe_keyring, save_token
from sync.transport import (
    ProtocolError,
    RetryableError,
    SyncError,
    Timeouts,
    Transport,
)
from sync.urls import (
    INSECURE_SETTING,
    InsecureTransport,
    check_platform_url,
    needs_insecure_switch,
)

#: Fields of the enrollment form an error can point at.
FIELD_SERVER = "server_url"
FIELD_CODE = "code"
FIELD_CA_CERT = "ca_cert"


class EnrollmentError(SyncError):
    """Enrollment failed; the message says what to check, ``field`` where."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Enrollment:
    desk_id: str
    site_code: str
    window_code: str
    server_url: str


@dataclass(frozen=True)
class EnrollmentGrant:
    """What the platform answered; the token is already in the keyring."""

    enrollment: Enrollment
    ca_cert: str  # resolved path of the CA file, or "" for the system store
    insecure_http: bool = False  # plain HTTP off this machine, allowed for a lab


def enroll(
    store: Store,
    *,
    server_url: str,
    code: str,
    ca_cert: Path | str | None = None,
    desk_name: str | None = None,
    insecure_http: bool = False,
) -> Enrollment:
    grant = request_enrollment(
        server_url=server_url,
        code=code,
        ca_cert=ca_cert,
        desk_name=desk_name,
        insecure_http=insecure_http,
        prefixes=used_prefixes(store.db),
    )
    return save_enrollment(store, grant)


def request_enrollment(
    *,
    server_url: str,
    code: str,
    ca_cert: Path | str | None = None,
    desk_name: str | None = None,
    timeouts: Timeouts | None = None,
    insecure_http: bool = False,
    prefixes: Sequence[tuple[str, str]] = (),
) -> EnrollmentGrant:
    """Trade the one-time code for a desk id and token; keep the token.
    ``prefixes``: the (site, window) pairs the desk numbered under so far
    (:func:`counter_app.services.site.used_prefixes`), so the platform
    accepts those numbers unchanged. Touches no store, so it may run on any
    thread."""
    url = server_url.strip().rstrip("/")
    if not _plausible_url(url):
        raise EnrollmentError(
            _(
                "服务器地址“{url}”不正确：应以 http:// 或 https:// 开头，"
                "后接服务器名，如 https://zwfw.example.cn。"
            ).format(url=server_url),
            field=FIELD_SERVER,
        )
    try:
        check_platform_url(url, insecure_http=insecure_http)
    except InsecureTransport as exc:
        raise EnrollmentError(str(exc), field=FIELD_SERVER) from exc
    if not code.strip():
        raise EnrollmentError(_("请填写中心平台发放的一次性注册码。"), field=FIELD_CODE)
    # Before the one-time code is spent: is there somewhere safe for the token?
    safe_keyring()
    verify: bool | str = True
    if ca_cert:
        cert = Path(ca_cert)
        if not cert.is_file():
            raise EnrollmentError(
                _("找不到 CA 证书文件 {path}，请检查路径。").format(path=cert),
                field=FIELD_CA_CERT,
            )
        verify = str(cert.resolve())
    request: p.EnrollRequest = {"code": code.strip()}
    if desk_name:
        request["desk_name"] = desk_name
    if prefixes:
        request["prefixes"] = [
            p.NumberPrefix(site_code=site, window_code=window)
            for site, window in prefixes
        ]
    transport = Transport(
        url, verify=verify, timeouts=timeouts or Timeouts(read_base=30.0)
    )
    try:
        answer = transport.json_call("POST", p.PATH_ENROLL, payload=request)
    except ProtocolError as exc:
        if exc.status == 403:
            raise EnrollmentError(
                _("注册码无效或已被使用，请向中心平台管理员申请新的注册码。"),
                field=FIELD_CODE,
            ) from exc
        if exc.error == p.ERROR_PREFIX_OTHER_SITE:
            raise EnrollmentError(
                _(
                    "中心平台拒绝注册：本终端注册前使用的站点代码属于其他站点，"
                    "平台不能登记。请联系中心平台管理员核对本终端的站点设置"
                    "（{detail}）"
                ).format(detail=exc),
                field=FIELD_CODE,
            ) from exc
        if exc.error == p.ERROR_PREFIX_TAKEN:
            raise EnrollmentError(
                _(
                    "中心平台拒绝注册：本终端注册前使用的受理编号前缀已属于"
                    "另一台终端，两台终端的编号会重复。请联系中心平台管理员核对"
                    "（{detail}）"
                ).format(detail=exc),
                field=FIELD_CODE,
            ) from exc
        if exc.status == 404:
            raise EnrollmentError(
                _("地址 {url} 上没有找到中心平台的注册服务，请核对服务器地址。").format(
                    url=url
                ),
                field=FIELD_SERVER,
            ) from exc
        raise EnrollmentError(str(exc), field=FIELD_SERVER) from exc
    except RetryableError as exc:
        raise EnrollmentError(
            _("连不上中心平台 {url}：请核对服务器地址，检查网络连接后重试。").format(
                url=url
            ),
            field=FIELD_SERVER,
        ) from exc
    except SyncError as exc:  # TLS: the server's certificate was not trusted
        raise EnrollmentError(
            _(
                "与 {url} 的加密连接未通过验证：服务器使用自签名证书时，"
                "请选择中心平台提供的 CA 证书文件。"
            ).format(url=url),
            field=FIELD_CA_CERT,
        ) from exc
    finally:
        transport.close()
    try:
        enrollment = Enrollment(
            desk_id=str(answer["desk_id"]),
            site_code=str(answer["site_code"]),
            window_code=str(answer["window_code"]),
            server_url=url,
        )
        token = str(answer["token"])
    except KeyError as exc:
        raise EnrollmentError(
            _("中心平台的注册应答缺少字段 {field}。").format(field=exc)
        ) from exc
    save_token(enrollment.desk_id, token)  # without a keyring nothing is kept
    return EnrollmentGrant(
        enrollment,
        verify if isinstance(verify, str) else "",
        insecure_http=needs_insecure_switch(url),
    )


def save_enrollment(
    store: Store, grant: EnrollmentGrant, *, actor: str = "system"
) -> Enrollment:
    """Record the enrollment in the desk's settings (store worker)."""
    e = grant.enrollment
    with store.transaction() as db:
        settings.put(db, "server_url", e.server_url)
        settings.put(db, "server_ca_cert", grant.ca_cert)
        settings.put(db, INSECURE_SETTING, "1" if grant.insecure_http else "")
        settings.put(db, "desk_id", e.desk_id)
        moved = adopt_enrolled_codes(
            db, site_code=e.site_code, window_code=e.window_code
        )
        settings.put(db, "site_code", e.site_code)
        settings.put(db, "window_code", e.window_code)
        # A new server means a new feed: start from a full snapshot.
        db.execute("DELETE FROM sync_state WHERE key = 'cursor'")
        # ... and the audit chain goes up from its first event again (the
        # same desk answers "duplicate"; a new desk id holds nothing yet).
        db.execute("DELETE FROM sync_state WHERE key = 'audit.pushed_seq'")
        add_event(
            db,
            kind="desk.enrolled",
            actor=actor,
            target=f"desk:{e.desk_id}",
            detail={
                "server_url": e.server_url,
                "site_code": e.site_code,
                "window_code": e.window_code,
                "applications_moved": moved,
            },
        )
    return e


def _plausible_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(c.isspace() for c in url)
    )
