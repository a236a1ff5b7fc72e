"""A seat never leaks for good, and is never freed while its caller may be in the room.

The carrier sends each callback once and never retries it. A lost participant-join once
let a connected caller's reservation expire (the next caller heard "joining" and the
carrier refused them, error 16020); lost hang-up callbacks (the database unreachable
while they came) left a seat taken forever.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import asyncpg
import pytest

from voiceapp import housekeeping, ivr_prompts
from voiceapp.carrier import accounts
from voiceapp.carrier.rest import CarrierApi
from voiceapp.conferencing import rooms, seats
from voiceapp.core.db import database
from voiceapp.core.models import Language, Room, Seat, SeatState
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.emulator.call import EmulatedCall
from voiceapp.emulator.inprocess import in_process_carrier

from .carrier_double import ACCOUNT_SID, CarrierDouble, carrier_double
from .conftest import (
    AUTH_TOKEN,
    FR_NUMBER,
    POSTGRES_URL,
    make_settings,
    provision_conference,
)

HANG_UP_CALLBACKS = {"participant-leave", "conference-end", "call-status"}


async def one_seat_room(settings: Settings) -> Room:
    return await rooms.add_room(settings, name="Petite", conference_id="7777", capacity=1)


async def join_with_callbacks_lost(carrier: Carrier, lost: set[str]) -> EmulatedCall:
    carrier.lost_callbacks = lost
    try:
        call = await carrier.call(FR_NUMBER, digits=["7777#"], stay=True)
    finally:
        carrier.lost_callbacks = set()
    assert call.conference is not None
    return call


async def hang_up_with_callbacks_lost(call: EmulatedCall) -> None:
    call.carrier.lost_callbacks = HANG_UP_CALLBACKS
    try:
        await call.hangup()
    finally:
        call.carrier.lost_callbacks = set()


async def age_seats(seconds: int) -> None:
    await Seat.all().update(reserved_at=seats.now() - timedelta(seconds=seconds))


def carrier_refusals(call: EmulatedCall) -> list[str]:
    return [str(event) for event in call.events if event.kind in ("full", "error")]


async def newcomer_hears_the_room_is_full(carrier: Carrier) -> None:
    late = await carrier.call(FR_NUMBER, caller="+33699999999", digits=["7777#"], stay=True)
    assert late.conference is None
    assert ivr_prompts.text("room_full", Language.FR) in late.said
    assert carrier_refusals(late) == []  # refused by us, in words, not by the carrier


def with_carrier_api(settings: Settings, double: CarrierDouble) -> Settings:
    return dataclasses.replace(settings, account_sid=ACCOUNT_SID, carrier_api_url=double.base_url)


async def test_a_lost_join_never_frees_the_seat_of_a_caller_in_the_room(
    conference: Carrier, settings: Settings
) -> None:
    room = await one_seat_room(settings)
    inside = await join_with_callbacks_lost(conference, {"participant-join"})
    await age_seats(settings.seat_hold_seconds + 1)  # long past the carrier's join
    await housekeeping.tidy(settings, None)
    await newcomer_hears_the_room_is_full(conference)
    assert await Seat.filter(call_sid=inside.call_sid).values_list("state", flat=True) == [
        SeatState.RESERVED
    ]
    await inside.hangup()  # its participant-leave frees the seat, joined or not
    assert (await Room.get(pk=room.pk)).seats_taken == 0


async def test_lost_hang_up_callbacks_free_the_seat_after_the_time_limit(
    conference: Carrier, settings: Settings
) -> None:
    room = await one_seat_room(settings)
    gone = await conference.call(FR_NUMBER, digits=["7777#"], stay=True)
    await hang_up_with_callbacks_lost(gone)
    await age_seats(settings.seat_overdue_seconds - 60)  # within the time limit: kept
    await housekeeping.tidy(settings, None)
    assert await Seat.exists(call_sid=gone.call_sid)
    await age_seats(settings.seat_overdue_seconds + 1)
    await housekeeping.tidy(settings, None)
    assert not await Seat.exists(call_sid=gone.call_sid)
    assert (await Room.get(pk=room.pk)).seats_taken == 0
    back = await conference.call(FR_NUMBER, digits=["7777#"], stay=True)
    assert back.conference is not None
    await back.hangup()


async def test_a_full_room_frees_an_overdue_seat_for_the_next_caller(
    conference: Carrier, settings: Settings
) -> None:
    """Between two housekeeping rounds, a caller who finds the room full sweeps it."""
    await one_seat_room(settings)
    gone = await conference.call(FR_NUMBER, digits=["7777#"], stay=True)
    await hang_up_with_callbacks_lost(gone)
    await age_seats(settings.seat_overdue_seconds + 1)
    late = await conference.call(FR_NUMBER, caller="+33699999999", digits=["7777#"], stay=True)
    assert late.conference is not None
    await late.hangup()


async def test_the_dial_carries_the_call_time_limit(
    conference: Carrier, settings: Settings
) -> None:
    call = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    dials = [verb for _, document in call.documents for verb in document.iter("Dial")]
    assert [dial.get("timeLimit") for dial in dials] == [str(settings.call_time_limit_seconds)]
    await call.hangup()


async def test_the_carrier_says_which_seats_are_still_in_use(
    conference: Carrier, settings: Settings
) -> None:
    """With REST credentials, each doubtful seat is checked against the carrier's Calls
    API: a call still on keeps its seat, a call over (or unknown) frees it at once."""
    room = await rooms.add_room(settings, name="Trio", conference_id="7777", capacity=3)
    unconfirmed = await join_with_callbacks_lost(conference, {"participant-join"})
    hung_up = await conference.call(FR_NUMBER, caller="+33611111111", digits=["7777#"], stay=True)
    unknown = await conference.call(FR_NUMBER, caller="+33622222222", digits=["7777#"], stay=True)
    await hang_up_with_callbacks_lost(hung_up)
    await hang_up_with_callbacks_lost(unknown)
    await age_seats(settings.seat_hold_seconds + 1)
    async with carrier_double() as double:
        double.calls = {unconfirmed.call_sid: "in-progress", hung_up.call_sid: "completed"}
        api = CarrierApi(with_carrier_api(settings, double))
        try:
            await housekeeping.tidy(settings, api)
        finally:
            await api.close()
    remaining = await Seat.filter(room=room).values_list("call_sid", flat=True)
    assert remaining == [unconfirmed.call_sid]
    assert (await Room.get(pk=room.pk)).seats_taken == 1
    asked = sorted(sent.path for sent in double.requests)
    assert asked == sorted(
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{call.call_sid}.json"
        for call in (unconfirmed, hung_up, unknown)
    )
    assert {(sent.method, sent.user, sent.password) for sent in double.requests} == {
        ("GET", ACCOUNT_SID, AUTH_TOKEN)
    }
    await unconfirmed.hangup()


async def test_a_test_calls_seat_is_never_asked_about_at_the_carrier(
    conference: Carrier, settings: Settings
) -> None:
    """A call a built-in emulator placed (the Test call page, voiceapp call --stay: its
    own AccountSid, registered) is unknown to the real carrier: asking about it there
    would free the seat of a caller still in the room."""
    await rooms.add_room(settings, name="Duo", conference_id="7777", capacity=2)
    emulated = await conference.call(FR_NUMBER, digits=["7777#"], stay=True)
    seat = await Seat.get(call_sid=emulated.call_sid)
    assert seat.account_sid is not None  # from the participant-join
    await accounts.register_emulator(seat.account_sid, "http://127.0.0.1:9/emulator")
    await age_seats(settings.seat_hold_seconds + 1)
    async with carrier_double() as double:
        api = CarrierApi(with_carrier_api(settings, double))
        try:
            await housekeeping.tidy(settings, api)
        finally:
            await api.close()
    assert double.requests == []
    assert await Seat.filter(call_sid=emulated.call_sid).exists()
    await emulated.hangup()


async def test_an_unreachable_carrier_frees_nothing(
    conference: Carrier, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await one_seat_room(settings)
    inside = await join_with_callbacks_lost(conference, {"participant-join"})
    await age_seats(settings.seat_hold_seconds + 1)
    async with carrier_double() as double:
        unreachable = dataclasses.replace(
            with_carrier_api(settings, double), account_sid="AC" + "0" * 32
        )  # the double answers 401 to any other account
        api = CarrierApi(unreachable)
        try:
            await housekeeping.tidy(settings, api)
        finally:
            await api.close()
    assert await Seat.exists(call_sid=inside.call_sid)
    assert "not checked: the carrier refused to describe call" in caplog.text
    assert AUTH_TOKEN not in caplog.text
    await inside.hangup()


@pytest.mark.postgres
async def test_hang_up_callbacks_during_a_database_outage_leak_no_seat(
    migrated_postgres_url: str,
) -> None:
    """The real fault: the database refuses connections while the caller hangs up. Every
    callback is still answered 200 (the carrier never retries); the seat is freed by the
    carrier check once the database is back."""
    settings = make_settings(migrated_postgres_url)
    name = migrated_postgres_url.rsplit("/", 1)[1]
    async with in_process_carrier(settings) as carrier:
        await provision_conference(settings)
        room = await one_seat_room(settings)
        inside = await carrier.call(FR_NUMBER, digits=["7777#"], stay=True)
        admin = await asyncpg.connect(POSTGRES_URL.replace("postgres://", "postgresql://", 1))
        try:
            await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                name,
            )
            await inside.hangup()
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
            await admin.close()
        assert carrier_refusals(inside) == []  # every callback was answered 200
        assert await Seat.exists(call_sid=inside.call_sid)  # nothing could be written
        async with carrier_double() as double:
            double.calls = {inside.call_sid: "completed"}
            api = CarrierApi(with_carrier_api(settings, double))
            try:
                await housekeeping.tidy(settings, api)
            finally:
                await api.close()
        assert not await Seat.exists(call_sid=inside.call_sid)
        assert (await Room.get(pk=room.pk)).seats_taken == 0


async def test_one_worker_per_period_asks_the_carrier(settings: Settings) -> None:
    """Four workers' rounds at once: one claim succeeds, the rest wait for the next."""
    async with database(settings.database_url):
        claims = await asyncio.gather(*(housekeeping.claim("carrier_check", 60) for _ in range(4)))
        assert sorted(claims) == [False, False, False, True]
        assert not await housekeeping.claim("carrier_check", 60)
        assert await housekeeping.claim("another_job", 60)
