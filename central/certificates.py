"""The electronic-certificate library (电子证照库): filled by
``import-certificates`` (CSV or JSON, checked whole before anything is
stored), read by desks one ID number at a time — each read names the
application it serves, the clerk and the purpose, and is logged."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sync import protocol as p

from .db import Database
from .feed import Desk

FIELDS = ("id_number", "cert_type", "name", "issuer", "valid_until")
PERMANENT = "长期"
MAX_PURPOSE = 200
#: An application in one of these is finished: no reason to read anyone's
#: certificates for it any more.
FINISHED = frozenset({p.STATUS_DELIVERED, p.STATUS_REJECTED, p.STATUS_WITHDRAWN})
_ID = re.compile(r"[0-9A-Z]{6,32}")
_RESIDENT = re.compile(r"\d{17}[\dX]")
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_LIMITS = {"cert_type": 50, "name": 100, "issuer": 100}


class CertificateFileError(ValueError):
    """The file as a whole is refused; ``problems`` name rows and fields."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        shown = "；".join(problems[:10])
        more = f"；另有 {len(problems) - 10} 处" if len(problems) > 10 else ""
        super().__init__(f"{path.name} 未导入（没有存入任何证照）：{shown}{more}")
        self.problems = problems


class LookupRefused(PermissionError):
    """A lookup that names no application of this desk in progress."""


def id_number_ok(number: str) -> bool:
    """Format, and the check code where the kind is known: an 18-character
    resident ID (GB 11643, MOD 11-2) or unified social credit code
    (GB 32100, MOD 31); other documents (permits, passports) by format."""
    if not _ID.fullmatch(number):
        return False
    if _RESIDENT.fullmatch(number):
        total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(number[:17]))
        return "10X98765432"[total % 11] == number[17]
    if len(number) == 18 and all(c in _USCC_CHARS for c in number):
        total = sum(
            _USCC_CHARS.index(c) * w
            for c, w in zip(number[:17], _USCC_WEIGHTS, strict=True)
        )
        return _USCC_CHARS[(31 - total % 31) % 31] == number[17]
    return True


def read_file(path: Path) -> list[dict[str, str]]:
    """Rows of a ``.csv`` (header row with the field names) or ``.json``
    (a list, or ``{"certificates": [...]}``) file, all checked; raises
    :class:`CertificateFileError` naming every problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CertificateFileError(path, [f"无法读取文件（{exc}）"]) from exc
    try:
        raw = _parse(path, text)
    except (ValueError, csv.Error) as exc:
        raise CertificateFileError(path, [str(exc)]) from exc
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(raw, start=1):
        row, row_problems = _check(item)
        problems += [f"第 {index} 条：{problem}" for problem in row_problems]
        if row_problems:
            continue
        key = (row["id_number"], row["cert_type"])
        if key in seen:
            problems.append(f"第 {index} 条：{key[0]} 的{key[1]}在文件中重复")
        seen.add(key)
        rows.append(row)
    if not raw:
        problems.append("文件中没有证照")
    if problems:
        raise CertificateFileError(path, problems)
    return rows


def _parse(path: Path, text: str) -> list[Any]:
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if isinstance(data, dict):
            data = data.get("certificates")
        if not isinstance(data, list):
            raise ValueError("JSON 应为证照列表，或带 certificates 列表的对象")
        return data
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = [f for f in FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"CSV 表头缺少列：{'、'.join(missing)}")
        return list(reader)
    raise ValueError("只能导入 .csv 或 .json 文件")


def _check(item: Any) -> tuple[dict[str, str], list[str]]:
    if not isinstance(item, dict):
        return {}, ["应为对象（字段 id_number、cert_type、name、issuer、valid_until）"]
    row = {f: str(item.get(f) or "").strip() for f in FIELDS}
    row["id_number"] = row["id_number"].upper()
    problems = [f"缺少 {f}" for f in FIELDS if not row[f]]
    if row["id_number"] and not id_number_ok(row["id_number"]):
        problems.append(f"证件号码 {row['id_number']} 格式或校验位不对")
    for field, limit in _LIMITS.items():
        if len(row[field]) > limit:
            problems.append(f"{field} 超过 {limit} 个字")
    until = row["valid_until"]
    if until and until != PERMANENT:
        try:
            date.fromisoformat(until)
        except ValueError:
            problems.append(f"有效期 {until} 应为 YYYY-MM-DD 或“长期”")
    return row, problems


def import_rows(db: Database, rows: list[dict[str, str]]) -> int:
    """Store checked rows in one transaction; a certificate already held
    (same holder and type) is replaced. Returns how many were stored."""
    with db.transaction() as conn:
        for row in rows:
            conn.execute(
                "DELETE FROM certificates WHERE id_number = ? AND cert_type = ?",
                (row["id_number"], row["cert_type"]),
            )
            conn.execute(
                "INSERT INTO certificates (id_number, cert_type, name, issuer,"
                " valid_until) VALUES (?, ?, ?, ?, ?)",
                tuple(row[f] for f in FIELDS),
            )
    return len(rows)


@dataclass(frozen=True)
class LookupRequest:
    id_number: str
    application_id: str
    clerk: str
    purpose: str


def lookup(db: Database, desk: Desk, req: LookupRequest) -> list[p.Certificate]:
    """The holder's certificates, for an application of this desk in
    progress (one the platform holds, or an intake not pushed yet that no
    other desk owns); every answer, and every refusal, is logged."""
    number = req.id_number.strip().upper()
    with db.transaction() as conn:
        refusal = _refusal(conn, desk, req)
        conn.execute(
            "INSERT INTO certificate_lookups (desk_id, clerk, application_id,"
            " purpose, id_number, refused, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                desk.id,
                req.clerk[:64],
                req.application_id[:64],
                req.purpose[:MAX_PURPOSE],
                number[:32],
                refusal or "",
                p.utc_now_iso(),
            ),
        )
        rows = (
            []
            if refusal
            else conn.all(
                "SELECT id_number, cert_type, name, issuer, valid_until"
                " FROM certificates WHERE id_number = ? ORDER BY cert_type",
                (number,),
            )
        )
    if refusal:
        raise LookupRefused(refusal)
    return [
        p.Certificate(
            id_number=str(r["id_number"]),
            cert_type=str(r["cert_type"]),
            name=str(r["name"]),
            issuer=str(r["issuer"]),
            valid_until=str(r["valid_until"]),
        )
        for r in rows
    ]


def _refusal(conn: Any, desk: Desk, req: LookupRequest) -> str | None:
    if not req.clerk.strip() or not req.purpose.strip():
        return "查询电子证照须注明经办人和用途"
    if len(req.purpose) > MAX_PURPOSE:
        return f"用途说明不能超过 {MAX_PURPOSE} 个字"
    try:
        uuid.UUID(req.application_id)
    except ValueError:
        return "查询电子证照须注明所办理的办件编号"
    row = conn.one(
        "SELECT desk_id, status FROM applications WHERE id = ?",
        (req.application_id,),
    )
    if row is None:
        return None  # an intake still at the window, not pushed yet
    if row["desk_id"] != desk.id:
        return "所注明的办件属于其他窗口终端"
    if row["status"] in FINISHED:
        return "所注明的办件已办结，不能再查询证照"
    return None
