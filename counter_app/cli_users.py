"""``main.py user add|unlock|reset``: local accounts from the command line.

Whoever runs these can open the desk's data folder, so acts as its
administrator; each change is an audit event under ``cli:<OS user>``.
Passwords come from a prompt, ``COUNTER_PASSWORD`` or ``--password-stdin``
(:mod:`counter_app.cli_secrets`), never from an argument. A password set here
is temporary: the user chooses their own at the next sign-in.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from counter_app.cli_secrets import NoPassword, add_password_stdin, read_password
from counter_app.i18n import _

Handler = Callable[[argparse.Namespace], int]


def register_user(add: Callable[[str, Handler, str], argparse.ArgumentParser]) -> None:
    p = add("user", cmd_user, _("用户管理"))
    usub = p.add_subparsers(dest="user_command", required=True)
    s = usub.add_parser(
        "add",
        help=_("添加或重置用户（首次登录须改密码）"),
        description=_(
            "添加或重置用户。密码在终端提示输入，或取自环境变量 COUNTER_PASSWORD，"
            "或用 --password-stdin 从标准输入读取；用户首次登录时须改为自己的密码。"
        ),
    )
    s.add_argument("username")
    s.add_argument("--name", required=True, help=_("显示姓名"))
    s.add_argument("--role", choices=["clerk", "supervisor"], default="clerk")
    add_password_stdin(s)
    s = usub.add_parser(
        "unlock",
        help=_("解除因密码错误造成的锁定"),
        description=_("解除因连续密码错误造成的账户锁定"),
    )
    s.add_argument("username")
    s = usub.add_parser(
        "reset",
        help=_("重置密码（临时密码，首次登录须改）"),
        description=_(
            "为用户设置临时密码并解除锁定；用户下次登录时须改为自己的密码。"
            "密码来源同 user add。"
        ),
    )
    s.add_argument("username")
    add_password_stdin(s)


def cmd_user(args: argparse.Namespace) -> int:
    from counter_app.cli import open_store
    from counter_app.services import users

    try:
        password = (
            read_password(
                args,
                prompt=_("{user} 的临时密码：").format(user=args.username),
                confirm=True,
            )
            if args.user_command in ("add", "reset")
            else ""
        )
    except NoPassword as exc:
        print(_("错误：{message}").format(message=exc), file=sys.stderr)
        return 2
    store = open_store(args)
    by = users.cli_admin_context()
    try:
        if args.user_command == "add":
            users.add_user(
                store,
                username=args.username,
                display_name=args.name,
                role=args.role,
                password=password,
                by=by,
            )
            print(
                _("用户 {username} 已保存；首次登录时须修改密码。").format(
                    username=args.username
                )
            )
        elif args.user_command == "reset":
            users.reset_password(
                store, by, username=args.username, new_password=password
            )
            print(
                _("用户 {username} 的密码已重置并解锁；下次登录时须修改密码。").format(
                    username=args.username
                )
            )
        else:
            was_locked = users.unlock_user(store, by, username=args.username)
            print(
                _("用户 {username} 已解锁。").format(username=args.username)
                if was_locked
                else _("用户 {username} 未被锁定；失败计数已清零。").format(
                    username=args.username
                )
            )
    finally:
        store.close()
    return 0
