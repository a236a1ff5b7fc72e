"""One submit, every refusal: the room, extension and number rules check each field and
report all that is wrong at once (InvalidFields), rather than one more per round trip;
the CLI gets them on one line."""

from __future__ import annotations

import pytest

from voiceapp.conferencing import rooms
from voiceapp.core.errors import Conflict, InvalidFields, InvalidInput, VoiceappError
from voiceapp.core.models import Extension, PhoneNumber, Room
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.switchboard import extensions, numbers
from voiceapp.switchboard.extensions import ExtensionChange

from .conftest import FR_NUMBER


def refusals(error: VoiceappError) -> dict[str | None, str]:
    """Each refusal's field and English sentence."""
    assert isinstance(error, InvalidFields)
    return {refusal.field: refusal.message for refusal in error.errors}


async def test_a_room_gets_every_refusal_at_once(conference: Carrier, settings: Settings) -> None:
    # The trial's room: a taken ID, a short PIN and too many callers, in one submit.
    with pytest.raises(InvalidFields) as raised:
        await rooms.add_room(
            settings, name="Support", conference_id="1234", pin="12", capacity="999"
        )
    assert refusals(raised.value) == {
        "conference_id": "conference ID 1234 is already used by another room",
        "pin": "PIN must be 4 to 12 digits (0-9), no letters or spaces",
        "capacity": "capacity must be between 1 and 250 callers, got 999",
    }
    # The CLI prints `message`: all of them, on one line.
    assert raised.value.message == (
        "conference ID 1234 is already used by another room | "
        "PIN must be 4 to 12 digits (0-9), no letters or spaces | "
        "capacity must be between 1 and 250 callers, got 999"
    )
    # Translated, each sentence still told apart (some hold a ";" of their own).
    assert raised.value.in_language("fr").split(" | ")[2] == (
        "la capacité doit être comprise entre 1 et 250 appelants ; vous avez saisi 999"
    )
    assert not await Room.exists(name="Support", conference_id="1234", capacity=999)


async def test_one_refusal_keeps_its_own_kind(conference: Carrier, settings: Settings) -> None:
    """A lone refusal is raised as itself: a taken ID is still a Conflict (a 409)."""
    with pytest.raises(Conflict, match="already used by another room"):
        await rooms.add_room(settings, name="Autre", conference_id="1234")


async def test_a_room_update_gets_every_refusal_at_once(
    conference: Carrier, settings: Settings
) -> None:
    change = rooms.RoomChange(name=" ", conference_id="5555", pin="1", capacity="0")
    with pytest.raises(InvalidFields) as raised:
        await rooms.update_room(settings, "1234", change)
    assert set(refusals(raised.value)) == {"name", "new_conference_id", "pin", "capacity"}
    room = await Room.get(conference_id="1234")
    assert (room.name, room.pin, room.capacity) == ("Ventes", "4321", 10)  # nothing written


async def test_an_extension_gets_every_refusal_at_once(conference: Carrier) -> None:
    # The trial's user: an extension already in use, and a forwarding target "abc".
    with pytest.raises(InvalidFields) as raised:
        await extensions.add_extension("800", "user", "", forward_to="abc")
    assert refusals(raised.value) == {
        "extension": "extension 800 is already in use",
        "name": "name must not be empty",
        "forward_to": (
            "'abc' is not a phone number or a SIP URI; write a phone number with + and the "
            "country code, e.g. +33612345601, or a SIP URI, e.g. sip:alice@pbx.example.com"
        ),
    }
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    with pytest.raises(InvalidFields) as raised:
        await extensions.update_extension("201", ExtensionChange(name="", forward_to="0612"))
    assert set(refusals(raised.value)) == {"name", "forward_to"}
    alice = await Extension.get(number="201")
    assert (alice.name, alice.forward_to) == ("Alice", "+33612345601")


async def test_the_forwarding_refusal_says_a_sip_uri_does_too(conference: Carrier) -> None:
    with pytest.raises(InvalidInput) as raised:
        await extensions.add_extension("203", "user", "Carla", forward_to="0612345678")
    assert "or a SIP URI, e.g. sip:alice@pbx.example.com" in raised.value.message
    assert "ou une adresse SIP" in raised.value.in_language("fr")
    assert "o una dirección SIP" in raised.value.in_language("es")


async def test_a_number_gets_every_refusal_at_once(conference: Carrier) -> None:
    with pytest.raises(InvalidFields) as raised:
        await numbers.add_number(FR_NUMBER, "999", "de")
    assert set(refusals(raised.value)) == {"number", "extension", "language"}
    with pytest.raises(InvalidFields) as raised:
        await numbers.update_number(FR_NUMBER, extension_number="999", language="de")
    assert set(refusals(raised.value)) == {"extension", "language"}
    number = await PhoneNumber.get(e164=FR_NUMBER).select_related("extension")
    assert (number.extension.number, number.language.value) == ("800", "fr")


def test_invalid_fields_needs_two_refusals() -> None:
    with pytest.raises(ValueError, match="two refusals or more"):
        InvalidFields([InvalidInput("one")])
