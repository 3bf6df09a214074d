"""The demo's other side: the reference central platform started embedded
on 127.0.0.1, this desk enrolled with it, and a back office that moves
applications along so results come back to the window.

Demo only; a real desk enrolls with the real platform (``main.py enroll``).
"""

from __future__ import annotations

import json
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors

from central.admin import add_user, create_desk, publish_calendar, publish_catalog
from central.demo import run_backoffice
from central.demo import seed_demo as seed_central_demo
from central.embedded import EmbeddedCentral
from counter_app.i18n import _
from counter_app.resources import resource_path
from counter_app.services.demo import DEMO_SITE, DEMO_WINDOW
from counter_app.services.enrollment import enroll
from counter_app.store import settings
from counter_app.store.db import Store
from sync.codes import is_provisional_site_code
from sync.credentials import NoKeyring, allow_backend, load_token, safe_keyring

DEMO_PORT = 8765
RESOURCES = resource_path()


@dataclass
class DemoPlatform:
    central: EmbeddedCentral
    notices: list[str]

    def stop(self) -> None:
        self.central.stop()


def start_demo_platform(
    data_dir: Path, *, backoffice_every: float = 20.0
) -> DemoPlatform:
    """Start central for the demo and make sure this desk is enrolled."""
    notices = _ensure_keyring(data_dir)
    central_dir = data_dir / "central"
    central_dir.mkdir(parents=True, exist_ok=True)
    db_path = central_dir / "central.sqlite3"
    fresh = not db_path.exists()
    port = DEMO_PORT if _port_free(DEMO_PORT) else 0
    central = EmbeddedCentral(db_path, port=port)
    url = central.start()
    with Store.open(data_dir) as store:
        ident = settings.identity(store.db)
        site_code, window_code = ident.site_code, ident.window_code
        if is_provisional_site_code(site_code):
            # Numbers made under the provisional code keep it: enrollment
            # records that prefix for this desk.
            site_code, window_code = DEMO_SITE, DEMO_WINDOW
        if fresh:
            _seed_central(central, store, site_code)
        enrolled = bool(ident.desk_id) and _has_token(ident.desk_id)
        if not enrolled:
            new = create_desk(
                central.db,
                site_code=site_code,
                window_code=window_code,
                name=ident.window_name,
            )
            enroll(
                store,
                server_url=url,
                code=new.enrollment_code,
                desk_name=ident.window_name,
            )
        with store.transaction() as db:
            # The port may differ from the last run; the token stays valid.
            settings.put(db, "server_url", url)
            settings.put(db, "status_base_url", url + "/status")
    thread = threading.Thread(
        target=run_backoffice,
        kwargs={"db": central.db, "every": backoffice_every, "report": lambda _l: None},
        name="demo-backoffice",
        daemon=True,
    )
    thread.start()
    notices.append(
        _("演示中心平台：{url}（后台每 {n} 秒推进几件办件）").format(
            url=url, n=int(backoffice_every)
        )
    )
    return DemoPlatform(central, notices)


def _seed_central(central: EmbeddedCentral, store: Store, site_code: str) -> None:
    seed_central_demo(central.db)
    for username, name, role, verifier in store.db.execute(
        "SELECT username, display_name, role, password_verifier FROM users"
    ):
        add_user(
            central.db,
            username=username,
            role=role,
            site_code=site_code,
            password_verifier=verifier,
            display_name=name,
        )
    catalog = json.loads((RESOURCES / "catalog" / "items.json").read_text("utf-8"))
    bundles = json.loads((RESOURCES / "catalog" / "bundles.json").read_text("utf-8"))
    publish_catalog(central.db, catalog, bundles=bundles)
    calendar = json.loads(
        (RESOURCES / "calendar" / "cn_workdays.json").read_text("utf-8")
    )
    publish_calendar(central.db, calendar)


def _ensure_keyring(data_dir: Path) -> list[str]:
    """A desktop without a safe keyring still runs the demo: the token goes
    to a plain file in the demo's data directory, and the clerk is told so.
    Only this demo path allows it (sync.credentials refuses such backends
    everywhere else)."""
    try:
        safe_keyring().get_password("counter", "probe")
        return []
    except (NoKeyring, keyring.errors.KeyringError):
        pass
    path = data_dir / "demo-keyring.json"
    allow_backend(DemoFileKeyring(path))
    return [
        _(
            "本机没有安全的系统密钥环：演示令牌以明文保存在 {path}，仅供演示使用。"
            "正式使用前请安装 gnome-keyring 或 KWallet。"
        ).format(path=path)
    ]


class DemoFileKeyring(keyring.backend.KeyringBackend):
    """The demo's token file: plain JSON, mode 0600, in the demo data dir.
    Never chosen by keyring itself (priority below every real backend)."""

    priority = -1

    def __init__(self, path: Path) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        tmp = self.path.with_name(self.path.name + ".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data[f"{service}/{username}"] = password
        self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        if data.pop(f"{service}/{username}", None) is None:
            raise keyring.errors.PasswordDeleteError(username)
        self._write(data)


def ensure_demo_key(data_dir: Path) -> list[str]:
    """Without a credential store the demo still runs: its data key goes to a
    file beside (never inside) the data folder, and the user is told so."""
    from counter_app.store import keyring_policy, keys

    if keys.key_file() is not None:
        return []
    try:
        keyring_policy.safe_keyring().get_password(keys.KEYRING_SERVICE, "probe")
        return []
    except (keyring_policy.UnsafeKeyring, keyring.errors.KeyringError):
        pass
    path = data_dir.resolve().parent / f"{data_dir.resolve().name}.demo-key"
    os.environ[keys.KEY_FILE_ENV] = str(path)
    return [
        _(
            "本机没有系统凭据存储：演示数据的加密密钥保存在数据目录之外的 {path}，"
            "仅供演示使用。"
        ).format(path=path)
    ]


def _has_token(desk_id: str) -> bool:
    try:
        return bool(load_token(desk_id))
    except NoKeyring:  # enroll() then says so clearly
        return False


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
