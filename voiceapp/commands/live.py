"""`voiceapp live list|mute|unmute|kick|lock|unlock|end`: who is in each room now, and
the Live page's controls, for scripts and operators. The rules are in
voiceapp.conferencing.controls; a carrier that refuses (or cannot be reached) is one line
`voiceapp: error: ...` and exit 1, like every other refusal."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from voiceapp.commands.base import Groups, table
from voiceapp.conferencing import controls, rooms, seats
from voiceapp.core import server_secrets
from voiceapp.core.db import database
from voiceapp.core.models import Seat, SeatState
from voiceapp.core.settings import Settings

# How `live list` says where each caller is.
STATES = {
    SeatState.RESERVED: "joining",
    SeatState.JOINED: "in the conference",
    SeatState.IN_MENU: "in the menu",
    SeatState.REMOVED: "being removed",
}


def register(groups: Groups) -> None:
    parser = groups.add_parser(
        "live", help="who is in each room now; mute, remove, lock, end (running conferences)"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the rooms with callers in them, and each caller")
    listing.set_defaults(handler=live_list)
    for name, handler, help_text in (
        ("mute", live_mute, "mute a caller"),
        ("unmute", live_unmute, "let a muted caller speak again"),
        ("kick", live_kick, "remove a caller from the conference (they hear goodbye)"),
    ):
        caller_parser = actions.add_parser(name, help=help_text)
        caller_parser.add_argument(
            "conference_id", metavar="CONFERENCE_ID", help="the room's conference ID"
        )
        caller_parser.add_argument(
            "--caller",
            required=True,
            metavar="NUMBER",
            help="the caller's number, as `voiceapp live list` shows it or with spaces "
            "(+33 6 12 34 56 78); every call from it in the room",
        )
        caller_parser.set_defaults(handler=handler)
    for name, handler, help_text in (
        ("lock", live_lock, "refuse newcomers (hosts still enter) until the conference ends"),
        ("unlock", live_unlock, "let callers join again"),
        ("end", live_end, "end the conference: everyone in it is disconnected"),
    ):
        room_parser = actions.add_parser(name, help=help_text)
        room_parser.add_argument(
            "conference_id", metavar="CONFERENCE_ID", help="the room's conference ID"
        )
        room_parser.set_defaults(handler=handler)


def _flags(seat: Seat) -> str:
    flags = [
        label
        for label, on in (("host", seat.is_host), ("muted", seat.muted), ("on hold", seat.on_hold))
        if on
    ]
    return ", ".join(flags) or "-"


async def live_list(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        rows = []
        for room in await rooms.list_rooms():
            for seat in await seats.roster(room):
                rows.append(
                    (
                        room.conference_id,
                        room.name,
                        "locked" if room.locked else "-",
                        seat.caller or "unknown",
                        STATES[SeatState(seat.state)],
                        _flags(seat),
                    )
                )
    if rows:
        print(table(("CONFERENCE ID", "ROOM", "LOCKED", "CALLER", "WHERE", "FLAGS"), rows))
    else:
        print("nobody is in any room")
    return 0


def _callers(changed: list[Seat]) -> str:
    return ", ".join(seat.caller or seat.call_sid for seat in changed)


@asynccontextmanager
async def _as_the_server(settings: Settings) -> AsyncIterator[Settings]:
    """The database open, and `settings` with the carrier token a server on it uses when
    TWILIO_AUTH_TOKEN is unset (server_secrets): the REST APIs of emulators (`voiceapp
    call --stay`, the Test call page) check it, as the carrier checks the account's."""
    async with database(settings.database_url):
        token = settings.auth_token or await server_secrets.carrier_token()
        yield dataclasses.replace(settings, auth_token=token)


async def _set_muted(args: argparse.Namespace, settings: Settings, muted: bool) -> int:
    async with _as_the_server(settings) as settings:
        changed = await controls.set_caller_muted(settings, args.conference_id, args.caller, muted)
    print(f"{'muted' if muted else 'unmuted'} {_callers(changed)} in room {args.conference_id}")
    return 0


async def live_mute(args: argparse.Namespace, settings: Settings) -> int:
    return await _set_muted(args, settings, True)


async def live_unmute(args: argparse.Namespace, settings: Settings) -> int:
    return await _set_muted(args, settings, False)


async def live_kick(args: argparse.Namespace, settings: Settings) -> int:
    async with _as_the_server(settings) as settings:
        removed = await controls.remove_caller(settings, args.conference_id, args.caller)
    print(f"removed {_callers(removed)} from room {args.conference_id}")
    return 0


async def _set_locked(args: argparse.Namespace, settings: Settings, locked: bool) -> int:
    async with database(settings.database_url):
        room = await controls.set_locked(args.conference_id, locked)
    if locked:
        print(f"room {room.conference_id} is locked until its conference ends (hosts still enter)")
    else:
        print(f"room {room.conference_id} is unlocked")
    return 0


async def live_lock(args: argparse.Namespace, settings: Settings) -> int:
    return await _set_locked(args, settings, True)


async def live_unlock(args: argparse.Namespace, settings: Settings) -> int:
    return await _set_locked(args, settings, False)


async def live_end(args: argparse.Namespace, settings: Settings) -> int:
    async with _as_the_server(settings) as settings:
        count = await controls.end_conference(settings, args.conference_id)
    print(f"ended the conference in room {args.conference_id}: {count} caller(s) disconnected")
    return 0
