"""Enrolling this desk with the central platform: a supervisor gives the
server address and a one-time code; the desk keeps its id in settings and
its token in the OS keyring."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from counter_app.i18n import _
from counter_app.store import settings
from counter_app.store.db import Store
from sync import protocol as p
from sync.credentials import save_token
from sync.transport import ProtocolError, SyncError, Timeouts, Transport


class EnrollmentError(SyncError):
    """Enrollment failed; the message says what to check."""


@dataclass(frozen=True)
class Enrollment:
    desk_id: str
    site_code: str
    window_code: str
    server_url: str


def enroll(
    store: Store,
    *,
    server_url: str,
    code: str,
    ca_cert: Path | str | None = None,
    desk_name: str | None = None,
) -> Enrollment:
    url = server_url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise EnrollmentError(
            _("服务器地址“{url}”应以 http:// 或 https:// 开头。").format(url=server_url)
        )
    if not code.strip():
        raise EnrollmentError(_("请填写中心平台发放的一次性注册码。"))
    verify: bool | str = True
    if ca_cert:
        cert = Path(ca_cert)
        if not cert.is_file():
            raise EnrollmentError(
                _("找不到 CA 证书文件 {path}，请检查路径。").format(path=cert)
            )
        verify = str(cert.resolve())
    request: dict[str, str] = {"code": code.strip()}
    if desk_name:
        request["desk_name"] = desk_name
    transport = Transport(url, verify=verify, timeouts=Timeouts(read_base=30.0))
    try:
        answer = transport.json_call("POST", p.PATH_ENROLL, payload=request)
    except ProtocolError as exc:
        if exc.status == 403:
            raise EnrollmentError(
                _("注册码无效或已被使用，请向中心平台管理员申请新的注册码。")
            ) from exc
        raise EnrollmentError(str(exc)) from exc
    finally:
        transport.close()
    try:
        desk_id = str(answer["desk_id"])
        token = str(answer["token"])
        site_code = str(answer["site_code"])
        window_code = str(answer["window_code"])
    except KeyError as exc:
        raise EnrollmentError(
            _("中心平台的注册应答缺少字段 {field}。").format(field=exc)
        ) from exc
    save_token(desk_id, token)  # first: without a keyring nothing changes here
    with store.transaction() as db:
        settings.put(db, "server_url", url)
        settings.put(db, "server_ca_cert", verify if isinstance(verify, str) else "")
        settings.put(db, "desk_id", desk_id)
        settings.put(db, "site_code", site_code)
        settings.put(db, "window_code", window_code)
        # A new server means a new feed: start from a full snapshot.
        db.execute("DELETE FROM sync_state WHERE key = 'cursor'")
    return Enrollment(desk_id, site_code, window_code, url)
