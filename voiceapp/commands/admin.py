"""`voiceapp admin create-user` / `set-password`: the accounts for the admin pages."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Awaitable, Callable

from voiceapp.accounts import admins
from voiceapp.commands.base import Groups
from voiceapp.core.db import database
from voiceapp.core.errors import InvalidInput
from voiceapp.core.settings import Settings


def register(groups: Groups) -> None:
    parser = groups.add_parser("admin", help="accounts for the admin web pages")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    _account_action(
        actions,
        "create-user",
        create_user,
        help="create an admin account",
        description="Create an admin account. The password is read from standard input "
        "with --password-stdin, otherwise asked for twice at the terminal; it is never "
        "taken as an argument, where it would end up in shell history and `ps`.",
    )
    _account_action(
        actions,
        "set-password",
        set_password,
        help="change an admin's password and end their sessions",
        description="Give an admin account a new password, read as for create-user, and "
        "log that admin out everywhere: a session opened with the old password, or a "
        "copy of its cookie, no longer opens the admin pages.",
    )


# A command's coroutine: what `voiceapp` runs with the parsed arguments and the settings.
Handler = Callable[[argparse.Namespace, Settings], Awaitable[int]]


def _account_action(
    actions: Groups, name: str, handler: Handler, *, help: str, description: str
) -> None:
    """An action on one account that takes a password, read the one safe way."""
    action = actions.add_parser(name, help=help, description=description)
    action.add_argument("username")
    action.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    action.set_defaults(handler=handler)


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        # One line; the newline a shell `echo` or heredoc adds is not part of the password.
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InvalidInput("no terminal to ask for the password: use --password-stdin")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != password:
        raise InvalidInput("the two passwords differ")
    return password


# Both look the account up before asking for the password: nobody should type a new
# password twice only to learn that the name was mistyped or is taken.


async def create_user(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        await admins.require_free_username(args.username)
        password = admins.check_password(read_password(args.password_stdin))
        user = await admins.create_admin(args.username, password)
    print(f"created admin {user.username!r}")
    if not settings.secret_key:
        print(
            "note: set VOICEAPP_SECRET_KEY before serving the admin pages; they are off without it"
        )
    return 0


async def set_password(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        await admins.require_admin(args.username)
        password = admins.check_password(read_password(args.password_stdin))
        await admins.set_password(args.username, password)
    print(f"changed the password of admin {args.username.strip()!r}; their sessions are ended")
    return 0
