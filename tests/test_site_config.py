"""The site configuration file: checked whole, errors name key and line, no
half-configured start, codes used from the first application, fixed values
kept unless users may change them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from counter_app.domain.errors import DomainError
from counter_app.services.settings_service import save_desk_settings
from counter_app.services.site_config import (
    SiteConfigError,
    apply_site_config,
    default_path,
    key_line,
    load_site_config,
)
from counter_app.store import settings
from counter_app.store.db import Store
from counter_app.ui.app import apply_print_defaults
from tests.test_provisional_prefix import _accept

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
# 杭州市西湖区政务服务中心 2 号窗口
[site]
code = "330106001"
window = "02"
center_name = "西湖区政务服务中心"
center_address = "杭州市西湖区文三路 1 号"

[platform]
url = "https://zwfw.example.gov.cn"
ca_cert = "platform-ca.pem"

[printing]
printer = "Receipt80"
paper = "ROLL_80"

[security]
idle_lock_minutes = 5

[overrides]
allowed = ["printer"]
"""


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "platform-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    path = folder / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_good_file_reads_whole(tmp_path: Path) -> None:
    config = load_site_config(_write(tmp_path, GOOD))
    assert (config.site_code, config.window_code) == ("330106001", "02")
    assert config.values == {
        "center_name": "西湖区政务服务中心",
        "center_address": "杭州市西湖区文三路 1 号",
        "server_url": "https://zwfw.example.gov.cn",
        "server_ca_cert": str(tmp_path / "platform-ca.pem"),
        "print.printer": "Receipt80",
        "print.paper": "ROLL_80",
        "idle_lock_minutes": "5",
    }
    assert config.user_may_change == {"print.printer"}
    assert "idle_lock_minutes" in config.locked
    assert "print.printer" not in config.locked


def test_every_problem_is_named_with_key_and_line(tmp_path: Path) -> None:
    bad = (
        GOOD.replace('code = "330106001"', 'code = "33-01"')
        .replace("idle_lock_minutes = 5", "idle_lock_minutes = 999")
        .replace('paper = "ROLL_80"', 'paper = "B5"\ncolour = true')
        .replace('ca_cert = "platform-ca.pem"', 'ca_cert = "missing.pem"')
        .replace('allowed = ["printer"]', 'allowed = ["site_code"]')
    )
    with pytest.raises(SiteConfigError) as caught:
        load_site_config(_write(tmp_path, bad))
    message = str(caught.value)
    assert "有 6 处错误，程序未启动" in message
    lines = message.splitlines()[1:]
    assert lines[0].startswith("第 15 行 printing.colour：未知的配置项")
    assert any(x.startswith("第 3 行 site.code：“33-01”无效") for x in lines)
    assert any(x.startswith("第 10 行 platform.ca_cert：找不到文件") for x in lines)
    assert any(x.startswith("第 14 行 printing.paper：“B5”无效") for x in lines)
    assert any(
        x.startswith("第 18 行 security.idle_lock_minutes：应为 0 到 240")
        for x in lines
    )
    assert any(
        x.startswith("第 21 行 overrides.allowed：“site_code”不能由用户修改")
        for x in lines
    )


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(SiteConfigError) as caught:
        load_site_config(
            _write(tmp_path, GOOD.replace('window = "02"', "window = 02 02"))
        )
    assert "格式错误" in str(caught.value)
    assert "line 4" in str(caught.value)


def test_unknown_table_and_half_codes(tmp_path: Path) -> None:
    text = '[site]\ncode = "330106001"\n\n[sync]\nevery = 5\n'
    with pytest.raises(SiteConfigError) as caught:
        load_site_config(_write(tmp_path, text))
    message = str(caught.value)
    assert "第 4 行 [sync]：未知的配置节" in message
    assert "site.window：站点代码和窗口代码须同时填写" in message
    assert key_line(text, "site", "code") == 2
    assert key_line(text, "site", "window") == 0


def test_provisional_codes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SiteConfigError, match=r"site\.code：以 Z 开头"):
        load_site_config(_write(tmp_path, GOOD.replace("330106001", "Z1234ABCD")))


def test_a_bad_file_starts_nothing(tmp_path: Path) -> None:
    config = _write(
        tmp_path / "etc",
        GOOD.replace("idle_lock_minutes = 5", "idle_lock_minutes = -1"),
    )
    data = tmp_path / "data"
    out = run("--config", str(config), "site", data_dir=data)
    assert out.returncode == 2
    assert "第 17 行 security.idle_lock_minutes" in out.stderr
    assert not data.exists()  # no store, no key: nothing half-configured
    out = run(
        "catalog",
        "search",
        "低保",
        "--config",
        str(tmp_path / "none.toml"),
        data_dir=data,
    )
    assert out.returncode == 2 and "无法读取站点配置文件" in out.stderr
    assert not data.exists()


def test_desk_numbers_under_the_site_from_the_first_application(tmp_path: Path) -> None:
    config = _write(tmp_path / "etc", GOOD)
    data = tmp_path / "data"
    out = run("--config", str(config), "site", data_dir=data)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "站点代码 330106001，窗口代码 02"
    with Store.open(data) as store:
        assert settings.get(store.db, "center_name") == "西湖区政务服务中心"
        assert settings.get(store.db, "server_url") == "https://zwfw.example.gov.cn"
        number = _accept(store)
        assert number.startswith("33010600102")
        events = store.db.execute(
            "SELECT object FROM events WHERE actor = 'site-config' ORDER BY seq"
        ).fetchall()
        assert ("setting:site_code",) in events


def test_fixed_values_come_back_and_allowed_ones_stay(
    store: Store, tmp_path: Path
) -> None:
    text = GOOD.replace('allowed = ["printer"]', 'allowed = ["center_name"]')
    config = load_site_config(_write(tmp_path, text))
    apply_site_config(store, config)
    with pytest.raises(DomainError, match="站点配置文件规定"):
        save_desk_settings(store, language="zh_CN", idle_lock_minutes=30)
    save_desk_settings(store, language="en", idle_lock_minutes=5)  # unchanged: fine
    with store.transaction() as db:
        settings.put(db, "idle_lock_minutes", "30")  # changed behind its back
        settings.put(db, "center_name", "本机改过的名称")
    apply_site_config(store, config)
    assert settings.get(store.db, "idle_lock_minutes") == "5"
    assert settings.get(store.db, "center_name") == "本机改过的名称"


def test_enrolled_desk_keeps_the_platform_codes(store: Store, tmp_path: Path) -> None:
    with store.transaction() as db:
        settings.put(db, "desk_id", "desk-1")
        settings.put(db, "site_code", "320102001")
        settings.put(db, "window_code", "01")
        settings.put(db, "server_url", "https://central.example")
    notices = apply_site_config(store, load_site_config(_write(tmp_path, GOOD)))
    assert settings.get(store.db, "site_code") == "320102001"
    assert settings.get(store.db, "server_url") == "https://central.example"
    assert len(notices) == 1 and "330106001/02 未使用" in notices[0]


def test_printer_fixed_or_first_choice(tmp_path: Path) -> None:
    ui = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    ui.setValue("print/printer", "PDF")
    ui.setValue("print/paper", "A4")
    apply_print_defaults(ui, load_site_config(_write(tmp_path, GOOD)))
    assert ui.value("print/printer") == "PDF"  # users may change it
    assert ui.value("print/paper") == "ROLL_80"  # fixed by the site


def test_default_places() -> None:
    assert default_path("linux") == Path("/etc/counter/site.toml")
    assert default_path("win32").parts[-2:] == ("Counter", "site.toml")
