"""Attacks on the product's limits: a room's cap while an admin saves the room, and the
login and PIN limits under simultaneous guesses."""

from __future__ import annotations

import argparse
import asyncio
import random
from contextlib import AsyncExitStack

import httpx
from defusedxml import ElementTree as SafeET

from bench.attack_setup import (
    ADMIN,
    CARRIER_TIMEOUT,
    NUMBER,
    OPEN_ROOM,
    OPEN_ROOM_CAPACITY,
    PIN_ROOM,
    AdminBrowser,
    Row,
    Target,
    call_params,
    logged_in,
)
from voiceapp import ivr_prompts
from voiceapp.conferencing import rooms
from voiceapp.conferencing.replies import CallState
from voiceapp.core.db import database
from voiceapp.core.models import Language, Room, Seat
from voiceapp.emulator.call import EmulatedCall
from voiceapp.emulator.carrier import Carrier
from voiceapp.webhooks.state import state_query, url

# A caller stays in the room this long (at most) before hanging up, so that joins,
# leaves and saves overlap.
STAY_SECONDS = 0.05
WRONG_PIN = "0000"


def refusals(call: EmulatedCall) -> int:
    """Times the carrier refused the caller a conference the app had let them into: more
    callers than its maxParticipants (Twilio's error 16020)."""
    return sum(1 for event in call.events if event.kind == "full")


def errors(call: EmulatedCall) -> int:
    return sum(1 for event in call.events if event.kind == "error")


async def room_cap(target: Target, args: argparse.Namespace) -> list[Row]:
    """Callers join and leave the room of 5 while its settings are saved again and again,
    both ways an admin saves them; then the seat counter must equal the seat rows, and 10
    newcomers at once must get exactly 5 seats with no refusal from the carrier."""
    page = f"/admin/conferences/rooms/{OPEN_ROOM}"
    form = {
        "name": "Open",
        "new_conference_id": OPEN_ROOM,
        "pin": "",
        "capacity": str(OPEN_ROOM_CAPACITY),
    }
    callers_done = asyncio.Event()
    saves = {"form": 0, "command": 0, "failed": 0}

    def saving(way: str) -> bool:
        limit = args.max_saves
        return not callers_done.is_set() and saves[way] < limit and saves["failed"] < limit

    async def save_by_form(admin: AdminBrowser, token: str) -> None:
        """The room's Settings form in the admin pages, served by the server's workers."""
        while saving("form"):
            answer = await admin.post(page, form, token)
            saves["form" if answer.status_code == 303 else "failed"] += 1

    async def save_by_command() -> None:
        """What `voiceapp rooms update` runs, in this process as in that command's."""
        change = rooms.RoomChange(name="Open", capacity=OPEN_ROOM_CAPACITY)
        while saving("command"):
            try:
                await rooms.update_room(target.settings, OPEN_ROOM, change)
            except Exception:  # counted: a save that failed wrote nothing
                saves["failed"] += 1
            else:
                saves["command"] += 1
            await asyncio.sleep(0)  # the callers' webhooks answered meanwhile

    churn = {"calls": 0, "refusals": 0, "errors": 0}

    async def come_and_go(carrier: Carrier, number: int) -> None:
        for _ in range(args.rounds):
            call = await carrier.call(
                NUMBER, caller=f"+3361{number:07d}", digits=[OPEN_ROOM + "#"], stay=True
            )
            await asyncio.sleep(random.uniform(0, STAY_SECONDS))
            await call.hangup()
            churn["calls"] += 1
            churn["refusals"] += refusals(call)
            churn["errors"] += errors(call)

    limits = httpx.Limits(max_connections=args.callers + 10)
    async with (
        logged_in(target) as admin,
        httpx.AsyncClient(timeout=CARRIER_TIMEOUT, limits=limits) as client,
    ):
        carrier = target.carrier(client)
        token = await admin.token(page)
        async with database(target.database_url):
            savers = [
                asyncio.create_task(save_by_form(admin, token)),
                asyncio.create_task(save_by_command()),
            ]
            try:
                await asyncio.gather(*(come_and_go(carrier, n) for n in range(args.callers)))
            finally:
                callers_done.set()
                await asyncio.gather(*savers)
            room = await Room.get(conference_id=OPEN_ROOM)
            seat_rows = await Seat.filter(room_id=room.pk).count()
        newcomers = await asyncio.gather(
            *(
                carrier.call(NUMBER, caller=f"+3362{n:07d}", digits=[OPEN_ROOM + "#"], stay=True)
                for n in range(2 * OPEN_ROOM_CAPACITY)
            )
        )
        seated = sum(1 for call in newcomers if call.conference is not None)
        await asyncio.gather(*(call.hangup() for call in newcomers))
    refused = sum(refusals(call) for call in newcomers)
    failed = sum(errors(call) for call in newcomers)
    newcomer_figure = f"{seated} seated, {refused} refused by the carrier (16020)"
    if failed:
        newcomer_figure += f", {failed} errors"
    churn_figure = f"counter {room.seats_taken}, {seat_rows} seat rows"
    if churn["refusals"] or churn["errors"]:
        churn_figure += (
            f" (meanwhile {churn['refusals']} refused by the carrier, {churn['errors']} errors)"
        )
    return [
        Row(
            "room-cap",
            f"{churn['calls']} calls in and out; room saves: {saves['form']} by form, "
            f"{saves['command']} by command, {saves['failed']} failed",
            churn_figure,
            "counter = rows, saves done",
            room.seats_taken == seat_rows and saves["form"] > 0 and saves["command"] > 0,
        ),
        Row(
            "room-cap",
            f"{len(newcomers)} callers at once into the room of {OPEN_ROOM_CAPACITY}",
            newcomer_figure,
            f"{OPEN_ROOM_CAPACITY} seated, 0 refused",
            seated == OPEN_ROOM_CAPACITY and refused == 0 and failed == 0,
        ),
    ]


async def login_burst(target: Target, args: argparse.Namespace) -> list[Row]:
    """Simultaneous wrong passwords for one admin, each from its own session (its own
    CSRF token), all posted at once."""
    limit = target.settings.login_max_failures_per_user
    async with AsyncExitStack() as stack:
        browsers = [
            AdminBrowser(
                await stack.enter_async_context(
                    httpx.AsyncClient(base_url=target.base_url, timeout=args.attack_timeout)
                )
            )
            for _ in range(args.logins)
        ]
        tokens = await asyncio.gather(*(browser.token("/admin/login") for browser in browsers))
        answers = await asyncio.gather(
            *(
                browser.post(
                    "/admin/login", {"username": ADMIN, "password": f"wrong guess {n}"}, token
                )
                for n, (browser, token) in enumerate(zip(browsers, tokens, strict=True))
            )
        )
    throttled = sum(1 for answer in answers if answer.status_code == 429)
    checked = sum(
        1
        for answer in answers
        if answer.status_code != 429 and "Wrong username or password" in answer.text
    )
    other = len(answers) - throttled - checked
    figure = f"{checked} checked, {throttled} throttled (429)"
    if other:
        figure += f", {other} other answers"
    return [
        Row(
            "login-burst",
            f"{len(answers)} wrong passwords at once for one admin",
            figure,
            f"<= {limit} checked, the rest 429",
            checked <= limit and other == 0,
        )
    ]


def sentences(twiml: bytes) -> list[str]:
    """What a TwiML answer says."""
    try:
        root = SafeET.fromstring(twiml)
    except SafeET.ParseError:
        return []
    return [(say.text or "").strip() for say in root.iter("Say")]


async def pin_burst(target: Target, args: argparse.Namespace) -> list[Row]:
    """Simultaneous wrong PINs to one room, each from its own caller number (so only the
    room's limit stands in the way): the PIN step's webhook, as the carrier posts it."""
    limit = target.settings.pin_max_failures_per_room
    async with database(target.database_url):
        room = await Room.get(conference_id=PIN_ROOM)
    state = CallState(step="ask_pin", language=Language.FR, room_id=room.pk)
    gather_url = url(target.base_url, "/voice/gather", state_query(state))
    wrong = ivr_prompts.text("wrong_pin", Language.FR)
    locked = ivr_prompts.text("locked_out", Language.FR)
    limits = httpx.Limits(max_connections=args.pins)
    async with httpx.AsyncClient(timeout=CARRIER_TIMEOUT, limits=limits) as client:
        carrier = target.carrier(client)
        answers = await asyncio.gather(
            *(
                carrier.post(
                    gather_url,
                    {
                        **call_params(carrier.new_sid("CA"), f"+3363{n:07d}", "in-progress"),
                        "Digits": WRONG_PIN + "#",
                        "FinishedOnKey": "#",
                    },
                )
                for n in range(args.pins)
            )
        )
    said = [sentences(answer.content) for answer in answers]
    compared = sum(1 for lines in said if wrong in lines)
    locked_out = sum(1 for lines in said if locked in lines and wrong not in lines)
    other = len(said) - compared - locked_out
    figure = f"{compared} compared, {locked_out} locked out"
    if other:
        figure += f", {other} other answers"
    return [
        Row(
            "pin-burst",
            f"{len(answers)} wrong PINs at once to one room, from {len(answers)} numbers",
            figure,
            f"<= {limit} compared, the rest locked out",
            compared <= limit and other == 0,
        )
    ]
