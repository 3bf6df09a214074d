"""``verify-audit``: check the audit trail's hash chain."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path

from counter_app.i18n import _

Handler = Callable[[argparse.Namespace], int]


def register_audit(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:  # type: ignore[type-arg]
    text = _(
        "校验审计记录的 SM3 哈希链：完整时退出码为 0，"
        "否则指出第一处断开（序号、时间、被修改/删除/调换）并以 1 退出"
    )
    p = sub.add_parser("verify-audit", help=text, description=text)
    p.add_argument(
        "--from",
        dest="since",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help=_("只校验该日及以后的事件"),
    )
    table["verify-audit"] = cmd_verify_audit


def cmd_verify_audit(args: argparse.Namespace) -> int:
    from counter_app.services.audit import verify_audit
    from counter_app.store.db import Store

    # No seeding: verification must not write anything to the store.
    with Store.open(Path(args.data_dir)) as store:
        check = verify_audit(store, since=args.since)
    print(check.message())
    return 0 if check.verification.intact else 1
