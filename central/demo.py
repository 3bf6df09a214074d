"""Demo data and a back-office simulator for demos and end-to-end tests."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from sync import protocol as p

from .admin import add_user
from .db import Database
from .ops import set_status

# Resident ID numbers below pass the GB 11643 check code.
DEMO_CERTIFICATES = (
    ("11010519491231002X", "居民身份证", "张三", "北京市公安局朝阳分局", "2036-05-01"),
    ("11010519491231002X", "户口簿", "张三", "北京市公安局朝阳分局", "长期"),
    ("11010519491231002X", "结婚证", "张三", "北京市朝阳区民政局", "长期"),
    ("440524188001010014", "居民身份证", "李四", "汕头市公安局", "2031-10-12"),
    ("440524188001010014", "不动产权证书", "李四", "汕头市自然资源局", "长期"),
    (
        "91350100M000100Y43",
        "营业执照",
        "示例科技有限公司",
        "福州市市场监督管理局",
        "长期",
    ),
)
DEMO_SITE = "330106001"
DEMO_USERS = (
    ("clerk1", "王小红", p.ROLE_CLERK, "counter123"),
    ("clerk2", "赵 𠮷", p.ROLE_CLERK, "counter123"),
    ("chief", "陈主任", p.ROLE_SUPERVISOR, "counter123"),
)


def seed_demo(db: Database, *, site_code: str = DEMO_SITE) -> None:
    with db.transaction() as conn:
        conn.execute("DELETE FROM certificates")
        for row in DEMO_CERTIFICATES:
            conn.execute(
                "INSERT INTO certificates (id_number, cert_type, name, issuer,"
                " valid_until) VALUES (?, ?, ?, ?, ?)",
                row,
            )
    for username, name, role, password in DEMO_USERS:
        add_user(
            db,
            username=username,
            display_name=name,
            role=role,
            site_code=site_code,
            password_verifier=p.hash_password(password),
        )


# What the back office does next with an application in each status.
_NEXT = {
    p.STATUS_SUBMITTED: (p.STATUS_IN_REVIEW,),
    p.STATUS_IN_REVIEW: (p.STATUS_APPROVED, p.STATUS_APPROVED, p.STATUS_SUSPENDED),
    p.STATUS_SUSPENDED: (p.STATUS_IN_REVIEW,),
    p.STATUS_APPROVED: (p.STATUS_RESULT_READY,),
    p.STATUS_DENIED: (p.STATUS_RESULT_READY,),
}
_NOTES = {
    p.STATUS_IN_REVIEW: "已分派承办人审查",
    p.STATUS_APPROVED: "准予许可",
    p.STATUS_DENIED: "不符合法定条件",
    p.STATUS_SUSPENDED: "现场勘察，时限暂停计算",
    p.STATUS_RESULT_READY: "结果已送达窗口，请申请人领取",
}


def backoffice_step(db: Database, *, rng: random.Random, count: int = 3) -> list[str]:
    """Advance up to ``count`` random open applications by one status."""
    with db.transaction(write=False) as conn:
        rows = conn.all(
            "SELECT id, acceptance_no, status FROM applications"
            " WHERE acceptance_no IS NOT NULL AND status IN (?, ?, ?, ?, ?)",
            tuple(_NEXT),
        )
    moved: list[str] = []
    for row in rng.sample(rows, min(count, len(rows))):
        status = rng.choice(_NEXT[str(row["status"])])
        set_status(
            db,
            application_id=str(row["id"]),
            status=status,
            note=_NOTES.get(status, ""),
        )
        moved.append(f"{row['acceptance_no']} → {status}")
    return moved


def run_backoffice(
    db: Database,
    *,
    every: float,
    seed: int | None = None,
    report: Callable[[str], None] = print,
    rounds: int | None = None,
) -> None:
    rng = random.Random(seed)
    done = 0
    while rounds is None or done < rounds:
        for line in backoffice_step(db, rng=rng):
            report(line)
        done += 1
        time.sleep(every)
