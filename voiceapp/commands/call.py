"""`voiceapp call`: place a test call through the carrier emulator and print what happens."""

from __future__ import annotations

import argparse

import httpx

from voiceapp.commands.base import Groups
from voiceapp.core import db
from voiceapp.core.errors import InvalidInput
from voiceapp.core.phone_numbers import to_e164
from voiceapp.core.settings import Settings
from voiceapp.emulator.carrier import Carrier, EmulatedCall
from voiceapp.emulator.events import Event
from voiceapp.emulator.far_end import DIAL_OUTCOMES, MESSAGE_SECONDS
from voiceapp.emulator.inprocess import in_process_carrier, remote_carrier


def register(groups: Groups) -> None:
    call = groups.add_parser(
        "call",
        help="place a test call with the carrier emulator",
        description="Dial a number as a carrier would and print what the caller hears. "
        "Each --digits is one keypad entry, typed at the next prompt.",
    )
    call.add_argument("--to", required=True, help="the number dialled, e.g. +33180000001")
    call.add_argument("--from", dest="caller", default="+33612345678", help="the caller's number")
    call.add_argument(
        "--digits",
        action="append",
        default=[],
        metavar="INPUT",
        help="one keypad entry, e.g. 1234# (repeat for each prompt)",
    )
    call.add_argument(
        "--answer",
        choices=DIAL_OUTCOMES,
        default="answered",
        help="how a forwarded call's ringing ends (default: answered)",
    )
    call.add_argument(
        "--message-seconds",
        type=int,
        default=MESSAGE_SECONDS,
        metavar="N",
        help=f"how long the caller speaks at a voicemail beep; 0: silence "
        f"(default: {MESSAGE_SECONDS})",
    )
    call.add_argument("--url", help="base URL of a running voiceapp (default: run it in-process)")
    call.set_defaults(handler=run_call)


def echo(event: Event) -> None:
    print(event, flush=True)


async def run_call(args: argparse.Namespace, settings: Settings) -> int:
    to = to_e164(args.to, field="to")
    for entry in args.digits:
        if not entry or any(ch not in "0123456789*#" for ch in entry):
            raise InvalidInput(f"--digits takes keypad keys 0-9, * and #, got {entry!r}")
    if args.message_seconds < 0:
        raise InvalidInput("--message-seconds must be 0 or more")
    if not args.url:
        # The app would answer an unmigrated database with the callers' apology; a
        # person at a terminal needs to hear "migrate" instead.
        await db.require_migrated(settings.database_url)
    print(f"☎ calling {to} from {args.caller}")

    async def place(carrier: Carrier) -> EmulatedCall:
        return await carrier.call(
            to,
            caller=args.caller,
            digits=args.digits,
            answer=args.answer,
            message_seconds=args.message_seconds,
        )

    try:
        if args.url:
            if not settings.auth_token:
                raise InvalidInput("set TWILIO_AUTH_TOKEN to the server's token to sign the calls")
            async with remote_carrier(args.url, settings.auth_token, echo=echo) as carrier:
                call = await place(carrier)
        else:
            async with in_process_carrier(settings, echo=echo) as carrier:
                call = await place(carrier)
    except httpx.HTTPError as error:
        raise InvalidInput(f"cannot reach {args.url}: {error}") from None
    return 1 if any(event.kind == "error" for event in call.events) else 0
