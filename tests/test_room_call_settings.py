"""What happens during the call in each room: the host PIN (beside a different participant
PIN), waiting for the host, ending with the host, tones, lecture mode, recording. The
rules between them, every refusal of one request at once, and an update that writes only
the columns it changes."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import pytest

from voiceapp.conferencing import rooms
from voiceapp.core.db import database
from voiceapp.core.errors import InvalidFields, InvalidInput, VoiceappError
from voiceapp.core.models import Room
from voiceapp.core.settings import Settings
from voiceapp.switchboard import conference_server

NEEDS_PIN = (
    "set a PIN first: callers to a room without one are never asked for a code, "
    "so none could type the host PIN"
)
KEEP_PIN = (
    "remove the host PIN too, or keep the PIN: callers to a room without a PIN are "
    "never asked for a code"
)
WAIT_NEEDS_HOST_PIN = (
    "waiting for the host needs a host PIN: without one nobody is the host, "
    "and callers would wait forever"
)
KEEP_HOST_PIN = "this room waits for the host: keep the host PIN, or stop waiting for the host"


@pytest.fixture
async def bridge(settings: Settings) -> AsyncIterator[None]:
    """The conference server on 800, no rooms yet."""
    async with database(settings.database_url):
        await conference_server.setup_bridge("800", "fr")
        yield


def refusals(error: VoiceappError) -> dict[str | None, str]:
    """Each refusal's field and English sentence (one refusal or several)."""
    found = error.errors if isinstance(error, InvalidFields) else (error,)
    return {refusal.field: refusal.message for refusal in found}


async def refused(
    settings: Settings, conference_id: str, **change: object
) -> dict[str | None, str]:
    before = await Room.get(conference_id=conference_id)
    with pytest.raises(VoiceappError) as raised:
        await rooms.update_room(settings, conference_id, rooms.RoomChange(**change))  # type: ignore[arg-type]
    after = await Room.get(conference_id=conference_id)
    assert vars_of(after) == vars_of(before), "a refused change wrote something"
    return refusals(raised.value)


def vars_of(room: Room) -> dict[str, object]:
    columns = ("name", "conference_id", "pin", "capacity", "host_pin", *rooms.CALL_SWITCHES)
    return {column: getattr(room, column) for column in columns}


# ---- adding a room ------------------------------------------------------------------------


async def test_a_new_room_is_a_plain_room_unless_told(bridge: None, settings: Settings) -> None:
    plain = await rooms.add_room(settings, name="Ventes", conference_id="1234", pin="4321")
    assert vars_of(await Room.get(pk=plain.pk)) == {
        "name": "Ventes",
        "conference_id": "1234",
        "pin": "4321",
        "capacity": 10,
        "host_pin": None,
        "wait_for_host": False,
        "end_with_host": False,
        "tones": True,
        "muted_on_entry": False,
        "record": False,
    }
    lecture = await rooms.add_room(
        settings,
        name="Amphi",
        conference_id="5555",
        pin="1111",
        host_pin=" 22223333 ",
        wait_for_host=True,
        end_with_host=True,
        tones=False,
        muted_on_entry=True,
        record=True,
    )
    stored = await Room.get(pk=lecture.pk)
    assert (stored.host_pin, stored.wait_for_host, stored.end_with_host) == ("22223333", True, True)
    assert (stored.tones, stored.muted_on_entry, stored.record) == (False, True, True)


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        (
            {"pin": "4321", "host_pin": "12"},
            {"host_pin": "host PIN must be 4 to 12 digits (0-9), no letters or spaces"},
        ),
        (
            {"pin": "4321", "host_pin": "12ab"},
            {"host_pin": "host PIN must be 4 to 12 digits (0-9), no letters or spaces"},
        ),
        (
            {"pin": "4321", "host_pin": "1234567890123"},
            {"host_pin": "host PIN must be 4 to 12 digits (0-9), no letters or spaces"},
        ),
        ({"host_pin": "9999"}, {"host_pin": NEEDS_PIN}),
        (
            {"pin": "4321", "host_pin": "4321"},
            {"host_pin": "the host PIN must be different from the room's PIN"},
        ),
        ({"pin": "4321", "wait_for_host": True}, {"wait_for_host": WAIT_NEEDS_HOST_PIN}),
        ({"wait_for_host": True}, {"wait_for_host": WAIT_NEEDS_HOST_PIN}),
    ],
)
async def test_adding_a_room_refuses_a_host_pin_that_cannot_work(
    bridge: None, settings: Settings, typed: dict[str, object], refusal: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput) as raised:
        await rooms.add_room(settings, name="Ventes", conference_id="1234", **typed)  # type: ignore[arg-type]
    assert refusals(raised.value) == refusal
    assert not await Room.exists()


async def test_adding_a_room_reports_every_refusal_at_once(
    bridge: None, settings: Settings
) -> None:
    await rooms.add_room(settings, name="Ventes", conference_id="1234")
    with pytest.raises(InvalidFields) as raised:
        await rooms.add_room(
            settings,
            name="Support",
            conference_id="1234",
            host_pin="9999",
            capacity="999",
            wait_for_host=True,
        )
    assert refusals(raised.value) == {
        "conference_id": "conference ID 1234 is already used by another room",
        "host_pin": NEEDS_PIN,
        "capacity": "capacity must be between 1 and 250 callers, got 999",
    }
    # A host PIN refused as typed says so alone: whether it could have been the host's
    # is not known, so waiting for the host is not refused as well.
    with pytest.raises(InvalidFields) as raised:
        await rooms.add_room(
            settings,
            name="Support",
            conference_id="2222",
            pin="12",
            host_pin="x",
            wait_for_host=True,
        )
    assert refusals(raised.value) == {
        "pin": "PIN must be 4 to 12 digits (0-9), no letters or spaces",
        "host_pin": "host PIN must be 4 to 12 digits (0-9), no letters or spaces",
    }
    assert await Room.all().count() == 1


# ---- the host PIN a caller types ------------------------------------------------------------


async def test_host_pin_matches_only_the_host_pin(bridge: None, settings: Settings) -> None:
    room = await rooms.add_room(
        settings, name="Ventes", conference_id="1234", pin="4321", host_pin="98765"
    )
    assert rooms.host_pin_matches(room, "98765")
    assert not rooms.host_pin_matches(room, "4321")  # the participants' PIN
    assert not rooms.host_pin_matches(room, "9876")
    assert not rooms.host_pin_matches(room, "987650")
    assert not rooms.host_pin_matches(room, "")
    # The host PIN is not the room's PIN: a participant's check does not take it.
    assert rooms.pin_matches(room, "4321") and not rooms.pin_matches(room, "98765")
    without = await rooms.add_room(settings, name="Support", conference_id="5555", pin="4321")
    assert not rooms.host_pin_matches(without, "")
    assert not rooms.host_pin_matches(without, "4321")


# ---- changing a room ------------------------------------------------------------------------


async def test_update_sets_and_removes_a_host_pin(bridge: None, settings: Settings) -> None:
    await rooms.add_room(settings, name="Ventes", conference_id="1234", pin="4321")
    room = await rooms.update_room(settings, "1234", rooms.RoomChange(host_pin="5678"))
    assert (room.pin, room.host_pin) == ("4321", "5678")
    # A new PIN and a new host PIN, swapped in one change: judged on the result.
    room = await rooms.update_room(settings, "1234", rooms.RoomChange(pin="5678", host_pin="4321"))
    assert (room.pin, room.host_pin) == ("5678", "4321")
    room = await rooms.update_room(settings, "1234", rooms.RoomChange(clear_host_pin=True))
    assert (room.pin, room.host_pin) == ("5678", None)
    # With the host PIN gone, the PIN may go too.
    room = await rooms.update_room(settings, "1234", rooms.RoomChange(clear_pin=True))
    assert (room.pin, room.host_pin) == (None, None)


async def test_update_refuses_what_would_leave_a_host_pin_unusable(
    bridge: None, settings: Settings
) -> None:
    await rooms.add_room(settings, name="Ventes", conference_id="1234", pin="4321", host_pin="9999")
    await rooms.add_room(settings, name="Support", conference_id="5555")
    assert await refused(settings, "1234", clear_pin=True) == {"pin": KEEP_PIN}
    assert await refused(settings, "1234", pin="9999") == {
        "pin": "the PIN must be different from the room's host PIN"
    }
    assert await refused(settings, "1234", host_pin="4321") == {
        "host_pin": "the host PIN must be different from the room's PIN"
    }
    assert await refused(settings, "1234", pin="7777", host_pin="7777") == {
        "host_pin": "the host PIN must be different from the room's PIN"
    }
    assert await refused(settings, "1234", clear_pin=True, host_pin="7777") == {
        "host_pin": NEEDS_PIN
    }
    assert await refused(settings, "1234", host_pin="7777", clear_host_pin=True) == {
        "host_pin": "type a new host PIN or remove the host PIN, not both"
    }
    assert await refused(settings, "5555", host_pin="7777") == {"host_pin": NEEDS_PIN}
    # The PIN and the host PIN removed together is fine.
    room = await rooms.update_room(
        settings, "1234", rooms.RoomChange(clear_pin=True, clear_host_pin=True)
    )
    assert (room.pin, room.host_pin) == (None, None)


async def test_waiting_for_the_host_needs_a_host_pin(bridge: None, settings: Settings) -> None:
    await rooms.add_room(settings, name="Ventes", conference_id="1234", pin="4321")
    assert await refused(settings, "1234", wait_for_host=True) == {
        "wait_for_host": WAIT_NEEDS_HOST_PIN
    }
    room = await rooms.update_room(
        settings, "1234", rooms.RoomChange(host_pin="9999", wait_for_host=True)
    )
    assert (room.host_pin, room.wait_for_host) == ("9999", True)
    # The admin form sends the box ticked as it is: removing the host PIN of a room that
    # waits for its host is refused at the host PIN, which is what changed.
    for still_waiting in ({}, {"wait_for_host": True}):
        assert await refused(settings, "1234", clear_host_pin=True, **still_waiting) == {
            "host_pin": KEEP_HOST_PIN
        }
    room = await rooms.update_room(
        settings, "1234", rooms.RoomChange(clear_host_pin=True, wait_for_host=False)
    )
    assert (room.host_pin, room.wait_for_host) == (None, False)


async def test_update_reports_every_refusal_at_once(bridge: None, settings: Settings) -> None:
    await rooms.add_room(settings, name="Ventes", conference_id="1234", pin="4321", host_pin="9999")
    assert await refused(settings, "1234", name=" ", clear_pin=True, capacity="0") == {
        "name": "room name must not be empty",
        "pin": KEEP_PIN,
        "capacity": "capacity must be between 1 and 250 callers, got 0",
    }
    assert await refused(
        settings, "1234", pin="5678", clear_pin=True, host_pin="12", clear_host_pin=True
    ) == {
        "pin": "type a new PIN or remove the PIN, not both",
        "host_pin": "type a new host PIN or remove the host PIN, not both",
    }
    await rooms.update_room(settings, "1234", rooms.RoomChange(clear_host_pin=True))
    assert await refused(settings, "1234", host_pin="4321", wait_for_host=True, capacity="x") == {
        "host_pin": "the host PIN must be different from the room's PIN",
        "capacity": "capacity must be a whole number, got 'x'",
    }


async def test_each_switch_changes_alone_and_absent_is_unchanged(
    bridge: None, settings: Settings
) -> None:
    await rooms.add_room(settings, name="Ventes", conference_id="1234", pin="4321", host_pin="9999")
    expected = vars_of(await Room.get(conference_id="1234"))
    for column in rooms.CALL_SWITCHES:
        for value in (not expected[column], expected[column]):
            room = await rooms.update_room(settings, "1234", rooms.RoomChange(**{column: value}))  # type: ignore[arg-type]
            assert vars_of(room) == {**expected, column: value}
    room = await rooms.update_room(settings, "1234", rooms.RoomChange(name="Ventes Sud"))
    assert vars_of(room) == {**expected, "name": "Ventes Sud"}


def room_updates(caplog: pytest.LogCaptureFixture) -> list[set[str]]:
    """The columns each UPDATE of the room table set, from the ORM's query log."""
    written = []
    for record in caplog.records:
        query = record.getMessage()
        if query.startswith('UPDATE "room" SET'):
            assignments = query.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
            written.append(set(re.findall(r'"(\w+)"=', assignments)))
    return written


async def test_update_writes_only_the_columns_it_changes(
    bridge: None, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await rooms.add_room(settings, name="Ventes", conference_id="1234", pin="4321")
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")
    await rooms.update_room(settings, "1234", rooms.RoomChange(host_pin="9999", record=True))
    await rooms.update_room(settings, "1234", rooms.RoomChange(tones=False))
    # The admin form's save: every field of the form, never the live seat count, nor the
    # lock (the Live page's).
    form = rooms.RoomChange(
        name="Ventes",
        conference_id="1234",
        capacity="10",
        wait_for_host=True,
        end_with_host=False,
        tones=False,
        muted_on_entry=True,
        record=True,
    )
    await rooms.update_room(settings, "1234", form)
    assert room_updates(caplog) == [
        {"host_pin", "record"},
        {"tones"},
        {"name", "conference_id", "capacity", *rooms.CALL_SWITCHES},
    ]
