"""Faults: the database gone mid-call, callbacks replayed or out of order, callers who hang
up between seat reservation and join."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg
from tortoise import connections

from voiceapp import ivr_prompts
from voiceapp.conferencing import rooms, seats
from voiceapp.conferencing.replies import CallState
from voiceapp.core.models import CallRecord, Language, Room, Seat, SeatState
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.webhooks.state import state_query, url

from .conftest import FR_NUMBER, POSTGRES_URL
from .twiml import parse, verbs

CALLER = "+33612345678"


def params(call_sid: str, **extra: str) -> dict[str, str]:
    """The fields a carrier sends with every webhook of one call."""
    return {"CallSid": call_sid, "From": CALLER, "To": FR_NUMBER, **extra}


async def type_conference_id(conference: Carrier, call_sid: str, digits: str) -> str:
    """Answer the greeting's <Gather> with a conference ID; returns the TwiML answer."""
    gather_url = url(conference.base_url, "/voice/gather", state_query(CallState()))
    response = await conference.post(gather_url, params(call_sid, Digits=digits))
    assert response.status_code == 200
    return response.text


async def conference_event(
    conference: Carrier, event: str, call_sid: str = "", conference_sid: str = "CF1"
) -> int:
    fields = {"StatusCallbackEvent": event, "ConferenceSid": conference_sid, "CallSid": call_sid}
    response = await conference.post(conference.base_url + "/voice/conference-status", fields)
    return response.status_code


@asynccontextmanager
async def database_unavailable(database_url: str) -> AsyncIterator[None]:
    """Take the database away from the running app, from outside it, as an outage would."""
    if database_url.startswith("sqlite://"):
        # SQLite's outage is another process holding the write lock ("database is locked").
        # Tortoise never reopens a live SQLite file, so a lock is the fault it really meets;
        # a short busy timeout keeps the test quick.
        await connections.get("default").execute_script("PRAGMA busy_timeout = 200")
        locker = sqlite3.connect(database_url.removeprefix("sqlite://"), isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            locker.close()
        return
    # Dropping the database ends the app's connections, and reconnecting fails.
    admin = await asyncpg.connect(POSTGRES_URL.replace("postgres://", "postgresql://", 1))
    try:
        name = database_url.rsplit("/", 1)[1]
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()
    yield


async def test_database_gone_mid_call_gives_an_apology(
    conference: Carrier, database_url: str
) -> None:
    greeting = await conference.post(conference.base_url + "/voice/incoming", params("CAgone"))
    gather = parse(greeting.text).find("Gather")
    assert gather is not None
    async with database_unavailable(database_url):
        answer = await conference.post(gather.get("action", ""), params("CAgone", Digits="5555#"))
        hangup = await conference.post(
            conference.base_url + "/voice/status", params("CAgone", CallStatus="completed")
        )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/xml")
    root = parse(answer.text)
    assert verbs(root) == ["Say", "Hangup"]
    say = root.find("Say")
    assert say is not None
    assert say.text == ivr_prompts.text("technical_problem", Language.FR)
    assert say.get("language") == "fr-FR"  # the default French voice
    assert hangup.status_code == 200  # the carrier ignores this answer, but it must be TwiML
    parse(hangup.text)


async def test_replayed_join_and_leave_change_the_roster_once(conference: Carrier) -> None:
    first = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    second = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    seat = await Seat.get(call_sid=first.call_sid)
    assert seat.state == SeatState.JOINED
    assert await conference_event(conference, "participant-join", first.call_sid) == 200
    assert (await Seat.get(call_sid=first.call_sid)).joined_at == seat.joined_at
    # The same leave delivered five times at once: one seat freed, not five.
    codes = await asyncio.gather(
        *(conference_event(conference, "participant-leave", first.call_sid) for _ in range(5))
    )
    assert codes == [200] * 5
    room = await Room.get(conference_id="5555")
    assert room.seats_taken == 1
    assert await Seat.filter(room=room).values_list("call_sid", flat=True) == [second.call_sid]
    assert second.conference is not None
    for _ in range(2):
        end = await conference_event(conference, "conference-end", "", second.conference.sid)
        assert end == 200
    assert (await Room.get(conference_id="5555")).seats_taken == 0
    await first.hangup()
    await second.hangup()
    assert (await Room.get(conference_id="5555")).seats_taken == 0


async def test_leave_before_the_join_webhook_changes_state_once(conference: Carrier) -> None:
    twiml = await type_conference_id(conference, "CAearly", "5555#")
    assert parse(twiml).find("Dial/Conference") is not None
    assert await conference_event(conference, "participant-leave", "CAearly") == 200
    assert await conference_event(conference, "participant-join", "CAearly") == 200
    assert not await Seat.exists(call_sid="CAearly")
    assert (await Room.get(conference_id="5555")).seats_taken == 0


async def small_room(settings: Settings) -> Room:
    return await rooms.add_room(settings, name="Petit", conference_id="7777", capacity=1)


async def test_hangup_between_reservation_and_join_frees_the_seat(
    conference: Carrier, settings: Settings
) -> None:
    room = await small_room(settings)
    assert parse(await type_conference_id(conference, "CAgone", "7777#")).find("Dial") is not None
    assert (await Seat.get(call_sid="CAgone")).state == SeatState.RESERVED
    refused = await type_conference_id(conference, "CAwaits", "7777#")
    assert parse(refused).find("Dial") is None  # the reserved seat counts toward the cap
    hangup = params("CAgone", CallStatus="completed", CallDuration="3")
    await conference.post(conference.base_url + "/voice/status", hangup)
    await conference.post(conference.base_url + "/voice/status", hangup)  # replayed
    assert (await Room.get(pk=room.pk)).seats_taken == 0
    call = await conference.call(FR_NUMBER, digits=["7777#"], stay=True)
    assert call.conference is not None
    await call.hangup()


async def test_a_hangup_that_overtakes_the_reservation_takes_no_seat(
    conference: Carrier, settings: Settings
) -> None:
    """The carrier's "completed" can arrive while the conference-ID webhook of the same
    call is still on its way: that webhook must not then seat a caller who is gone,
    holding the seat until expiry."""
    room = await small_room(settings)
    hangup = params("CAhasty", CallStatus="completed", CallDuration="4")
    await conference.post(conference.base_url + "/voice/status", hangup)
    late = parse(await type_conference_id(conference, "CAhasty", "7777#"))
    assert verbs(late) == ["Hangup"]  # nobody is there to hear a sentence
    assert not await Seat.exists(call_sid="CAhasty")
    assert (await Room.get(pk=room.pk)).seats_taken == 0
    record = await CallRecord.get(call_sid="CAhasty")
    assert (record.outcome, record.duration_seconds) == ("abandoned", 4)  # not "joined"
    call = await conference.call(FR_NUMBER, digits=["7777#"], stay=True)  # the one seat
    assert call.conference is not None
    await call.hangup()


async def test_a_reservation_never_joined_is_kept_until_overdue(
    conference: Carrier, settings: Settings
) -> None:
    """No join and no status callback, ever: the caller may be in the conference (its
    join lost), so the seat stays theirs past the hold, and goes once the call's time
    limit has passed (see test_seat_upkeep for the carrier check in between)."""
    room = await small_room(settings)
    await type_conference_id(conference, "CAlost", "7777#")  # and no callback, ever
    held = seats.now() - timedelta(seconds=settings.seat_hold_seconds + 1)
    await Seat.filter(call_sid="CAlost").update(reserved_at=held)
    refused = await conference.call(FR_NUMBER, digits=["7777#"], stay=True)
    assert refused.conference is None
    overdue = seats.now() - timedelta(seconds=settings.seat_overdue_seconds + 1)
    await Seat.filter(call_sid="CAlost").update(reserved_at=overdue)
    call = await conference.call(FR_NUMBER, digits=["7777#"], stay=True)
    assert call.conference is not None
    assert not await Seat.exists(call_sid="CAlost")
    assert (await Room.get(pk=room.pk)).seats_taken == 1
    await call.hangup()


async def test_webhooks_delivered_twice_record_one_call(conference: Carrier) -> None:
    """The row is written at the call's first outcome or its end: replayed webhooks of
    either kind, even at the same moment, leave one row."""
    incoming = conference.base_url + "/voice/incoming"
    answers = await asyncio.gather(
        *(conference.post(incoming, params("CAtwice")) for _ in range(3))
    )
    for answer in answers:
        assert verbs(parse(answer.text)) == ["Gather", "Redirect"]
    status = conference.base_url + "/voice/status"
    ended = params("CAtwice", CallStatus="completed", CallDuration="7")
    await asyncio.gather(*(conference.post(status, ended) for _ in range(3)))
    record = await CallRecord.get(call_sid="CAtwice")
    assert record.outcome == "abandoned"
    assert record.duration_seconds == 7
    assert record.extension_number == "800"
    assert await CallRecord.filter(call_sid="CAtwice").count() == 1


async def test_a_garbled_call_duration_still_ends_the_call(conference: Carrier) -> None:
    """A duration that is not plain digits ("²" passes str.isdigit) is ignored: the call
    still ends, its length taken from our own clock."""
    status = conference.base_url + "/voice/status"
    await conference.post(conference.base_url + "/voice/incoming", params("CAsquare"))
    answer = await conference.post(
        status, params("CAsquare", CallStatus="completed", CallDuration="²")
    )
    assert answer.status_code == 200
    record = await CallRecord.get(call_sid="CAsquare")
    assert record.ended_at is not None
    assert record.duration_seconds == 0
