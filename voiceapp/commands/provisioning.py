"""`voiceapp bridge|numbers|rooms ...`: set up the conference server, map phone numbers,
manage rooms. Every rule is in the domain modules; this module parses and prints."""

from __future__ import annotations

import argparse

from voiceapp.commands.base import Groups, table
from voiceapp.conferencing import rooms
from voiceapp.core.db import database
from voiceapp.core.models import Room
from voiceapp.core.settings import Settings
from voiceapp.media import greetings
from voiceapp.switchboard import conference_server, numbers


def register(groups: Groups) -> None:
    _register_bridge(groups)
    _register_numbers(groups)
    _register_rooms(groups)


# ---- bridge ----------------------------------------------------------------------------


def _register_bridge(groups: Groups) -> None:
    parser = groups.add_parser("bridge", help="set up the conference server")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    setup = actions.add_parser("setup", help="create the conference server or change it")
    setup.add_argument(
        "--extension", required=True, help="the extension callers reach it on, e.g. 800"
    )
    setup.add_argument(
        "--language", default="fr", help="the language it greets in: fr or es (default: fr)"
    )
    setup.set_defaults(handler=bridge_setup)
    show = actions.add_parser("show", help="show the conference server")
    show.set_defaults(handler=bridge_show)
    remove = actions.add_parser(
        "remove", help="delete the conference server (no rooms, no numbers)"
    )
    remove.set_defaults(handler=bridge_remove)


async def bridge_setup(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        current = await conference_server.setup_bridge(args.extension, args.language)
        print(
            f"conference server on extension {current.extension.number}, "
            f"language {current.default_language.value}"
        )
    return 0


async def bridge_show(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        current = await rooms.require_bridge()
        all_rooms = await rooms.list_rooms()
        print(
            f"conference server on extension {current.extension.number}, "
            f"language {current.default_language.value}, "
            f"{len(all_rooms)} of {settings.max_rooms} rooms"
        )
    return 0


async def bridge_remove(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        await conference_server.remove_bridge()
        print("conference server removed")
    return 0


# ---- numbers ---------------------------------------------------------------------------


def _register_numbers(groups: Groups) -> None:
    parser = groups.add_parser("numbers", help="map phone numbers to extensions")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="map a phone number to an extension")
    add.add_argument("number", help="E.164, e.g. +33180000001")
    add.add_argument("--extension", required=True, help="the extension it reaches, e.g. 800")
    add.add_argument(
        "--language", default="fr", help="the callers' language: fr or es (default: fr)"
    )
    add.set_defaults(handler=numbers_add)
    update = actions.add_parser("update", help="change a number's extension or language")
    update.add_argument("number", help="the number to change, e.g. +33180000001")
    update.add_argument("--extension", help="the extension it reaches from now on")
    update.add_argument("--language", help="the callers' language from now on: fr or es")
    update.add_argument(
        "--say-locale", help="text-to-speech locale of its language (es-MX, fr-CA) or default"
    )
    update.set_defaults(handler=numbers_update)
    listing = actions.add_parser("list", help="list phone numbers and where they go")
    listing.set_defaults(handler=numbers_list)
    remove = actions.add_parser("remove", help="stop answering a phone number")
    remove.add_argument("number", help="the number to remove, e.g. +33180000001")
    remove.set_defaults(handler=numbers_remove)


async def numbers_add(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        number = await numbers.add_number(args.number, args.extension, args.language)
        print(f"{number.e164} -> extension {args.extension} ({number.language.value})")
    return 0


async def numbers_update(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        number = await numbers.update_number(
            args.number,
            extension_number=args.extension,
            language=args.language,
            say_locale=args.say_locale,
        )
        voice = f", says {number.say_locale}" if number.say_locale else ""
        print(
            f"{number.e164} -> extension {number.extension.number} ({number.language.value}{voice})"
        )
    return 0


async def numbers_list(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        mapped = await numbers.list_numbers()
        if not mapped:
            print("no phone numbers yet: voiceapp numbers add +33180000001 --extension 800")
            return 0
        rows = [
            (n.e164, n.extension.number, n.extension.kind.value.replace("_", " "), n.language.value)
            for n in mapped
        ]
        print(table(("NUMBER", "EXTENSION", "DESTINATION", "LANGUAGE"), rows))
    return 0


async def numbers_remove(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        removed = await numbers.remove_number(args.number)
        greetings.forget_recording(removed, settings)
        print(f"removed {removed.e164}")
    return 0


# ---- rooms -----------------------------------------------------------------------------


def call_settings(room: Room) -> str:
    """What happens during the call, where it differs from a plain room ("" when it
    does not): never the host PIN itself, as the PIN is never printed."""
    shown = [
        ("host PIN set", room.host_pin is not None),
        ("waits for the host", room.wait_for_host),
        ("ends with the host", room.end_with_host),
        ("no tones", not room.tones),
        ("joins muted", room.muted_on_entry),
        ("recorded", room.record),
    ]
    return ", ".join(text for text, on in shown if on)


def describe_room(room: Room) -> str:
    pin = "PIN set" if room.pin else "no PIN"
    during = call_settings(room)
    return (
        f"room {room.name!r}: conference ID {room.conference_id}, {pin}, "
        f"up to {room.capacity} callers" + (f", {during}" if during else "")
    )


# The during-the-call switches, as (option, column, help when on, help when off).
SWITCHES = (
    (
        "wait-for-host",
        "wait_for_host",
        "participants wait, hearing hold music, until a host joins (needs --host-pin)",
        "participants start the call as they join (the default)",
    ),
    (
        "end-with-host",
        "end_with_host",
        "the call ends for everyone when a host leaves",
        "the call goes on when a host leaves (the default)",
    ),
    (
        "tones",
        "tones",
        "a tone as each caller joins or leaves (the default)",
        "no tone as callers join or leave",
    ),
    (
        "muted-on-entry",
        "muted_on_entry",
        "participants join muted, hosts do not (lecture mode)",
        "participants join able to speak (the default)",
    ),
    (
        "record",
        "record",
        "record the call; callers hear that it is recorded before joining",
        "do not record the call (the default)",
    ),
)


def _add_call_settings(parser: argparse.ArgumentParser, *, on_update: bool) -> None:
    """The during-the-call options, the same on `rooms add` and `rooms update`: each
    pair mutually exclusive; absent leaves the setting as it is (or the default)."""
    keep = " (default: unchanged)" if on_update else ""
    host_pin = parser.add_mutually_exclusive_group()
    host_pin.add_argument(
        "--host-pin",
        metavar="DIGITS",
        help="4 to 12 digits, different from --pin: a caller who types it is the room's "
        "host (the room needs a PIN)",
    )
    host_pin.add_argument(
        "--no-host-pin",
        action="store_true",
        help="remove the room's host PIN" if on_update else "no host PIN (the default)",
    )
    for option, column, on, off in SWITCHES:
        pair = parser.add_mutually_exclusive_group()
        pair.add_argument(f"--{option}", dest=column, action="store_const", const=True, help=on)
        pair.add_argument(
            f"--no-{option}", dest=column, action="store_const", const=False, help=off + keep
        )


def _register_rooms(groups: Groups) -> None:
    parser = groups.add_parser("rooms", help="conference rooms")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a room to the conference server")
    add.add_argument("--name", required=True, help="what admins call the room, e.g. Ventes")
    add.add_argument(
        "--conference-id", required=True, help="the digits callers type to reach it, e.g. 1234"
    )
    add.add_argument("--pin", help="4 to 12 digits callers must type after the ID (default: none)")
    add.add_argument(
        "--capacity", help="most callers at once, 1 to 250 (default: VOICEAPP_ROOM_CAPACITY)"
    )
    _add_call_settings(add, on_update=False)
    add.set_defaults(handler=rooms_add)
    listing = actions.add_parser("list", help="list rooms")
    listing.set_defaults(handler=rooms_list)
    update = actions.add_parser(
        "update", help="change a room's name, ID, PIN, capacity or what happens during the call"
    )
    update.add_argument("conference_id", help="the room's conference ID today")
    update.add_argument("--name", help="a new name")
    update.add_argument("--new-conference-id", help="new digits callers type to reach it")
    pin = update.add_mutually_exclusive_group()
    pin.add_argument("--pin", help="a new PIN, 4 to 12 digits")
    pin.add_argument("--no-pin", action="store_true", help="remove the room's PIN")
    update.add_argument("--capacity", help="most callers at once, 1 to 250")
    _add_call_settings(update, on_update=True)
    update.set_defaults(handler=rooms_update)
    remove = actions.add_parser("remove", help="delete a room")
    remove.add_argument("conference_id", help="the conference ID of the room to remove")
    remove.set_defaults(handler=rooms_remove)


def _switches(args: argparse.Namespace) -> dict[str, bool]:
    """The during-the-call switches typed, by column; one absent is left out (on add:
    the default; on update: unchanged)."""
    typed = {column: getattr(args, column) for _, column, _, _ in SWITCHES}
    return {column: value for column, value in typed.items() if value is not None}


async def rooms_add(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        room = await rooms.add_room(
            settings,
            name=args.name,
            conference_id=args.conference_id,
            pin=args.pin,
            capacity=args.capacity,
            host_pin=args.host_pin,
            **_switches(args),
        )
        print(describe_room(room))
    return 0


async def rooms_list(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        all_rooms = await rooms.list_rooms()
        if not all_rooms:
            print("no rooms yet: voiceapp rooms add --name Sales --conference-id 1234")
            return 0
        rows = [
            (
                r.conference_id,
                r.name,
                "yes" if r.pin else "no",
                f"{r.seats_taken}/{r.capacity}",
                call_settings(r),
            )
            for r in all_rooms
        ]
        print(table(("CONFERENCE ID", "NAME", "PIN", "CALLERS", "DURING THE CALL"), rows))
    return 0


async def rooms_update(args: argparse.Namespace, settings: Settings) -> int:
    change = rooms.RoomChange(
        name=args.name,
        conference_id=args.new_conference_id,
        pin=args.pin,
        clear_pin=args.no_pin,
        capacity=args.capacity,
        host_pin=args.host_pin,
        clear_host_pin=args.no_host_pin,
        **_switches(args),
    )
    async with database(settings.database_url):
        room = await rooms.update_room(settings, args.conference_id, change)
        print(describe_room(room))
    return 0


async def rooms_remove(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        room = await rooms.remove_room(args.conference_id)
        greetings.forget_recording(room, settings)
        print(f"removed room {room.name!r} ({room.conference_id})")
    return 0
