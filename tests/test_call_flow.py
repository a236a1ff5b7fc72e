"""End-to-end calls through the carrier emulator, one per path of the call flow."""

from __future__ import annotations

from voiceapp.emulator import Carrier
from voiceapp.models import CallRecord, Room, Seat

from .conftest import ES_NUMBER, FR_NUMBER
from .twiml import verbs


async def test_unmapped_number_hears_not_in_service_then_hangup(conference: Carrier) -> None:
    call = await conference.call("+33180009999")
    assert call.said == [
        "Le numéro que vous avez composé n'est pas en service.",
    ]
    _, last = call.documents[-1]
    assert verbs(last) == ["Say", "Hangup"]
    record = await CallRecord.get(call_sid=call.call_sid)
    assert record.outcome == "unmapped"


async def test_greeting_gathers_conference_id_with_fallback(conference: Carrier) -> None:
    call = await conference.call(FR_NUMBER)
    _, first = call.documents[0]
    assert verbs(first) == ["Gather", "Redirect"]
    gather = first.find("Gather")
    assert gather is not None
    assert gather.get("finishOnKey") == "#"
    assert gather.get("input") == "dtmf"
    assert gather.get("action", "").startswith("https://voice.example.test/voice/gather?")
    # The offer of Spanish is said in Spanish, with the Spanish voice.
    assert [say.get("language") for say in gather.iter("Say")] == ["fr-FR", "es-ES", "fr-FR"]
    assert call.said[0] == "Bienvenue sur le service de conférence."


async def test_room_without_pin_joins_conference(conference: Carrier) -> None:
    call = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    room = await Room.get(conference_id="5555")
    assert call.conference is not None
    assert call.conference.name == f"voiceapp-room-{room.pk}"
    _, joined = call.documents[-1]
    conf = joined.find("Dial/Conference")
    assert conf is not None
    assert conf.get("maxParticipants") == "10"
    assert conf.get("statusCallbackEvent") == "start end join leave"
    assert "Support" not in (conf.text or "")  # the room's name never reaches the carrier
    assert "Vous êtes le premier participant." in call.said
    seat = await Seat.get(call_sid=call.call_sid)
    assert seat.state == "joined"
    assert (await Room.get(pk=room.pk)).seats_taken == 1
    await call.hangup()
    assert not await Seat.exists(call_sid=call.call_sid)
    assert (await Room.get(pk=room.pk)).seats_taken == 0
    record = await CallRecord.get(call_sid=call.call_sid)
    assert record.outcome == "joined"
    assert record.ended_at is not None


async def test_second_caller_hears_participant_count(conference: Carrier) -> None:
    first = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    second = await conference.call(ES_NUMBER, digits=["5555#"], stay=True)
    assert second.said[-1] == "Ya hay un participante en la conferencia."
    assert second.conference is first.conference
    await first.hangup()
    await second.hangup()
