"""Which platform addresses the desk may talk to (等保 通信传输).

Anything but loopback must be HTTPS: the token and personal data travel on
every exchange. Labs may enroll with ``--insecure-http``; the choice is
kept with the enrollment (setting ``server_insecure_http``) and the status
bar shows it as a warning for as long as it lasts.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from counter_app.i18n import _
from sync.transport import SyncError

INSECURE_SETTING = "server_insecure_http"


class InsecureTransport(SyncError):
    """A plain-HTTP address off this machine, without the lab switch."""


def is_loopback(host: str) -> bool:
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def needs_insecure_switch(url: str) -> bool:
    """True for ``http://`` to anything but this machine."""
    parts = urlsplit(url.strip())
    return parts.scheme == "http" and not is_loopback(parts.hostname or "")


def check_platform_url(url: str, *, insecure_http: bool) -> None:
    """Raise :class:`InsecureTransport` for clear-text HTTP off this machine
    unless the lab switch is on."""
    if needs_insecure_switch(url) and not insecure_http:
        raise InsecureTransport(
            _(
                "中心平台地址 {url} 使用不加密的 http://，终端令牌和个人信息会以明文"
                "在网络上传输。请改用 https:// 地址（自签名证书可指定 CA 证书文件）；"
                "仅在实验环境中可用 --insecure-http 注册。"
            ).format(url=url)
        )
