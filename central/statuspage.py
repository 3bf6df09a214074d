"""The applicant's public status page: 申请 → 流转 → 办理 → 反馈 → 评价.

The URL carries a short HMAC of the acceptance number, so knowing (or
guessing) a number is not enough to read someone's progress.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from html import escape
from typing import Any
from urllib.parse import quote

from .db import Database

KEY_LENGTH = 12  # hex characters: 48 bits, short enough for a QR code on a roll


def status_key(secret: str, acceptance_no: str) -> str:
    mac = hmac.new(secret.encode(), acceptance_no.encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()[:KEY_LENGTH]


def status_path(secret: str, acceptance_no: str) -> str:
    key = status_key(secret, acceptance_no)
    return f"/status/{quote(acceptance_no, safe='')}?k={key}"


def key_matches(secret: str, acceptance_no: str, key: str | None) -> bool:
    return bool(key) and hmac.compare_digest(
        status_key(secret, acceptance_no), str(key).lower()
    )


def desk_key_matches(db: Database, acceptance_no: str, key: str | None) -> bool:
    """The key the desk made at acceptance and printed before its first sync
    (``status_key`` in the application's body)."""
    if not key:
        return False
    with db.transaction(write=False) as conn:
        row = conn.one(  # acceptance numbers are unique on the platform
            "SELECT body FROM applications WHERE acceptance_no = ?", (acceptance_no,)
        )
    if row is None:
        return False
    desk_key = json.loads(str(row["body"])).get("status_key")
    return (
        isinstance(desk_key, str)
        and desk_key.isascii()  # compare_digest refuses other text
        and str(key).isascii()
        and len(desk_key) >= KEY_LENGTH
        and (hmac.compare_digest(desk_key.lower(), str(key).lower()))
    )


_STATUS_NAMES = {
    "draft": "草稿",
    "submitted": "已受理",
    "in_review": "审查中",
    "approved": "准予许可",
    "denied": "不予许可",
    "result_ready": "结果已出，请到窗口领取",
    "delivered": "已出件",
    "notified_to_supplement": "待补正材料",
    "rejected": "不予受理",
    "withdrawn": "已撤回",
    "suspended": "挂起（特别程序，时限暂停计算）",
}
_STEPS = ("申请", "流转", "办理", "反馈", "评价")
# The step each status completes (index into _STEPS, inclusive).
_STEP_DONE = {
    "draft": -1,
    "notified_to_supplement": 0,
    "rejected": 0,
    "withdrawn": 0,
    "submitted": 0,
    "in_review": 1,
    "suspended": 1,
    "approved": 2,
    "denied": 2,
    "result_ready": 3,
    "delivered": 3,
}


def render_status_page(db: Database, acceptance_no: str) -> str | None:
    """The HTML page, or None when no application has this number."""
    with db.transaction(write=False) as conn:
        app = conn.one(  # acceptance numbers are unique on the platform
            "SELECT * FROM applications WHERE acceptance_no = ?", (acceptance_no,)
        )
        if app is None:
            return None
        history = conn.all(
            "SELECT status, note, at FROM status_history WHERE application_id = ?"
            " ORDER BY id",
            (app["id"],),
        )
        # Only the owning desk's evaluations count (central/authz.py).
        rated = conn.scalar(
            "SELECT COUNT(*) FROM records WHERE entity = 'evaluation'"
            " AND ref IN (?, ?) AND desk_id = ?",
            (acceptance_no, app["id"], app["desk_id"]),
        )
    record: dict[str, Any] = json.loads(app["body"])
    status = str(app["status"])
    done = _STEP_DONE.get(status, 0)
    if rated:
        done = 4
    item = str(record.get("item_name") or record.get("item_code") or "")
    steps = "".join(
        f'<li class="{"done" if i <= done else "todo"}">{escape(name)}</li>'
        for i, name in enumerate(_STEPS)
    )
    rows = "".join(
        "<tr><td>{at}</td><td>{status}</td><td>{note}</td></tr>".format(
            at=escape(str(h["at"])[:16].replace("T", " ")),
            status=escape(_STATUS_NAMES.get(str(h["status"]), str(h["status"]))),
            note=escape(str(h["note"] or "")),
        )
        for h in history
    )
    return _PAGE.format(
        number=escape(acceptance_no),
        item=escape(item),
        status=escape(_STATUS_NAMES.get(status, status)),
        steps=steps,
        rows=rows,
    )


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>办件进度查询 {number}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; max-width: 40em; }}
ol {{ display: flex; list-style: none; padding: 0; gap: .3em; }}
li {{ flex: 1; text-align: center; padding: .4em; border-radius: .3em; }}
li.done {{ background: #2e7d32; color: #fff; }}
li.todo {{ background: #e0e0e0; color: #555; }}
td {{ padding: .2em .6em .2em 0; vertical-align: top; }}
</style></head><body>
<h1>办件进度查询</h1>
<p>受理编号：{number}</p>
<p>事项：{item}</p>
<p>当前状态：<strong>{status}</strong></p>
<ol>{steps}</ol>
<table>{rows}</table>
</body></html>
"""
