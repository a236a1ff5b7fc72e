"""`voiceapp admin create-user|set-password|list|update|remove`: the accounts of the web
pages, admins and organizers, with their e-mail, language and time zone."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Awaitable, Callable

from voiceapp.accounts import admins, profiles
from voiceapp.commands.base import Groups, table
from voiceapp.core.contact_details import MAIL_LANGUAGES
from voiceapp.core.db import database
from voiceapp.core.errors import InvalidInput
from voiceapp.core.models import AdminUser
from voiceapp.core.settings import Settings


def register(groups: Groups) -> None:
    parser = groups.add_parser("admin", help="accounts for the web pages: admins, organizers")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = _account_action(
        actions,
        "create-user",
        create_user,
        help="create an account (an admin unless --role organizer)",
        description="Create an account. The password is read from standard input "
        "with --password-stdin, otherwise asked for twice at the terminal; it is never "
        "taken as an argument, where it would end up in shell history and `ps`.",
    )
    _profile_options(
        create,
        role_help="admin (everything, the default) or organizer (schedules meetings, "
        "keeps their own contacts and groups)",
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
    listing = actions.add_parser("list", help="list the accounts, their roles and details")
    listing.set_defaults(handler=list_accounts)
    update = actions.add_parser(
        "update",
        help="change an account's role, name, e-mail, language or time zone",
        description="Change the details given; the others stay as they are. An empty "
        "--email or --timezone clears it. The last admin cannot become an organizer.",
    )
    update.add_argument("username", help="the account's login name")
    _profile_options(update, role_help="admin or organizer")
    update.set_defaults(handler=update_account)
    remove = actions.add_parser(
        "remove",
        help="delete an account, with its contacts and groups",
        description="Delete an account and its contacts and groups. Refused for the last "
        "admin, and while the account organizes meetings still to come.",
    )
    remove.add_argument("username", help="the account's login name")
    remove.set_defaults(handler=remove_account)


def _profile_options(action: argparse.ArgumentParser, *, role_help: str) -> None:
    action.add_argument("--role", choices=profiles.ROLES, help=role_help)
    action.add_argument("--email", help="where replies to their invitations go")
    action.add_argument(
        "--name", dest="display_name", help='how invitations name the person, e.g. "Ana Ruiz"'
    )
    action.add_argument(
        "--language", choices=MAIL_LANGUAGES, help="the language of their pages and mail"
    )
    action.add_argument(
        "--timezone",
        dest="time_zone",
        help="the IANA time zone they read times in, e.g. Europe/Paris",
    )


def profile_of(args: argparse.Namespace) -> profiles.Profile:
    return profiles.Profile(
        role=args.role,
        display_name=args.display_name,
        email=args.email,
        language=args.language,
        time_zone=args.time_zone,
    )


# A command's coroutine: what `voiceapp` runs with the parsed arguments and the settings.
Handler = Callable[[argparse.Namespace, Settings], Awaitable[int]]


def _account_action(
    actions: Groups, name: str, handler: Handler, *, help: str, description: str
) -> argparse.ArgumentParser:
    """An action on one account that takes a password, read the one safe way."""
    action = actions.add_parser(name, help=help, description=description)
    action.add_argument("username", help="the admin's login name: letters, digits and . _ @ -")
    action.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    action.set_defaults(handler=handler)
    return action


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
    profile = profile_of(args)
    profiles.checked_columns(profile)  # a mistyped option fails before the password is read
    async with database(settings.database_url):
        await admins.require_free_username(args.username)
        password = admins.check_password(read_password(args.password_stdin))
        user = await profiles.create_account(args.username, password, profile)
    print(f"created {user.role.value} {user.username!r}")
    return 0


async def set_password(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        await admins.require_admin(args.username)
        password = admins.check_password(read_password(args.password_stdin))
        await admins.set_password(args.username, password)
    print(f"changed the password of admin {args.username.strip()!r}; their sessions are ended")
    return 0


def describe(account: AdminUser) -> str:
    """An account on one line: organizer 'bob': 'Bob Stone' <bob@example.com>, fr, Europe/Paris"""
    who = repr(account.display_name) if account.display_name else "no display name"
    if account.email:
        who += f" <{account.email}>"
    details = [who, account.language, account.time_zone or "no time zone"]
    return f"{account.role.value} {account.username!r}: {', '.join(details)}"


async def list_accounts(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        accounts = await profiles.list_accounts()
    rows = [
        (
            account.username,
            account.role.value,
            account.display_name or "-",
            account.email or "-",
            account.language,
            account.time_zone or "-",
        )
        for account in accounts
    ]
    if not rows:
        print("no accounts yet: voiceapp admin create-user NAME --password-stdin")
        return 0
    print(table(("USERNAME", "ROLE", "NAME", "EMAIL", "LANGUAGE", "TIME ZONE"), rows))
    return 0


async def update_account(args: argparse.Namespace, settings: Settings) -> int:
    profile = profile_of(args)
    if not profiles.checked_columns(profile):
        raise InvalidInput(
            "nothing to change: give --role, --email, --name, --language or --timezone"
        )
    async with database(settings.database_url):
        account = await profiles.update_account(args.username, profile)
    print(describe(account))
    return 0


async def remove_account(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        account = await profiles.remove_account(args.username)
    print(f"removed {account.role.value} {account.username!r} with their contacts and groups")
    return 0
