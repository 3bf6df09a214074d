"""``enroll`` and ``sync`` sub-commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from counter_app.i18n import _

Handler = Callable[[argparse.Namespace], int]

EXIT_LEFT_OVER = 1
EXIT_BUSY = 3


def register_sync(sub: argparse._SubParsersAction, table: dict[str, Handler]) -> None:  # type: ignore[type-arg]
    table["enroll"] = cmd_enroll
    p = sub.add_parser(
        "enroll",
        help=_("把本终端注册到中心平台"),
        description=_("把本终端注册到中心平台"),
    )
    p.add_argument(
        "--server", required=True, help=_("中心平台地址，如 https://zwfw.example.cn")
    )
    p.add_argument("--code", required=True, help=_("一次性注册码"))
    p.add_argument("--ca-cert", type=Path, help=_("自签名服务器的 CA 证书文件（PEM）"))
    p.add_argument("--name", help=_("终端名称"))
    p.add_argument(
        "--insecure-http",
        action="store_true",
        help=_(
            "仅限实验环境：允许用不加密的 http:// 连接本机以外的中心平台"
            "（状态栏会一直显示警告）"
        ),
    )

    table["sync"] = cmd_sync
    p = sub.add_parser(
        "sync", help=_("与中心平台同步"), description=_("与中心平台同步")
    )
    p.add_argument(
        "--once",
        action="store_true",
        help=_("同步一轮后退出；有未发送或失败的数据时返回非零"),
    )
    p.add_argument("--server", help=_("临时使用的中心平台地址"))
    p.add_argument(
        "--wait", action="store_true", help=_("另一个同步正在进行时等待，而不是退出")
    )


def cmd_enroll(args: argparse.Namespace) -> int:
    from counter_app.cli import open_store
    from counter_app.services.enrollment import enroll
    from sync.transport import SyncError

    store = open_store(args)
    try:
        result = enroll(
            store,
            server_url=args.server,
            code=args.code,
            ca_cert=args.ca_cert,
            desk_name=args.name,
            insecure_http=args.insecure_http,
        )
    except SyncError as exc:
        print(_("注册失败：{message}").format(message=exc), file=sys.stderr)
        return 2
    finally:
        store.close()
    print(
        _("注册成功：终端 {desk}，站点 {site}，窗口 {window}。").format(
            desk=result.desk_id, site=result.site_code, window=result.window_code
        )
    )
    from sync.urls import needs_insecure_switch

    if needs_insecure_switch(result.server_url):
        print(
            _(
                "警告：与中心平台 {url} 的连接不加密（--insecure-http），"
                "只可用于实验环境。"
            ).format(url=result.server_url),
            file=sys.stderr,
        )
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from sync.engine import SyncEvent
    from sync.runner import SyncBusy, sync_once
    from sync.service import run_forever
    from sync.transport import SyncError

    def show(event: SyncEvent) -> None:
        if (
            event.kind in ("retry", "dead_letter", "conflict", "audit_problem")
            and event.message
        ):
            print(event.message, file=sys.stderr)

    data_dir = Path(args.data_dir)
    if not args.once:
        return run_forever(data_dir, server_url=args.server)
    try:
        report = sync_once(
            data_dir, server_url=args.server, wait=args.wait, on_event=show
        )
    except SyncBusy as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BUSY
    except SyncError as exc:
        print(_("同步失败：{message}").format(message=exc), file=sys.stderr)
        return 2
    print(
        _(
            "已确认 {acked} 条（其中重复 {dup} 条），拒绝 {rejected} 条，冲突 {conflicts} 条，"
            "上传文件 {blobs} 个；待发送 {ops} 条、{bytes} 字节。"
        ).format(
            acked=report.acked,
            dup=report.duplicates,
            rejected=report.rejected,
            conflicts=report.conflicts,
            blobs=report.blobs_uploaded,
            ops=report.remaining_ops,
            bytes=report.remaining_bytes,
        )
    )
    if report.pull is not None and (report.pull.quarantined or report.pull.released):
        print(
            _(
                "中心变更：新暂存 {new} 条（本机暂时无法应用，已保存并将在每次同步时重试），"
                "重试后已应用 {released} 条。"
            ).format(new=len(report.pull.quarantined), released=report.pull.released),
            file=sys.stderr,
        )
    if report.skew_warning:
        print(
            _("警告：本机时钟与中心平台相差 {minutes} 分钟，请校准时间。").format(
                minutes=round((report.skew_seconds or 0) / 60)
            ),
            file=sys.stderr,
        )
    if report.error:
        print(_("同步未完成：{message}").format(message=report.error), file=sys.stderr)
    return 0 if report.clean else EXIT_LEFT_OVER
