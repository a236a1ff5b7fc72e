"""`voiceapp call`: place a test call through the carrier emulator and print what happens."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, nullcontext

import httpx
from tortoise.exceptions import DBConnectionError, OperationalError

from voiceapp.carrier import accounts
from voiceapp.commands.base import Groups
from voiceapp.core import db, server_secrets
from voiceapp.core.errors import InvalidInput
from voiceapp.core.phone_numbers import to_e164
from voiceapp.core.settings import Settings
from voiceapp.emulator.call import EmulatedCall
from voiceapp.emulator.carrier import Carrier
from voiceapp.emulator.events import Event
from voiceapp.emulator.far_end import DIAL_OUTCOMES, MESSAGE_SECONDS
from voiceapp.emulator.inprocess import in_process_carrier, remote_carrier
from voiceapp.emulator.rest_api import serving_rest_api
from voiceapp.emulator.sids import ACCOUNT_SID, random_account_sid


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
        help="one keypad entry, e.g. 1234# (repeat for each prompt); in a conference, an "
        "entry that starts with * presses * there (out to the keypad menu)",
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
    call.add_argument(
        "--stay",
        type=int,
        metavar="SECONDS",
        help="once in a conference, stay there SECONDS before hanging up (the Live page "
        "shows the caller meanwhile, and its controls reach the call); * opens the keypad "
        "menu; Ctrl-C hangs up sooner (default: hang up at once)",
    )
    call.add_argument("--url", help="base URL of a running voiceapp (default: run it in-process)")
    call.set_defaults(handler=run_call)


def echo(event: Event) -> None:
    print(event, flush=True)


async def _kept_carrier_token(settings: Settings) -> str:
    """With no TWILIO_AUTH_TOKEN, the token a server on this same database checks
    webhooks with (server_secrets): the quick start's server needs nothing set by hand."""
    how_to_sign = (
        "set TWILIO_AUTH_TOKEN to the server's token, or run this where the server's "
        "database is (VOICEAPP_DATABASE_URL, migrated): it keeps its token there"
    )
    local_file = db.sqlite_file(settings.database_url)
    if local_file is not None and not local_file.exists():
        # Opening it would leave an empty database file behind, here, for nothing.
        raise InvalidInput(f"no database at {local_file}: {how_to_sign}")
    try:
        async with db.database(settings.database_url):
            return await server_secrets.carrier_token()
    except OperationalError:
        raise InvalidInput(how_to_sign) from None


@asynccontextmanager
async def live_controls(
    carrier: Carrier, settings: Settings, *, open_database: bool
) -> AsyncIterator[None]:
    """While the call stays: serve this emulator's REST API and register it in the
    database, so that the Live page and `voiceapp live` (mute, remove, end...) reach the
    conferences it holds. `open_database`: this process has no ORM open (--url)."""
    async with AsyncExitStack() as stack:
        api_url = await stack.enter_async_context(serving_rest_api(carrier))
        local_file = db.sqlite_file(settings.database_url) if open_database else None
        try:
            if local_file is not None and not local_file.exists():
                raise OSError(f"no database at {local_file}")
            if open_database:
                await stack.enter_async_context(db.database(settings.database_url))
            await accounts.register_emulator(carrier.account_sid, api_url)
        except (OperationalError, DBConnectionError, OSError) as error:
            # The call goes on; only the server's controls cannot find it.
            print(f"☰ Live controls cannot reach this call: {error}", flush=True)
        else:
            stack.push_async_callback(accounts.forget_emulator, carrier.account_sid)
            print(f"☰ Live controls reach this call through {api_url}", flush=True)
        yield


async def run_call(args: argparse.Namespace, settings: Settings) -> int:
    to = to_e164(args.to, field="to")
    for entry in args.digits:
        if not entry or any(ch not in "0123456789*#" for ch in entry):
            raise InvalidInput(f"--digits takes keypad keys 0-9, * and #, got {entry!r}")
    if args.message_seconds < 0:
        raise InvalidInput("--message-seconds must be 0 or more")
    if args.stay is not None and args.stay < 0:
        raise InvalidInput("--stay must be 0 or more seconds")
    if not args.url:
        # The app would answer an unmigrated database with the callers' apology; a
        # person at a terminal needs to hear "migrate" instead.
        await db.require_migrated(settings.database_url)
    print(f"☎ calling {to} from {args.caller}")

    async def place(carrier: Carrier) -> EmulatedCall:
        call = await carrier.call(
            to,
            caller=args.caller,
            digits=args.digits,
            stay=args.stay is not None,
            answer=args.answer,
            message_seconds=args.message_seconds,
        )
        if args.stay is not None and call.status != "completed":
            print(f"☰ staying {args.stay} s in the room (Ctrl-C hangs up)", flush=True)
            # Ctrl-C cancels this wait; the caller still leaves the room and the carrier
            # still sends the leave and status callbacks, so the seat is freed.
            await call.stay(args.stay)
        return call

    staying = args.stay is not None
    # Staying, the call can be controlled from the Live page: its AccountSid tells this
    # emulator apart from any other on the database (carrier.accounts).
    account_sid = random_account_sid() if staying else ACCOUNT_SID

    def controls(carrier: Carrier, *, open_database: bool) -> AbstractAsyncContextManager[None]:
        if not staying:
            return nullcontext()
        return live_controls(carrier, settings, open_database=open_database)

    try:
        if args.url:
            token = settings.auth_token or await _kept_carrier_token(settings)
            # On this machine, the server reads its recordings from this same media
            # directory (VOICEAPP_MEDIA_DIR): a voicemail left here plays on its page.
            remote = remote_carrier(
                args.url, token, echo=echo, media_dir=settings.media_dir, account_sid=account_sid
            )
            async with remote as carrier, controls(carrier, open_database=True):
                call = await place(carrier)
        else:
            if staying and not settings.auth_token:
                # The token a server on this database asks emulators' REST APIs with.
                token = await _kept_carrier_token(settings)
                settings = dataclasses.replace(settings, auth_token=token)
            async with (
                in_process_carrier(settings, echo=echo, account_sid=account_sid) as carrier,
                controls(carrier, open_database=False),
            ):
                call = await place(carrier)
    except httpx.HTTPError as error:
        raise InvalidInput(f"cannot reach {args.url}: {error}") from None
    return 1 if any(event.kind == "error" for event in call.events) else 0
