"""The site configuration file: ``/etc/counter/site.toml`` (Windows:
``%PROGRAMDATA%\\Counter\\site.toml``) or ``--config FILE``.

An IT person writes one file per desk: site and window codes, center name
and address, platform URL and CA certificate, printer and paper, idle lock,
and which of these a user may change on the desk. The file is read with
``tomllib`` and checked whole before anything starts: every problem is
reported with its key and line, and a desk never starts half-configured.

Applied at every start (:func:`apply_site_config`, one transaction): the
codes while the desk is not enrolled (so it numbers under them from the
first application), the other values as the desk's settings — kept as
written unless ``[overrides] allowed`` lets users change them, in which case
they are only the first value.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from counter_app.domain.errors import DomainError
from counter_app.i18n import _, listing
from sync.codes import (
    SITE_CODE_RULE,
    WINDOW_CODE_RULE,
    is_provisional_site_code,
    is_site_code,
    is_window_code,
)

if TYPE_CHECKING:  # the store loads behind the sign-in dialog, not before
    from counter_app.store.db import Store

ACTOR = "site-config"
LOCKED_KEY = "site_config.locked"
PAPERS = ("A4", "ROLL_80")
MAX_IDLE_MINUTES = 240


class SiteConfigError(DomainError):
    """The site configuration cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class SiteConfig:
    path: Path
    site_code: str = ""
    window_code: str = ""
    #: desk setting key → value, for the settings the file gives
    values: Mapping[str, str] = field(default_factory=dict)
    #: desk setting keys users may change (the file's value is then a default)
    user_may_change: frozenset[str] = frozenset()

    @property
    def locked(self) -> list[str]:
        return sorted(k for k in self.values if k not in self.user_may_change)


# (table, key) → (desk setting, kind). Kinds: text, url, file, paper, minutes.
_FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    ("site", "center_name"): ("center_name", "text"),
    ("site", "center_address"): ("center_address", "text"),
    ("site", "window_name"): ("window_name", "text"),
    ("platform", "url"): ("server_url", "url"),
    ("platform", "ca_cert"): ("server_ca_cert", "file"),
    ("printing", "printer"): ("print.printer", "text"),
    ("printing", "paper"): ("print.paper", "paper"),
    ("security", "idle_lock_minutes"): ("idle_lock_minutes", "minutes"),
}
_CODES = (("site", "code"), ("site", "window"))
#: what ``[overrides] allowed`` may name: the file's keys users may change
_OVERRIDABLE = {
    "center_name",
    "center_address",
    "window_name",
    "printer",
    "paper",
    "idle_lock_minutes",
}
_TABLES = {"site", "platform", "printing", "security", "overrides"}


def default_path(platform: str | None = None) -> Path:
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        base = os.environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(base) / "Counter" / "site.toml"
    return Path("/etc/counter/site.toml")


def find_config(explicit: str | None) -> Path | None:
    """``--config FILE`` (which must exist), else the default path if present."""
    if explicit:
        return Path(explicit)
    path = default_path()
    return path if path.is_file() else None


def key_line(text: str, table: str, key: str | None = None) -> int:
    """The line (1-based) of ``[table] key`` in ``text``, or of the table's
    header when ``key`` is None; 0 when absent (tomllib keeps no lines)."""
    current = ""
    header = re.compile(r"\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
    assign = re.compile(r"\s*\"?([A-Za-z0-9_-]+)\"?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if m := header.match(line):
            current = m.group(1)
            if key is None and current == table:
                return number
        elif (
            key is not None
            and current == table
            and (m := assign.match(line))
            and m.group(1) == key
        ):
            return number
    return 0


def load_site_config(path: Path) -> SiteConfig:
    """Read and check the whole file; SiteConfigError lists every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteConfigError(
            _(
                "无法读取站点配置文件 {path}：{error}。请检查文件是否存在及其权限。"
            ).format(path=path, error=exc)
        ) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(
            _(
                "站点配置文件 {path} 格式错误：{error}。程序未启动，请改正后重试。"
            ).format(path=path, error=exc)
        ) from exc
    problems: list[str] = []

    def problem(table: str, key: str | None, message: str) -> None:
        line = key_line(text, table, key)
        name = f"{table}.{key}" if key else f"[{table}]"
        where = _("第 {line} 行").format(line=line) if line else _("文件中")
        problems.append(
            _("{where} {name}：{message}").format(
                where=where, name=name, message=message
            )
        )

    result = _check(data, path, problem)
    if problems:
        raise SiteConfigError(
            _("站点配置文件 {path} 有 {n} 处错误，程序未启动：\n{problems}").format(
                path=path, n=len(problems), problems="\n".join(problems)
            )
        )
    return result


Problem = Callable[[str, "str | None", str], None]


def _check(data: dict[str, Any], path: Path, problem: Problem) -> SiteConfig:
    for table, content in data.items():
        if table not in _TABLES:
            problem(
                table,
                None,
                _("未知的配置节，可用：{names}").format(names=listing(sorted(_TABLES))),
            )
        elif not isinstance(content, dict):
            problem(table, None, _("应为一个配置节 [{table}]").format(table=table))
    known = set(_FIELDS) | set(_CODES) | {("overrides", "allowed")}
    for table, content in data.items():
        if table in _TABLES and isinstance(content, dict):
            for key in content:
                if (table, key) not in known:
                    problem(table, key, _("未知的配置项"))
    tables = {t: c for t, c in data.items() if t in _TABLES and isinstance(c, dict)}
    site = tables.get("site", {})
    site_code = _string(site, "site", "code", problem).upper()
    window_code = _string(site, "site", "window", problem).upper()
    if site_code and not is_site_code(site_code):
        problem(
            "site",
            "code",
            _("“{code}”无效，应为{rule}").format(code=site_code, rule=SITE_CODE_RULE),
        )
    elif site_code and is_provisional_site_code(site_code):
        problem(
            "site",
            "code",
            _("以 Z 开头的代码留作未注册终端的临时代码，请填写真实的站点代码"),
        )
    if window_code and not is_window_code(window_code):
        problem(
            "site",
            "window",
            _("“{code}”无效，应为{rule}").format(
                code=window_code, rule=WINDOW_CODE_RULE
            ),
        )
    if bool(site_code) != bool(window_code):
        problem(
            "site", "window" if site_code else "code", _("站点代码和窗口代码须同时填写")
        )
    values: dict[str, str] = {}
    for (table, key), (setting, kind) in _FIELDS.items():
        if key not in tables.get(table, {}):
            continue
        value = _value(
            tables[table][key], kind, path, functools.partial(problem, table, key)
        )
        if value is not None:
            values[setting] = value
    allowed = tables.get("overrides", {}).get("allowed", [])
    may_change: set[str] = set()
    if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
        problem("overrides", "allowed", _('应为名称列表，如 ["printer", "paper"]'))
    else:
        for name in allowed:
            if name not in _OVERRIDABLE:
                problem(
                    "overrides",
                    "allowed",
                    _("“{name}”不能由用户修改，可用：{names}").format(
                        name=name, names=listing(sorted(_OVERRIDABLE))
                    ),
                )
            else:
                may_change.add(_setting_of(name))
    return SiteConfig(path, site_code, window_code, values, frozenset(may_change))


def _setting_of(name: str) -> str:
    return next(s for (_t, k), (s, _kind) in _FIELDS.items() if k == name)


def _string(table: Mapping[str, Any], tname: str, key: str, problem: Problem) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        problem(tname, key, _("应为带引号的文字"))
        return ""
    return value.strip()


def _value(raw: Any, kind: str, path: Path, bad: Callable[[str], None]) -> str | None:
    if kind == "minutes":
        if (
            isinstance(raw, bool)
            or not isinstance(raw, int)
            or not 0 <= raw <= MAX_IDLE_MINUTES
        ):
            bad(
                _("应为 0 到 {max} 之间的整数（分钟，0 表示不自动锁定）").format(
                    max=MAX_IDLE_MINUTES
                )
            )
            return None
        return str(raw)
    if not isinstance(raw, str) or not raw.strip():
        bad(_("应为带引号的非空文字"))
        return None
    value = raw.strip()
    if kind == "url" and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        bad(_("“{url}”不是有效的网址，应以 https:// 开头").format(url=value))
        return None
    if kind == "paper" and value not in PAPERS:
        bad(_("“{paper}”无效，可用：A4、ROLL_80（80 毫米卷纸）").format(paper=value))
        return None
    if kind == "file":
        file = Path(value) if Path(value).is_absolute() else path.parent / value
        if not file.is_file():
            bad(_("找不到文件 {file}").format(file=file))
            return None
        value = str(file)
    return value


def apply_site_config(store: Store, config: SiteConfig) -> list[str]:
    """Write the file's values into the desk's settings (one transaction,
    audited as ``site-config``); returns notices for the operator."""
    from counter_app.services.settings_service import put_audited
    from counter_app.store import settings

    notices: list[str] = []
    with store.transaction() as db:
        enrolled = bool(settings.get(db, "desk_id"))
        if config.site_code:
            now = (settings.get(db, "site_code"), settings.get(db, "window_code"))
            wanted = (config.site_code, config.window_code)
            if enrolled and now != wanted:
                notices.append(
                    _(
                        "站点配置中的代码 {site}/{window} 未使用：本终端已注册，"
                        "使用平台分配的 {now_site}/{now_window}。"
                    ).format(
                        site=wanted[0],
                        window=wanted[1],
                        now_site=now[0],
                        now_window=now[1],
                    )
                )
            elif not enrolled:
                put_audited(db, "site_code", wanted[0], actor=ACTOR)
                put_audited(db, "window_code", wanted[1], actor=ACTOR)
        for key, value in config.values.items():
            if key in config.user_may_change and _is_set(db, key):
                continue
            if key in ("server_url", "server_ca_cert") and enrolled:
                continue  # enrollment recorded the platform actually used
            put_audited(db, key, value, actor=ACTOR)
        put_audited(db, LOCKED_KEY, ",".join(config.locked), actor=ACTOR)
    return notices


def _is_set(db: Any, key: str) -> bool:
    return (
        db.execute("SELECT 1 FROM settings WHERE key = ?", [key]).fetchone() is not None
    )
