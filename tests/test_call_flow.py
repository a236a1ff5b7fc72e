"""End-to-end calls through the carrier emulator, one per path of the call flow."""

from __future__ import annotations

import logging

import pytest

from voiceapp import ivr_prompts
from voiceapp.conferencing import rooms
from voiceapp.conferencing.call_flow import STEPS
from voiceapp.core.models import CallRecord, Language, Room, Seat
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier

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
    assert conf.get("statusCallbackEvent") == "start end join leave mute hold modify"
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
    expected = ivr_prompts.text("participants", Language.ES, {"count": 1})
    assert expected in second.said
    assert ivr_prompts.text("first_participant", Language.ES) not in second.said
    assert second.conference is first.conference
    await first.hangup()
    await second.hangup()


async def test_unknown_id_three_times_says_goodbye(conference: Carrier) -> None:
    call = await conference.call(FR_NUMBER, digits=["999#", "888#", "777#"])
    assert call.said.count("Le numéro de conférence que vous avez saisi n'existe pas.") == 3
    assert call.said[-2:] == [
        "Vous avez atteint le nombre maximal d'essais.",
        "Merci de votre appel. Au revoir.",
    ]
    _, last = call.documents[-1]
    assert verbs(last)[-1] == "Hangup"
    assert (await CallRecord.get(call_sid=call.call_sid)).outcome == "unknown_id"


async def test_unknown_id_then_right_id_joins(conference: Carrier) -> None:
    call = await conference.call(FR_NUMBER, digits=["999#", "5555#"])
    assert "Le numéro de conférence que vous avez saisi n'existe pas." in call.said
    assert "Vous allez rejoindre la conférence 5 5 5 5." in call.said
    assert call.kinds()[-2:] == ["conference", "hangup"]


async def test_pin_room_asks_pin_and_wrong_pin_three_times_says_goodbye(
    conference: Carrier,
) -> None:
    call = await conference.call(FR_NUMBER, digits=["1234#", "0000#", "1111#", "2222#"])
    assert call.said.count("Veuillez saisir le code d'accès, suivi de la touche dièse.") == 3
    assert call.said.count("Le code d'accès est incorrect.") == 3
    assert call.said[-1] == "Merci de votre appel. Au revoir."
    assert "conference" not in call.kinds()
    assert (await CallRecord.get(call_sid=call.call_sid)).outcome == "wrong_pin"


async def test_wrong_pin_then_right_pin_joins(conference: Carrier) -> None:
    call = await conference.call(FR_NUMBER, digits=["1234#", "9999#", "4321#"])
    assert "Le code d'accès est incorrect." in call.said
    assert "conference" in call.kinds()


async def test_silence_reprompts_once_then_goodbye(conference: Carrier) -> None:
    call = await conference.call(FR_NUMBER)
    assert call.kinds().count("silence") == 2
    assert "Nous n'avons reçu aucune réponse." in call.said
    assert call.said[-2:] == [
        "Nous n'avons toujours reçu aucune réponse.",
        "Merci de votre appel. Au revoir.",
    ]
    assert (await CallRecord.get(call_sid=call.call_sid)).outcome == "no_input"


async def test_silence_at_pin_step_also_says_goodbye(conference: Carrier) -> None:
    call = await conference.call(FR_NUMBER, digits=["1234#"])
    assert call.said[-1] == "Merci de votre appel. Au revoir."
    assert "conference" not in call.kinds()


async def test_spanish_number_greets_in_spanish(conference: Carrier) -> None:
    call = await conference.call(ES_NUMBER, digits=["5555#"])
    _, first = call.documents[0]
    assert {say.get("language") for say in first.iter("Say")} >= {"es-ES"}
    assert call.said[0] == "Le damos la bienvenida al servicio de conferencias."
    assert "Le estamos conectando a la conferencia 5 5 5 5." in call.said


async def test_star_switches_language_for_the_rest_of_the_call(conference: Carrier) -> None:
    call = await conference.call(FR_NUMBER, digits=["*", "1234#", "4321#"])
    assert call.said[0] == "Bienvenue sur le service de conférence."
    after_switch = call.said[
        call.said.index("Le damos la bienvenida al servicio de conferencias.") :
    ]
    assert "Por favor, marque el código de acceso, seguido de la tecla almohadilla." in after_switch
    assert "Le estamos conectando a la conferencia 1 2 3 4." in after_switch
    _, joined = call.documents[-1]
    assert {say.get("language") for say in joined.iter("Say")} == {"es-ES"}


async def test_room_full_is_told_and_hung_up(conference: Carrier, settings: object) -> None:
    room = await Room.get(conference_id="5555")
    room.capacity = 1
    await room.save(update_fields=["capacity"])
    first = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    second = await conference.call(FR_NUMBER, digits=["5555#"])
    assert "conference" in first.kinds()
    assert "Cette conférence est complète. Veuillez réessayer plus tard." in second.said
    assert "conference" not in second.kinds()
    _, last = second.documents[-1]
    assert verbs(last) == ["Say", "Say", "Hangup"]
    assert (await CallRecord.get(call_sid=second.call_sid)).outcome == "room_full"
    await first.hangup()


async def test_each_question_stops_listening_at_its_steps_digit_limit(
    conference: Carrier, settings: Settings
) -> None:
    """numDigits comes from the table; the longest ID and PIN, each followed by #, get in."""
    await rooms.add_room(settings, name="Long", conference_id="9" * 12, pin="8" * 12)
    call = await conference.call(FR_NUMBER, digits=["9" * 12 + "#", "8" * 12 + "#"])
    [asked_id, asked_pin] = [
        document.find("Gather") for _, document in call.documents if document.find("Gather")
    ]
    assert asked_id is not None and asked_pin is not None
    assert asked_id.get("numDigits") == str(STEPS["ask_id"].max_digits)
    assert asked_pin.get("numDigits") == str(STEPS["ask_pin"].max_digits)
    assert "conference" in call.kinds()


async def test_the_log_says_what_was_typed_at_each_step_never_the_digits(
    conference: Carrier, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="voiceapp.switchboard.routing")
    call = await conference.call(FR_NUMBER, digits=["1234#", "9876#", "4321#"])
    logged = [r.getMessage() for r in caplog.records if r.name == "voiceapp.switchboard.routing"]
    assert logged == [
        f"call_sid={call.call_sid} step=ask_id: the conference ID typed is room_with_pin",
        f"call_sid={call.call_sid} step=ask_pin: the PIN typed is wrong",
        f"call_sid={call.call_sid} step=ask_pin: the PIN typed is seated",
    ]
    assert not [line for line in logged if "9876" in line or "4321" in line]
