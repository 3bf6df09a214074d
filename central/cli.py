"""``python -m central <command>``: serve and operate the central platform."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sync import protocol as p

from . import admin, certificates, demo, feed, ops
from .db import Database, open_database


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
        "--backoffice-every",
        type=float,
        metavar="SECONDS",
        help="also run the back-office simulator in the server process",
    )

    desk = command("create-desk", "register a desk; prints its one-time code")
    desk.add_argument("--site", required=True)
    desk.add_argument("--window", required=True)
    desk.add_argument("name")

    reissue = command("reissue-code", "new one-time enrollment code for a desk")
    reissue.add_argument("desk_id")

    user = command("add-user", "create or update a user of a site")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=sorted(p.ROLES))
    user.add_argument("--site", required=True)
    user.add_argument("--display-name")
    secret = user.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password-verifier", metavar="V")
    secret.add_argument("--password", metavar="P")
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
    sim = command("backoffice-sim", "advance random submitted applications")
    sim.add_argument("--every", type=float, default=5.0, metavar="SECONDS")
    sim.add_argument("--seed", type=int)
    sim.add_argument("--rounds", type=int, help="stop after N rounds")
    return parser


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise admin.AdminError(f"无法读取 {path}：{exc}") from exc
    if not isinstance(data, dict):
        raise admin.AdminError(f"{path} 的顶层必须是 JSON 对象")
    return data


def _serve(db: Database, args: argparse.Namespace) -> None:
    import uvicorn

    from .api import Settings, create_app, settings_to_env

    feed.prune(db, retention_days=args.retention_days)
    settings = Settings(
        max_body_bytes=args.max_body_bytes,
        retention_days=args.retention_days,
        public_url=args.public_url,
        blobs_dir=args.blobs_dir,
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


def run(args: argparse.Namespace) -> int:
    db = open_database(db_path=args.db, database_url=args.database_url)
    try:
        if args.command == "serve":
            _serve(db, args)
        elif args.command == "create-desk":
            new = admin.create_desk(
                db, site_code=args.site, window_code=args.window, name=args.name
            )
            print(f"desk_id: {new.desk_id}")
            print(f"enrollment_code: {new.enrollment_code}")
        elif args.command == "reissue-code":
            print(f"enrollment_code: {admin.reissue_code(db, desk_id=args.desk_id)}")
        elif args.command == "add-user":
            verifier = args.password_verifier or p.hash_password(args.password)
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
        elif args.command == "prune":
            print(f"pruned {feed.prune(db, retention_days=args.retention_days)} row(s)")
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
    except (admin.AdminError, ops.UnknownApplication, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
