from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.store.db import open_connection

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_catalog_search_by_pinyin_and_short_words(tmp_path: Path) -> None:
    out = run("catalog", "search", "yyzz", data_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "营业执照" in out.stdout
    out = run("catalog", "search", "执照", data_dir=tmp_path)
    assert out.returncode == 0 and "营业执照" in out.stdout
    out = run("catalog", "search", "XK00102001", data_dir=tmp_path)
    assert out.stdout.splitlines()[0].startswith("XK00102001")


def test_catalog_search_nothing_found(tmp_path: Path) -> None:
    out = run("catalog", "search", "不存在的事项名称", data_dir=tmp_path)
    assert out.returncode == 1
    assert "没有找到" in out.stderr


def test_demo_seed_goes_through_services(tmp_path: Path) -> None:
    out = run("demo-seed", "--applications", "120", data_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    conn = open_connection(tmp_path)
    count, numbered = conn.execute(
        "SELECT COUNT(*), COUNT(acceptance_no) FROM applications"
    ).fetchone()
    decisions = {
        r[0] for r in conn.execute("SELECT DISTINCT decision FROM applications")
    }
    ops = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    rare = conn.execute(
        "SELECT COUNT(*) FROM applications WHERE applicant_name LIKE '%𠮷%'"
        " OR applicant_name LIKE '%䶮%' OR applicant_name LIKE '%堃%'"
    ).fetchone()[0]
    days = conn.execute("SELECT COUNT(DISTINCT day) FROM applications").fetchone()[0]
    conn.close()
    assert count == numbered == 120
    assert {"accept", "notice", "reject"} <= decisions
    assert ops >= count
    assert rare > 0
    assert days > 10


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json", "日历文件"),
        (
            '{"format": "counter-calendar/1", "years": {"2027": {"holidays": ["2027-13-01"]}}}',
            "2027",
        ),
    ],
)
def test_calendar_import_errors_are_clear(
    tmp_path: Path, content: str, expected: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    data = tmp_path / "data"
    out = run("calendar", "import", str(bad), data_dir=data)
    assert out.returncode == 2
    assert expected in out.stderr and "bad.json" in out.stderr
    assert "Traceback" not in out.stderr


def test_calendar_import_missing_file(tmp_path: Path) -> None:
    out = run(
        "calendar", "import", str(tmp_path / "nope.json"), data_dir=tmp_path / "d"
    )
    assert out.returncode == 2
    assert "nope.json" in out.stderr


def test_corrupt_database_is_refused_with_advice(tmp_path: Path) -> None:
    (tmp_path / "counter.sqlite3").write_bytes(b"garbage" * 1000)
    out = run("catalog", "search", "居住证", data_dir=tmp_path)
    assert out.returncode == 2
    assert "损坏" in out.stderr and "Traceback" not in out.stderr
    assert (tmp_path / "counter.sqlite3").read_bytes() == b"garbage" * 1000


def test_data_dir_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = run("catalog", "search", "居住证", data_dir=blocker / "sub")
    assert out.returncode == 2
    assert "数据目录" in out.stderr


def test_help_on_each_command(tmp_path: Path) -> None:
    for args in (
        ["--help"],
        ["catalog", "search", "--help"],
        ["demo-seed", "--help"],
        ["calendar", "import", "--help"],
    ):
        out = run(*args, data_dir=tmp_path)
        assert out.returncode == 0
        assert "usage" in out.stdout


def _read_only_run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with ``data_dir`` mounted read-only (root ignores modes, a
    read-only bind mount binds root too)."""
    script = (
        f'mount --bind "{data_dir}" "{data_dir}" && '
        f'mount -o remount,ro,bind "{data_dir}" && '
        f'exec "{sys.executable}" main.py --data-dir "{data_dir}" ' + " ".join(args)
    )
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _can_mount_read_only(tmp_path: Path) -> str | None:
    import shutil

    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    probe = tmp_path / "probe"
    probe.mkdir()
    out = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            f'mount --bind "{probe}" "{probe}" && mount -o remount,ro,bind "{probe}"',
        ],
        capture_output=True,
        text=True,
    )
    return (
        None
        if out.returncode == 0
        else ("cannot make a read-only bind mount here: " + out.stderr.strip())
    )


def test_read_only_data_dir_keeps_what_is_stored(tmp_path: Path) -> None:
    reason = _can_mount_read_only(tmp_path)
    if reason:
        pytest.skip(reason)
    data = tmp_path / "data"
    assert run("demo-seed", "--applications", "5", data_dir=data).returncode == 0
    before = (
        open_connection(data).execute("SELECT COUNT(*) FROM applications").fetchone()
    )
    out = _read_only_run(data, "demo-seed", "--applications", "5")
    assert out.returncode == 2
    assert "只读" in out.stderr and "Traceback" not in out.stderr
    after = (
        open_connection(data).execute("SELECT COUNT(*) FROM applications").fetchone()
    )
    assert before == after == (5,)
    empty = tmp_path / "empty"
    empty.mkdir()
    out = _read_only_run(empty, "catalog", "search", "居住证")
    assert out.returncode == 2 and "只读" in out.stderr


def test_full_disk_leaves_a_consistent_store(tmp_path: Path) -> None:
    """Seeding into a 2 MB filesystem stops with a clear message; every
    stored application still has its outbox operation and the file is sound."""
    reason = _can_mount_read_only(tmp_path)
    if reason:
        pytest.skip(reason)
    mount = tmp_path / "small"
    mount.mkdir()
    script = (
        f'mount -t tmpfs -o size=2m tmpfs "{mount}" && '
        f'"{sys.executable}" main.py --data-dir "{mount}/d" demo-seed '
        f'--applications 3000; echo "rc=$?"; '
        f'"{sys.executable}" -c "import sys;from pathlib import Path;'
        f"from counter_app.store.db import open_connection;"
        f"c=open_connection(Path(sys.argv[1]));"
        f"print(c.execute('pragma integrity_check').fetchone()[0]);"
        f"print(c.execute('select count(*) from applications where id not in"
        f" (select entity_id from outbox)').fetchone()[0]);"
        f"print(c.execute('select count(*) from applications').fetchone()[0])\" "
        f'"{mount}/d"'
    )
    out = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = out.stdout.split()
    assert "磁盘已满" in out.stderr and "Traceback" not in out.stderr
    assert "rc=2" in lines
    integrity, without_op, stored = lines[-3:]
    assert integrity == "ok"
    assert without_op == "0"
    assert 0 < int(stored) < 3000


def test_catalog_import_checks_the_whole_file_first(tmp_path: Path) -> None:
    import json
    import shutil

    good = tmp_path / "good"
    shutil.copytree(ROOT / "counter_app" / "resources" / "catalog", good)
    items = json.loads((good / "items.json").read_text(encoding="utf-8"))
    items["items"][0]["name"] = "个体工商户设立登记（新版）"
    (good / "items.json").write_text(
        json.dumps(items, ensure_ascii=False), encoding="utf-8"
    )
    data = tmp_path / "data"
    out = run("catalog", "import", str(good), data_dir=data)
    assert out.returncode == 0, out.stderr
    assert "新版" in run("catalog", "search", "个体工商户设立", data_dir=data).stdout

    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    items["items"][1]["promised_days"] = 999
    items["items"][0]["name"] = "不应出现的名称"
    (bad / "items.json").write_text(
        json.dumps(items, ensure_ascii=False), encoding="utf-8"
    )
    out = run("catalog", "import", str(bad), data_dir=data)
    assert out.returncode == 2
    assert "promised_days" in out.stderr and "items.json" in out.stderr
    assert "Traceback" not in out.stderr
    found = run("catalog", "search", "个体工商户设立", data_dir=data).stdout
    assert "新版" in found and "不应出现" not in found


def test_global_options_after_the_sub_command(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "main.py",
            "catalog",
            "search",
            "居住证",
            "--data-dir",
            str(tmp_path / "d"),
            "--lang",
            "en",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "居住证申领" in out.stdout
    assert "working days" in out.stdout  # --lang took effect
    assert (tmp_path / "d" / "counter.sqlite3").exists()
