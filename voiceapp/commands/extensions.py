"""`voiceapp extensions|voicemail ...`: users, ring groups and the virtual receptionist, and
the messages callers left. Every rule is in the domain modules; this module parses and prints."""

from __future__ import annotations

import argparse
from datetime import UTC

from voiceapp.commands.base import Groups, table
from voiceapp.core.db import database
from voiceapp.core.models import Extension, ExtensionKind
from voiceapp.core.settings import Settings
from voiceapp.switchboard import extensions, voicemail


def register(groups: Groups) -> None:
    _register_extensions(groups)
    _register_voicemail(groups)


def member_list(raw: str | None) -> list[str] | None:
    """--members 201,202 as a list; None when the option was not given."""
    return None if raw is None else raw.split(",")


def kind_name(kind: ExtensionKind) -> str:
    return kind.value.replace("_", "-")


async def rings(extension: Extension) -> str:
    """What a call to the extension rings, in a few words."""
    if extension.kind is ExtensionKind.RING_GROUP:
        members = await extension.members.all().order_by("number")
        return ",".join(member.number for member in members)
    return extension.forward_to or "-"


async def describe(extension: Extension) -> str:
    name = extensions.given_name(extension)  # a receptionist may have none
    what = f"{kind_name(extension.kind)} {name!r}" if name else kind_name(extension.kind)
    target = await rings(extension)
    if extension.kind is ExtensionKind.USER:
        what += f" -> {target}"
    elif extension.kind is ExtensionKind.RING_GROUP:
        what += f" rings {target}"
    return f"extension {extension.number}: {what}"


# ---- extensions --------------------------------------------------------------------------


def _register_extensions(groups: Groups) -> None:
    parser = groups.add_parser("extensions", help="users, ring groups, the virtual receptionist")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a user, a ring group or the virtual receptionist")
    add.add_argument("--extension", required=True, help="2 to 6 digits, e.g. 201")
    add.add_argument("--kind", required=True, help="user, ring-group or receptionist")
    add.add_argument("--name", help="who or what it is (a user's or group's name)")
    add.add_argument("--forward-to", help="a user's phone (E.164) or SIP URI")
    add.add_argument("--members", help="a ring group's user extensions, e.g. 201,202")
    add.set_defaults(handler=extensions_add)
    listing = actions.add_parser("list", help="list extensions and what they ring")
    listing.set_defaults(handler=extensions_list)
    update = actions.add_parser("update", help="change a name, forwarding target or members")
    update.add_argument("extension", help="the extension to change, e.g. 201")
    update.add_argument("--name", help="a new name")
    update.add_argument("--forward-to", help="a user's new phone (E.164) or SIP URI")
    update.add_argument("--members", help="a ring group's new members, e.g. 201,202")
    update.set_defaults(handler=extensions_update)
    remove = actions.add_parser("remove", help="delete an extension no number reaches")
    remove.add_argument("extension", help="the extension to remove, e.g. 201")
    remove.set_defaults(handler=extensions_remove)


async def extensions_add(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        extension = await extensions.add_extension(
            args.extension,
            args.kind,
            args.name,
            forward_to=args.forward_to,
            members=member_list(args.members),
        )
        print(await describe(extension))
    return 0


async def extensions_list(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        rows = [
            (
                extension.number,
                kind_name(extension.kind),
                extensions.given_name(extension) or "-",  # the conference server has none
                await rings(extension),
                ", ".join(await extensions.numbers_mapped_to(extension)) or "-",
            )
            for extension in await extensions.list_extensions()
        ]
        if not rows:
            print(
                "no extensions yet: voiceapp extensions add --extension 201 --kind user "
                "--name Alice --forward-to +33612345601"
            )
            return 0
        print(table(("EXTENSION", "KIND", "NAME", "RINGS", "NUMBERS"), rows))
    return 0


async def extensions_update(args: argparse.Namespace, settings: Settings) -> int:
    change = extensions.ExtensionChange(
        name=args.name, forward_to=args.forward_to, members=member_list(args.members)
    )
    async with database(settings.database_url):
        extension = await extensions.update_extension(args.extension, change)
        print(await describe(extension))
    return 0


async def extensions_remove(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        extension = await extensions.remove_extension(args.extension)
        name = extensions.given_name(extension)
        print(f"removed extension {extension.number}" + (f" ({name})" if name else ""))
    return 0


# ---- voicemail ---------------------------------------------------------------------------


def _register_voicemail(groups: Groups) -> None:
    parser = groups.add_parser("voicemail", help="messages callers left")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="list voicemail messages, newest first")
    listing.add_argument("--extension", help="only this extension's messages")
    listing.set_defaults(handler=voicemail_list)


async def voicemail_list(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        messages = await voicemail.list_messages(args.extension)
        if not messages:
            print("no voicemail messages")
            return 0
        rows = [
            (
                message.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
                message.extension_number,
                message.caller or "-",
                f"{message.duration_seconds} s",
                message.recording_url,
            )
            for message in messages
        ]
        print(table(("RECEIVED", "EXTENSION", "FROM", "LENGTH", "RECORDING"), rows))
    return 0
