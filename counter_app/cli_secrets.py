"""Passwords at the command line: never an argument (it would land in the
shell history and in ``ps``). A prompt on a terminal; for automation the
``COUNTER_PASSWORD`` environment variable or one line on standard input
(``--password-stdin``)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from counter_app.i18n import _

PASSWORD_ENV = "COUNTER_PASSWORD"


class NoPassword(Exception):
    """No way to get a password here; the message says what to do."""


class _RefusePassword(argparse.Action):
    """``--password X`` (the old form) is refused with the way to do it."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        parser.error(refusal_message())


def refusal_message() -> str:
    return _(
        "密码不能写在命令行上（会留在命令历史和进程列表中）：请在提示时输入，"
        "或设置环境变量 {env}，或用 --password-stdin 从标准输入提供。"
    ).format(env=PASSWORD_ENV)


def add_password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password", nargs="?", action=_RefusePassword, help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help=_(
            "从标准输入读取密码（一行）；否则取环境变量 {env}，都没有时在终端提示输入"
        ).format(env=PASSWORD_ENV),
    )


def read_password(
    args: argparse.Namespace, *, prompt: str, confirm: bool = False
) -> str:
    """The password from stdin (``--password-stdin``), ``COUNTER_PASSWORD``
    or a prompt; ``confirm`` asks twice at a prompt (a new password)."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise NoPassword(_("标准输入中没有密码（--password-stdin）。"))
        return line.rstrip("\r\n")
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env is not None:
        return from_env
    if not sys.stdin.isatty():
        raise NoPassword(
            _(
                "没有可输入密码的终端：请用 --password-stdin 从标准输入提供密码，"
                "或设置环境变量 {env}。"
            ).format(env=PASSWORD_ENV)
        )
    password = getpass.getpass(prompt)
    if confirm and getpass.getpass(_("再输入一次：")) != password:
        raise NoPassword(_("两次输入的密码不一致，未作任何改动。"))
    return password
