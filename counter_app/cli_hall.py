"""``main.py hall``: the hall queue and the evaluation pad of this desk.

``hall show`` prints the settings and the pad's pairing link; ``hall set
KEY=VALUE`` changes them; ``hall pair`` makes a new pairing token (the old
tablet link stops working); ``hall serve`` runs the kiosk and display pages
in the foreground (a kiosk PC enrolled as a desk of the site)."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from counter_app.i18n import _

if TYPE_CHECKING:
    from counter_app.store.db import Store

Handler = Callable[[argparse.Namespace], int]


def register_hall(add: Callable[[str, Handler, str], argparse.ArgumentParser]) -> None:
    p = add("hall", cmd_hall, _("排队叫号与评价器：查看、设置、配对、运行取号机"))
    hsub = p.add_subparsers(dest="hall_command", required=True)
    hsub.add_parser("show", help=_("显示叫号与评价器设置"))
    s = hsub.add_parser("set", help=_("修改设置，例如 window_types=A,B port=8765"))
    s.add_argument("values", nargs="+", metavar="KEY=VALUE")
    hsub.add_parser("pair", help=_("生成新的评价器配对令牌（旧链接失效）"))
    s = hsub.add_parser("serve", help=_("在本机运行取号机和叫号显示页面"))
    s.add_argument("--host", default=None, help=_("监听地址（默认取设置）"))
    s.add_argument("--port", type=int, default=None, help=_("端口（默认取设置）"))
    s.add_argument("--printer", default=None, help=_("号票打印机（CUPS 队列名）"))


def cmd_hall(args: argparse.Namespace) -> int:
    from counter_app.cli import open_store
    from counter_app.hall import config

    store = open_store(args)
    try:
        if args.hall_command == "set":
            values = {}
            for pair in args.values:
                key, sep, value = pair.partition("=")
                if not sep:
                    print(
                        _("错误：“{pair}”应为 KEY=VALUE").format(pair=pair),
                        file=sys.stderr,
                    )
                    return 2
                key = key.strip()
                values[key if key.startswith("hall.") else "hall." + key] = (
                    value.strip()
                )
            config.save(store, values)
        elif args.hall_command == "pair":
            config.save(store, {"hall.pad_token": ""})
            config.pad_token(store)
        elif args.hall_command == "serve":
            return _serve(store, args)
        current = config.load(store)
        for key in config.DEFAULTS:
            if key != "hall.pad_token":
                print(f"{key[5:]}={_value(store, key)}")
        if current.port:
            token = config.pad_token(store)
            host = (
                "<本机地址>"
                if current.bind_host in ("0.0.0.0", "::")
                else current.bind_host
            )
            print(
                _("评价器配对链接：http://{host}:{port}/pad?t={token}").format(
                    host=host, port=current.port, token=token
                )
            )
        return 0
    finally:
        store.close()


def _value(store: Store, key: str) -> str:
    from counter_app.hall import config
    from counter_app.store import settings

    return settings.get(store.db, key) or config.DEFAULTS[key]


def _serve(store: Store, args: argparse.Namespace) -> int:
    from counter_app.hall import config
    from counter_app.hall.server import HallServer, TicketPrinter
    from counter_app.store import settings

    current = config.load(store)
    backend = config.make_backend(store, current)
    center = settings.get(store.db, "center_name")
    printer_name = args.printer if args.printer is not None else current.kiosk_printer
    server = HallServer(
        host=args.host or current.bind_host,
        port=args.port if args.port is not None else (current.port or 8765),
        hall_name=center,
        queue=backend,
        printer=TicketPrinter(printer_name, center) if printer_name else None,
    ).start()
    print(_("取号机：{url}").format(url=server.url("kiosk")), flush=True)
    print(_("叫号显示：{url}").format(url=server.url("display")), flush=True)
    stop = threading.Event()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
