"""Live controls of a running conference (conferencing.controls) against the REST test
double: the exact requests a real carrier gets, and the columns each control writes.

The seats are made in the states the conference status callbacks leave them in (JOINED
with the ConferenceSid and AccountSid; IN_MENU out in the keypad menu; RESERVED before
the join). The end-to-end runs through the emulator are in the browser tests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from tortoise.expressions import F

from voiceapp.carrier import accounts
from voiceapp.carrier.errors import CarrierError
from voiceapp.conferencing import controls, rooms
from voiceapp.core.db import database
from voiceapp.core.errors import Conflict, InvalidInput, NotFound
from voiceapp.core.models import Room, Seat, SeatState
from voiceapp.core.settings import Settings
from voiceapp.switchboard import conference_server

from .carrier_double import ACCOUNT_SID, CarrierDouble, Participant, Sent
from .conftest import AUTH_TOKEN

CONFERENCE = "CF" + "1" * 32
ROOM = ("Salle Azur", "1234")
PARTICIPANTS = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Conferences/{CONFERENCE}/Participants"
# A port nothing listens on: the carrier cannot be reached.
NOBODY_THERE = "http://127.0.0.1:9"


def call_sid(n: int) -> str:
    return f"CA{n:032d}"


async def make_room(settings: Settings, conference_id: str = ROOM[1]) -> Room:
    if await rooms.get_bridge() is None:
        await conference_server.setup_bridge("800", "fr")
    return await rooms.add_room(settings, name=ROOM[0], conference_id=conference_id)


async def seat_in(
    room: Room,
    n: int,
    caller: str,
    state: SeatState = SeatState.JOINED,
    *,
    is_host: bool = False,
    muted: bool = False,
    conference_sid: str | None = CONFERENCE,
    account_sid: str | None = ACCOUNT_SID,
) -> Seat:
    """A seat as the callbacks leave it, counted in the room as seat_sql counts it."""
    now = datetime.now(UTC)
    in_conference = state != SeatState.RESERVED
    seat = await Seat.create(
        room=room,
        call_sid=call_sid(n),
        caller=caller,
        state=state,
        conference_sid=conference_sid if in_conference else None,
        account_sid=account_sid,
        reserved_at=now,
        joined_at=now if in_conference else None,
        is_host=is_host,
        muted=muted,
        sequence=7,
    )
    await Room.filter(id=room.pk).update(seats_taken=F("seats_taken") + 1)
    return seat


def with_carrier(settings: Settings, double: CarrierDouble) -> Settings:
    return dataclasses.replace(settings, account_sid=ACCOUNT_SID, carrier_api_url=double.base_url)


def in_conference(double: CarrierDouble, *seats: Seat) -> None:
    """The participants the double's conference holds: the seats' calls, as they are."""
    double.conferences[CONFERENCE] = {
        seat.call_sid: Participant(muted=seat.muted) for seat in seats
    }


def sent(double: CarrierDouble) -> list[tuple[str, str, dict[str, str]]]:
    return [(request.method, request.path, request.form) for request in double.requests]


def as_seat(row: Seat) -> dict[str, object]:
    """A seat's columns, to compare before and after a control."""
    return {name: getattr(row, name) for name in row._meta.db_fields if name != "id"}


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[None]:
    async with database(settings.database_url):
        yield


@pytest.fixture
def live(settings: Settings, double: CarrierDouble) -> Settings:
    """Settings whose carrier account is the double."""
    return with_carrier(settings, double)


# ---- finding the caller ------------------------------------------------------------------


async def test_a_number_typed_with_spaces_finds_the_seat_stored_as_e164(
    db: None, live: Settings
) -> None:
    room = await make_room(live)
    seat = await seat_in(room, 1, "+33612345678")
    await seat_in(room, 2, "+33699000002")
    found = await controls.seats_of_caller("1234", " +33 6 12 34 56 78 ")
    assert [s.call_sid for s in found] == [seat.call_sid]
    # What the carrier sent is matched as it is too, E.164 or not.
    sip = await seat_in(room, 3, "sip:alice@pbx.example.com")
    assert [s.pk for s in await controls.seats_of_caller("1234", "sip:alice@pbx.example.com")] == [
        sip.pk
    ]


async def test_an_unknown_room_or_a_caller_not_in_it_is_one_sentence(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    await seat_in(room, 1, "+33612345678")
    with pytest.raises(NotFound) as unknown_room:
        await controls.set_caller_muted(live, "9999", "+33612345678", True)
    assert unknown_room.value.message == "there is no room with conference ID 9999"
    with pytest.raises(NotFound) as not_there:
        await controls.remove_caller(live, "1234", "+33 6 99 00 00 09")
    assert not_there.value.message == "+33 6 99 00 00 09 is not in room 1234"
    assert "\n" not in not_there.value.message
    assert not_there.value.in_language("fr") == "+33 6 99 00 00 09 n'est pas dans la salle 1234"
    with pytest.raises(InvalidInput):
        await controls.set_caller_muted(live, "1234", "not a number", True)
    assert double.requests == []


# ---- mute and unmute ----------------------------------------------------------------------


async def test_mute_asks_the_carrier_then_writes_only_the_muted_column(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    seat = await seat_in(room, 1, "+33612345678", is_host=True)
    other = await seat_in(room, 2, "+33699000002")
    in_conference(double, seat, other)
    before = as_seat(await Seat.get(pk=seat.pk))

    changed = await controls.set_caller_muted(live, "1234", "+33 6 12 34 56 78", True)

    assert [s.call_sid for s in changed] == [seat.call_sid] and changed[0].muted
    assert double.requests == [
        Sent(
            "POST",
            f"{PARTICIPANTS}/{seat.call_sid}.json",
            ACCOUNT_SID,
            AUTH_TOKEN,
            form={"Muted": "true"},
            authorization=double.requests[0].authorization,
        )
    ]
    assert double.conferences[CONFERENCE][seat.call_sid].muted
    after = as_seat(await Seat.get(pk=seat.pk))
    assert after == {**before, "muted": True}
    assert not (await Seat.get(pk=other.pk)).muted

    await controls.set_caller_muted(live, "1234", "+33612345678", False)
    assert sent(double)[-1] == ("POST", f"{PARTICIPANTS}/{seat.call_sid}.json", {"Muted": "false"})
    assert as_seat(await Seat.get(pk=seat.pk)) == before


async def test_a_caller_still_joining_is_asked_about_again_later(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    await seat_in(room, 1, "+33612345678", SeatState.RESERVED)
    with pytest.raises(Conflict) as joining:
        await controls.set_seat_muted(live, call_sid(1), True)
    assert joining.value.message == (
        "+33612345678 is still joining the conference; try again in a moment"
    )
    with pytest.raises(Conflict) as still:
        await controls.remove_seat(live, call_sid(1))
    assert still.value.message == joining.value.message
    assert double.requests == []
    assert (await Seat.get(call_sid=call_sid(1))).state == SeatState.RESERVED


async def test_muting_a_caller_in_the_keypad_menu_sets_what_their_way_back_keeps(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    await seat_in(room, 1, "+33612345678", SeatState.IN_MENU)
    seat = await controls.set_seat_muted(live, call_sid(1), True)
    assert seat.muted and (await Seat.get(call_sid=call_sid(1))).muted
    assert double.requests == []  # not in the conference: nothing to ask the carrier


async def test_mute_of_a_caller_the_carrier_no_longer_has_says_they_left(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    await seat_in(room, 1, "+33612345678")
    double.conferences[CONFERENCE] = {}  # hung up; the leave callback is on its way
    with pytest.raises(NotFound) as left:
        await controls.set_seat_muted(live, call_sid(1), True)
    assert left.value.message == "+33612345678 has just left the conference"
    assert not (await Seat.get(call_sid=call_sid(1))).muted


async def test_a_seat_gone_before_the_click_is_not_found(db: None, live: Settings) -> None:
    with pytest.raises(NotFound) as gone:
        await controls.set_seat_muted(live, call_sid(1), True)
    assert gone.value.message == "that caller has already left the room"


# ---- remove -------------------------------------------------------------------------------


async def test_kick_marks_the_seat_removed_and_deletes_the_participant(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    seat = await seat_in(room, 1, "+33612345678")
    in_conference(double, seat)
    removed = await controls.remove_caller(live, "1234", "+33612345678")
    assert [s.state for s in removed] == [SeatState.REMOVED]
    assert sent(double) == [("DELETE", f"{PARTICIPANTS}/{seat.call_sid}.json", {})]
    assert seat.call_sid not in double.conferences[CONFERENCE]
    # Kept until the call ends (it hears goodbye): the call-end callbacks free it.
    assert (await Seat.get(pk=seat.pk)).state == SeatState.REMOVED
    assert (await Room.get(pk=room.pk)).seats_taken == 1


async def test_kick_of_a_participant_the_carrier_no_longer_has_frees_the_seat(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    seat = await seat_in(room, 1, "+33612345678")
    double.conferences[CONFERENCE] = {}  # 404 for the participant
    await controls.remove_seat(live, seat.call_sid)
    assert sent(double) == [("DELETE", f"{PARTICIPANTS}/{seat.call_sid}.json", {})]
    assert not await Seat.exists(pk=seat.pk)
    assert (await Room.get(pk=room.pk)).seats_taken == 0


async def test_kick_refused_by_the_carrier_leaves_the_caller_in(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    seat = await seat_in(room, 1, "+33612345678")
    in_conference(double, seat)
    double.token = "another-token"  # the carrier does not know our credentials: 401
    with pytest.raises(CarrierError) as refused:
        await controls.remove_seat(live, seat.call_sid)
    assert refused.value.status == 401
    assert "TWILIO_AUTH_TOKEN" in refused.value.message
    assert AUTH_TOKEN not in refused.value.message
    assert (await Seat.get(pk=seat.pk)).state == SeatState.JOINED  # marked back


async def test_kick_without_an_answer_stays_removed_and_can_be_asked_again(
    db: None, settings: Settings, double: CarrierDouble
) -> None:
    """A request that got no answer may have gone through: the seat stays REMOVED, so
    the leave callback says goodbye, and removing again asks the carrier again."""
    room = await make_room(settings)
    seat = await seat_in(room, 1, "+33612345678")
    in_conference(double, seat)
    unreachable = dataclasses.replace(
        settings, account_sid=ACCOUNT_SID, carrier_api_url=NOBODY_THERE
    )
    with pytest.raises(CarrierError) as failed:
        await controls.remove_seat(unreachable, seat.call_sid)
    assert failed.value.status is None
    assert (await Seat.get(pk=seat.pk)).state == SeatState.REMOVED
    await controls.remove_seat(with_carrier(settings, double), seat.call_sid)
    assert sent(double) == [("DELETE", f"{PARTICIPANTS}/{seat.call_sid}.json", {})]
    assert await Seat.exists(pk=seat.pk)  # removed now; the call's end frees it


async def test_kick_of_a_caller_in_the_keypad_menu_only_marks_the_seat(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    seat = await seat_in(room, 1, "+33612345678", SeatState.IN_MENU)
    await controls.remove_seat(live, seat.call_sid)
    assert double.requests == []  # not in the conference; the menu says goodbye
    assert (await Seat.get(pk=seat.pk)).state == SeatState.REMOVED


async def test_every_call_from_the_number_is_removed(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    twice = [await seat_in(room, n, "+33612345678") for n in (1, 2)]
    kept = await seat_in(room, 3, "+33699000003")
    in_conference(double, *twice, kept)
    await controls.remove_caller(live, "1234", "+33612345678")
    assert sorted(path for _, path, _ in sent(double)) == [
        f"{PARTICIPANTS}/{seat.call_sid}.json" for seat in twice
    ]
    assert list(double.conferences[CONFERENCE]) == [kept.call_sid]


# ---- lock -----------------------------------------------------------------------------------


async def test_lock_writes_the_locked_column_only(db: None, live: Settings) -> None:
    room = await make_room(live)
    await seat_in(room, 1, "+33612345678")
    locked = await controls.set_locked("1234", True)
    assert locked.locked and locked.seats_taken == 1
    assert not await controls.lock_room_by_id(room.pk, True)  # already locked
    # A caller leaving meanwhile is not undone by the lock: only `locked` is written.
    await Room.filter(id=room.pk).update(seats_taken=0)
    assert await controls.lock_room_by_id(room.pk, False)
    after = await Room.get(pk=room.pk)
    assert (after.locked, after.seats_taken) == (False, 0)
    with pytest.raises(NotFound):
        await controls.set_locked("9999", True)


# ---- mute everyone --------------------------------------------------------------------------


async def test_mute_others_spares_the_host_who_asked_and_counts_who_changed(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    host = await seat_in(room, 1, "+33600000001", is_host=True)
    talking = [await seat_in(room, n, f"+3360000000{n}") for n in (2, 3, 4)]
    already = await seat_in(room, 5, "+33600000005", muted=True)
    menu = await seat_in(room, 6, "+33600000006", SeatState.IN_MENU)
    joining = await seat_in(room, 7, "+33600000007", SeatState.RESERVED)
    in_conference(double, host, *talking, already)

    assert await controls.mute_others(live, room.pk, host.call_sid, True) == 4

    assert sorted(sent(double)) == [
        ("POST", f"{PARTICIPANTS}/{seat.call_sid}.json", {"Muted": "true"}) for seat in talking
    ]
    muted = {str(sid) for sid in await Seat.filter(muted=True).values_list("call_sid", flat=True)}
    assert muted == {seat.call_sid for seat in [*talking, already, menu]}
    assert joining.call_sid not in muted and host.call_sid not in muted

    double.requests.clear()
    assert await controls.mute_others(live, room.pk, None, False, spare_hosts=True) == 5
    assert len(double.requests) == 4  # the three talking and the one already muted
    assert not await Seat.filter(muted=True).exists()


async def test_mute_everyone_reports_a_refusal_after_the_rest(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    present = await seat_in(room, 1, "+33600000001")
    await seat_in(room, 2, "+33600000002")  # gone at the carrier: 404, not an error
    in_conference(double, present)
    assert await controls.mute_others(live, room.pk, None, True) == 1
    double.refuse = 500
    with pytest.raises(CarrierError) as refused:
        await controls.mute_others(live, room.pk, None, False)
    assert refused.value.status == 500 and "(HTTP 500)" in refused.value.message
    assert (await Seat.get(pk=present.pk)).muted  # still muted: the carrier said no


# ---- end ------------------------------------------------------------------------------------


async def test_end_asks_the_carrier_and_leaves_the_seats_to_its_callback(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    seats_in = [await seat_in(room, n, f"+3360000000{n}") for n in (1, 2)]
    await seat_in(room, 3, "+33600000003", SeatState.IN_MENU)
    in_conference(double, *seats_in)
    await controls.set_locked("1234", True)

    assert await controls.end_conference(live, "1234") == 3

    assert sent(double) == [
        (
            "POST",
            f"/2010-04-01/Accounts/{ACCOUNT_SID}/Conferences/{CONFERENCE}.json",
            {"Status": "completed"},
        )
    ]
    assert double.ended == [CONFERENCE]
    # The conference-end callback frees the seats and unlocks the room.
    assert await Seat.filter(room_id=room.pk).count() == 3
    assert (await Room.get(pk=room.pk)).locked


async def test_end_of_a_conference_already_over_frees_its_seats_and_unlocks(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    await seat_in(room, 1, "+33600000001")
    await controls.set_locked("1234", True)
    assert await controls.end_conference(live, "1234") == 1  # the double: 404
    after = await Room.get(pk=room.pk)
    assert (after.seats_taken, after.locked) == (0, False)
    assert not await Seat.exists(room_id=room.pk)


async def test_end_of_a_room_without_a_conference_is_one_sentence(
    db: None, live: Settings, double: CarrierDouble
) -> None:
    room = await make_room(live)
    with pytest.raises(NotFound) as empty:
        await controls.end_conference(live, "1234")
    assert empty.value.message == "nobody is in room 1234: there is no conference to end"
    await seat_in(room, 1, "+33600000001", SeatState.RESERVED)
    with pytest.raises(Conflict) as joining:
        await controls.end_conference(live, "1234")
    assert joining.value.message == ("callers are still joining room 1234; try again in a moment")
    assert double.requests == []


# ---- which carrier ------------------------------------------------------------------------


async def test_a_call_placed_by_an_emulator_is_controlled_at_that_emulator(
    db: None, settings: Settings, double: CarrierDouble
) -> None:
    """No carrier configured: the seat's AccountSid names the running emulator's API."""
    room = await make_room(settings)
    seat = await seat_in(room, 1, "+33612345678")
    in_conference(double, seat)
    with pytest.raises(CarrierError) as nobody:
        await controls.set_seat_muted(settings, seat.call_sid, True)
    assert nobody.value.message.startswith("no carrier account is configured")
    with pytest.raises(CarrierError):
        await controls.remove_seat(settings, seat.call_sid)
    assert (await Seat.get(pk=seat.pk)).state == SeatState.JOINED  # nothing was asked
    await accounts.register_emulator(ACCOUNT_SID, double.base_url)
    await controls.set_seat_muted(settings, seat.call_sid, True)
    assert sent(double) == [("POST", f"{PARTICIPANTS}/{seat.call_sid}.json", {"Muted": "true"})]
    assert double.requests[0].password == AUTH_TOKEN
