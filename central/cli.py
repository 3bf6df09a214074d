"""``python -m central <command>``: serve and operate the central platform."""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sync import protocol as p

from . import admin, audit, certificates, demo, feed, migrations, ops, retention
from .blobs import DEFAULT_PARTIAL_QUOTA_BYTES, DEFAULT_STALE_HOURS
from .db import Database, open_database
from .limits import DEFAULT_MAX_CONCURRENT

PASSWORD_ENV = "COUNTER_PASSWORD"


class _RefusePassword(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        parser.error(
            "密码不能写在命令行上（会留在命令历史和进程列表中）：请在提示时输入，"
            f"或设置环境变量 {PASSWORD_ENV}，或用 --password-stdin 从标准输入提供。"
        )


def _read_password(args: argparse.Namespace) -> str:
    """stdin (--password-stdin), $COUNTER_PASSWORD or a prompt; never argv."""
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise admin.AdminError("标准输入中没有密码（--password-stdin）")
        return line.rstrip("\r\n")
    if PASSWORD_ENV in os.environ:
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        raise admin.AdminError(
            "没有可输入密码的终端：请用 --password-stdin 或环境变量 "
            f"{PASSWORD_ENV} 提供密码，或用 --password-verifier 给出校验串"
        )
    import getpass

    password = getpass.getpass(f"{args.username} 的密码：")
    if getpass.getpass("再输入一次：") != password:
        raise admin.AdminError("两次输入的密码不一致，未作任何改动")
    return password


def _db_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--db", metavar="PATH", help="SQLite file (default central.db)")
    group.add_argument(
        "--database-url", metavar="URL", help="postgresql://user@host:port/dbname"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m central", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_text)
        _db_options(cmd)
        return cmd

    serve = command("serve", "run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--max-body-bytes", type=int, default=p.DEFAULT_MAX_BODY_BYTES)
    serve.add_argument(
        "--retention-days", type=int, default=feed.DEFAULT_RETENTION_DAYS
    )
    serve.add_argument("--public-url", default="", help="prefix of status links")
    serve.add_argument("--ssl-certfile", type=Path, help="serve HTTPS with this cert")
    serve.add_argument("--ssl-keyfile", type=Path, help="the certificate's key")
    serve.add_argument("--blobs-dir", type=Path, help="default: blobs/ next to the DB")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (PostgreSQL)"
    )
    serve.add_argument(
        "--dev", action="store_true", help="serve /docs and /openapi.json"
    )
    serve.add_argument(
        "--stale-upload-hours",
        type=float,
        default=DEFAULT_STALE_HOURS,
        help="drop partial blob uploads untouched this long (default 24)",
    )
    serve.add_argument(
        "--partial-quota-bytes",
        type=int,
        default=DEFAULT_PARTIAL_QUOTA_BYTES,
        help="unfinished upload bytes one desk may hold",
    )
    for name, default, what in (
        ("enroll", 10, "enrollment requests per source address"),
        ("status", 60, "status page requests per source address"),
        ("auth-failures", 30, "failed authentications per address and desk"),
        ("desk", 6000, "requests per desk"),
    ):
        serve.add_argument(
            f"--limit-{name}",
            type=int,
            default=default,
            metavar="N",
            help=f"{what} per minute (0: no limit)",
        )
    serve.add_argument(
        "--max-concurrent",
        type=int,
        default=DEFAULT_MAX_CONCURRENT,
        metavar="N",
        help="API requests in progress per worker past which the answer is"
        f" 429 with Retry-After (0: no limit; default {DEFAULT_MAX_CONCURRENT})",
    )
    serve.add_argument(
        "--archive-after-days",
        type=int,
        default=retention.DEFAULT_ARCHIVE_AFTER_DAYS,
        metavar="DAYS",
        help="at start, archive closed applications older than this"
        " (default 3 years; 0: never)",
    )
    serve.add_argument(
        "--backoffice-every",
        type=float,
        metavar="SECONDS",
        help="also run the back-office simulator in the server process",
    )

    desk = command("create-desk", "register a desk; prints its one-time code")
    desk.add_argument("--site", required=True)
    desk.add_argument("--window", required=True)
    desk.add_argument("name")
    desk.add_argument(
        "--code-hours",
        type=float,
        default=admin.DEFAULT_CODE_HOURS,
        help="the enrollment code expires after this many hours (default 72)",
    )

    reissue = command(
        "reissue-code", "new one-time enrollment code; the old token stops at once"
    )
    reissue.add_argument("desk_id")
    reissue.add_argument("--code-hours", type=float, default=admin.DEFAULT_CODE_HOURS)

    revoke = command("revoke-desk", "stop a desk at once (reissue-code lets it back)")
    revoke.add_argument("desk_id")

    purge = command("purge-uploads", "drop partial blob uploads gone stale")
    purge.add_argument("--blobs-dir", type=Path, help="default: blobs/ next to the DB")
    purge.add_argument("--stale-upload-hours", type=float, default=DEFAULT_STALE_HOURS)

    user = command("add-user", "create or update a user of a site")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=sorted(p.ROLES))
    user.add_argument("--site", required=True)
    user.add_argument("--display-name")
    secret = user.add_mutually_exclusive_group()
    secret.add_argument("--password-verifier", metavar="V")
    secret.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"read the password from stdin (else ${PASSWORD_ENV}, else a prompt)",
    )
    secret.add_argument(
        "--password", nargs="?", action=_RefusePassword, help=argparse.SUPPRESS
    )
    user.add_argument(
        "--no-must-change",
        action="store_true",
        help="the password is final (default: desks make the user change it"
        " at the first sign-in)",
    )
    user.add_argument("--inactive", action="store_true")

    catalog = command("publish-catalog", "publish a counter-catalog/1 file")
    catalog.add_argument("file", type=Path)
    catalog.add_argument("--bundles", type=Path, help="counter-bundles/1 file")
    calendar = command("publish-calendar", "publish a counter-calendar/1 file")
    calendar.add_argument("file", type=Path)

    status = command("set-status", "back-office status change")
    status.add_argument(
        "application", help="the application's id or its acceptance number"
    )
    status.add_argument("status", choices=sorted(p.BACK_OFFICE_STATUSES))
    status.add_argument("--note", default="")

    certs = command(
        "import-certificates", "fill the e-certificate library (CSV or JSON)"
    )
    certs.add_argument("file", type=Path)

    command("seed-demo", "demo certificates and users")
    command("prune", "drop feed rows older than the retention").add_argument(
        "--retention-days", type=int, default=feed.DEFAULT_RETENTION_DAYS
    )
    command("migrate", "bring the database schema to this version's")
    archive = command(
        "archive", "move closed applications past the retention out of hot tables"
    )
    archive.add_argument(
        "--older-than-days",
        type=int,
        default=retention.DEFAULT_ARCHIVE_AFTER_DAYS,
        help="default 3 years",
    )
    verify = command(
        "verify-audit", "check a desk's audit chain; exit 1 on a gap or mismatch"
    )
    verify.add_argument("--desk", required=True, metavar="DESK_ID")
    sim = command("backoffice-sim", "advance random submitted applications")
    sim.add_argument("--every", type=float, default=5.0, metavar="SECONDS")
    sim.add_argument("--seed", type=int)
    sim.add_argument("--rounds", type=int, help="stop after N rounds")
    queue_types = command(
        "queue-types", "show or set a site's hall queue business types (排队叫号)"
    )
    queue_types.add_argument("--site", required=True)
    queue_types.add_argument(
        "types", nargs="*", metavar="CODE=NAME", help="e.g. A=综合受理 B=社保医保"
    )
    return parser


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise admin.AdminError(f"无法读取 {path}：{exc}") from exc
    if not isinstance(data, dict):
        raise admin.AdminError(f"{path} 的顶层必须是 JSON 对象")
    return data


def plain_http_warning(host: str, *, tls: bool) -> str | None:
    """The warning for serving clear-text HTTP beyond this machine."""
    if tls:
        return None
    name = host.strip("[]").lower()
    try:
        loopback = name == "localhost" or ipaddress.ip_address(name).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        return None
    bar = "!" * 72
    return (
        f"{bar}\n"
        f"警告 WARNING: 中心平台在 {host} 上以不加密的 HTTP 提供服务。\n"
        "终端令牌、用户口令校验串和个人信息将以明文在网络上传输。\n"
        "请用 --ssl-certfile/--ssl-keyfile 启用 HTTPS，或放在 TLS 反向代理之后\n"
        "并只监听 127.0.0.1。Serving plain HTTP beyond loopback: use TLS.\n"
        f"{bar}"
    )


def _serve(db: Database, args: argparse.Namespace) -> None:
    import uvicorn

    warning = plain_http_warning(args.host, tls=bool(args.ssl_certfile))
    if warning:
        print(warning, file=sys.stderr, flush=True)

    from .api import Settings, create_app, settings_to_env

    feed.prune(db, retention_days=args.retention_days)
    retention.archive_closed(db, older_than_days=args.archive_after_days)
    settings = Settings(
        max_body_bytes=args.max_body_bytes,
        retention_days=args.retention_days,
        public_url=args.public_url,
        blobs_dir=args.blobs_dir,
        dev=args.dev,
        stale_upload_hours=args.stale_upload_hours,
        partial_quota_bytes=args.partial_quota_bytes,
        limit_enroll=args.limit_enroll,
        limit_status=args.limit_status,
        limit_auth_failures=args.limit_auth_failures,
        limit_desk=args.limit_desk,
        max_concurrent=args.max_concurrent,
        archive_after_days=args.archive_after_days,
    )
    if args.backoffice_every:
        threading.Thread(
            target=demo.run_backoffice,
            kwargs={"db": db, "every": args.backoffice_every},
            daemon=True,
        ).start()
    if args.workers > 1:
        os.environ.update(
            settings_to_env(
                db_path=args.db, database_url=args.database_url, settings=settings
            )
        )
        uvicorn.run(
            "central.api:app_from_env",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level="warning",
            ssl_certfile=args.ssl_certfile,
            ssl_keyfile=args.ssl_keyfile,
        )
        return
    app = create_app(db, settings)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )


def _purge_uploads(db: Database, args: argparse.Namespace) -> int:
    from datetime import timedelta

    from .blobs import BlobStore

    root = args.blobs_dir or (db.data_dir or Path.cwd()) / "blobs"
    store = BlobStore(
        db=db, root=root, stale_after=timedelta(hours=args.stale_upload_hours)
    )
    return store.purge_stale()


def _queue_types(db: Database, args: argparse.Namespace) -> None:
    from . import queue

    if args.types:
        types = []
        for pair in args.types:
            code, _sep, name = pair.partition("=")
            code, name = code.strip(), name.strip()
            if len(code) != 1 or not "A" <= code <= "Z" or not 0 < len(name) <= 20:
                raise ValueError(f"业务类型应为“字母=名称”（名称不超过 20 字）：{pair}")
            types.append((code, name))
        if len({c for c, _n in types}) != len(types):
            raise ValueError("业务类型字母重复")
        queue.set_types(db, args.site, types)
    with db.transaction(write=False) as conn:
        for code, name in queue.site_types(conn, args.site):
            print(f"{code}={name}")


def _migrate(args: argparse.Namespace) -> int:
    if args.database_url:
        db = Database(url=args.database_url)
    else:
        db = Database(sqlite_path=Path(args.db or "central.db").resolve())
    try:
        before = migrations.check(db)
        applied = migrations.migrate(db)
        db.create_schema()  # the epoch and secret of a new database
    finally:
        db.close()
    done = ", ".join(str(n) for n in applied) or "none"
    print(
        f"schema version {before} -> {migrations.LATEST} (applied: {done})",
        flush=True,
    )
    return 0


def run(args: argparse.Namespace) -> int:
    if args.command == "migrate":
        return _migrate(args)
    db = open_database(db_path=args.db, database_url=args.database_url)
    try:
        if args.command == "serve":
            _serve(db, args)
        elif args.command == "create-desk":
            new = admin.create_desk(
                db,
                site_code=args.site,
                window_code=args.window,
                name=args.name,
                code_hours=args.code_hours,
            )
            print(f"desk_id: {new.desk_id}")
            print(f"enrollment_code: {new.enrollment_code}")
        elif args.command == "reissue-code":
            code = admin.reissue_code(
                db, desk_id=args.desk_id, code_hours=args.code_hours
            )
            print(f"enrollment_code: {code}")
        elif args.command == "revoke-desk":
            admin.revoke_desk(db, desk_id=args.desk_id)
            print(f"desk {args.desk_id} revoked")
        elif args.command == "purge-uploads":
            print(f"purged {_purge_uploads(db, args)} partial upload(s)")
        elif args.command == "add-user":
            verifier = args.password_verifier
            if not verifier:
                verifier = p.hash_password(_read_password(args))
                if not args.no_must_change:
                    verifier = p.mark_must_change(verifier)
            admin.add_user(
                db,
                username=args.username,
                role=args.role,
                site_code=args.site,
                password_verifier=verifier,
                display_name=args.display_name,
                active=not args.inactive,
            )
            print(f"user {args.username} saved")
        elif args.command == "publish-catalog":
            bundles = _read_json(args.bundles) if args.bundles else None
            changed = admin.publish_catalog(db, _read_json(args.file), bundles=bundles)
            print(f"catalog published: {changed} item(s) changed")
        elif args.command == "publish-calendar":
            years = admin.publish_calendar(db, _read_json(args.file))
            print(f"calendar published: years changed {years}")
        elif args.command == "set-status":
            version = ops.set_status(
                db, application_id=args.application, status=args.status, note=args.note
            )
            print(f"{args.application}: {args.status} (version {version})")
        elif args.command == "import-certificates":
            rows = certificates.read_file(args.file)
            print(f"certificates imported: {certificates.import_rows(db, rows)}")
        elif args.command == "seed-demo":
            demo.seed_demo(db)
            print("demo certificates and users seeded")
        elif args.command == "archive":
            moved = retention.archive_closed(db, older_than_days=args.older_than_days)
            print(f"archived {moved} closed application(s)")
        elif args.command == "prune":
            print(f"pruned {feed.prune(db, retention_days=args.retention_days)} row(s)")
        elif args.command == "verify-audit":
            intact, lines = audit.verify_desk(db, args.desk)
            print("\n".join(lines))
            return 0 if intact else 1
        elif args.command == "queue-types":
            _queue_types(db, args)
        elif args.command == "backoffice-sim":
            demo.run_backoffice(
                db, every=args.every, seed=args.seed, rounds=args.rounds
            )
    finally:
        db.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (
        admin.AdminError,
        ops.UnknownApplication,
        ValueError,
        migrations.SchemaTooNew,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
