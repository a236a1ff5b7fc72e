"""End-to-end calls to every kind of extension, through the carrier emulator."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from voiceapp import ivr_prompts
from voiceapp.core.models import CallRecord, Extension, Language, Room, Seat, Voicemail
from voiceapp.core.settings import Settings, SettingsError, load_settings
from voiceapp.emulator import Carrier, EmulatedCall
from voiceapp.switchboard import extensions, numbers, routing, voicemail
from voiceapp.webhooks import twiml

from .conftest import PUBLIC_URL, make_settings
from .twiml import parse, verbs

ALICE_NUMBER = "+33180000201"
ALICE_ES_NUMBER = "+34910000201"
GROUP_NUMBER = "+33180000210"
RECEPTION_NUMBER = "+33180000200"
CALLER = "+33612345678"

NO_ANSWER = "Votre correspondant ne répond pas."
LEAVE_MESSAGE = (
    "Laissez votre message après le bip, puis appuyez sur la touche dièse ou raccrochez."
)
MESSAGE_SAVED = "Votre message a bien été enregistré."
GOODBYE = "Merci de votre appel. Au revoir."
UNKNOWN_EXTENSION = "Ce numéro de poste n'existe pas."
ASK_EXTENSION = (
    "Veuillez composer le numéro de poste de votre correspondant, suivi de la touche dièse."
)


async def add_office() -> None:
    """Users 201 (phone), 202 (SIP), 203 (phone), ring group 210 of all three, the
    receptionist on 200, and a number reaching each."""
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    await extensions.add_extension("202", "user", "Bruno", forward_to="sip:bruno@pbx.example.com")
    await extensions.add_extension("203", "user", "Carla", forward_to="+34612345603")
    await extensions.add_extension("210", "ring-group", "Ventes", members=["203", "201", "202"])
    await extensions.add_extension("200", "receptionist")
    await numbers.add_number(ALICE_NUMBER, "201", "fr")
    await numbers.add_number(ALICE_ES_NUMBER, "201", "es")
    await numbers.add_number(GROUP_NUMBER, "210", "fr")
    await numbers.add_number(RECEPTION_NUMBER, "200", "fr")


@pytest.fixture
async def office(conference: Carrier) -> Carrier:
    """The conference fixture (bridge 800, rooms 1234 PIN 4321 and 5555) plus `add_office`."""
    await add_office()
    return conference


def dials(call: EmulatedCall) -> list[ET.Element]:
    """Every <Dial> the app answered on this call, in order."""
    return [dial for _, document in call.documents for dial in document.iter("Dial")]


def dialled(call: EmulatedCall) -> list[str]:
    """Every number or SIP URI the app asked the carrier to ring on this call."""
    return [
        (noun.text or "").strip()
        for dial in dials(call)
        for noun in dial
        if noun.tag in ("Number", "Sip")
    ]


def record_verb(call: EmulatedCall) -> ET.Element:
    found = [verb for _, document in call.documents for verb in document.iter("Record")]
    assert len(found) == 1, f"expected one <Record>, got {len(found)}"
    return found[0]


async def outcome(call: EmulatedCall) -> str:
    return (await CallRecord.get(call_sid=call.call_sid)).outcome


# ---- a user ------------------------------------------------------------------------------


async def test_user_answered_is_dialled_with_the_ring_timeout(office: Carrier) -> None:
    call = await office.call(ALICE_NUMBER, answer="answered")
    _, first = call.documents[0]
    assert verbs(first) == ["Dial"]
    dial = first.find("Dial")
    assert dial is not None
    assert dial.get("timeout") == "20"
    assert dial.get("action", "").startswith(f"{PUBLIC_URL}/voice/dial-result?")
    assert [noun.tag for noun in dial] == ["Number"]
    assert dialled(call) == ["+33612345601"]
    _, last = call.documents[-1]
    assert verbs(last) == ["Hangup"]
    assert call.said == []
    assert await outcome(call) == "forwarded"
    assert await Voicemail.all().count() == 0


async def test_user_no_answer_leaves_voicemail_that_is_listed(office: Carrier) -> None:
    call = await office.call(ALICE_NUMBER, answer="no-answer", message_seconds=12)
    assert call.said == [NO_ANSWER, LEAVE_MESSAGE, MESSAGE_SAVED, GOODBYE]
    _, asked = call.documents[1]
    assert verbs(asked) == ["Say", "Say", "Record", "Say", "Say", "Hangup"]
    record = record_verb(call)
    assert record.get("maxLength") == "120"
    assert record.get("finishOnKey") == "#"
    assert record.get("action", "").startswith(f"{PUBLIC_URL}/voice/voicemail?")
    [message] = await voicemail.list_messages()
    alice = await Extension.get(number="201")
    assert message.extension_id == alice.pk  # type: ignore[attr-defined]
    assert message.extension_number == "201"
    assert message.call_sid == call.call_sid
    assert message.caller == CALLER
    assert message.called == ALICE_NUMBER
    assert message.duration_seconds == 12
    assert message.recording_sid is not None and message.recording_sid.startswith("RE")
    assert message.recording_url.endswith(f"/Recordings/{message.recording_sid}")
    assert message.created_at is not None
    assert [m.call_sid for m in await voicemail.list_messages("201")] == [call.call_sid]
    assert await voicemail.list_messages("210") == []
    assert await outcome(call) == "voicemail"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("busy", "Votre correspondant est déjà en ligne."),
        ("failed", "Votre correspondant n'est pas joignable pour le moment."),
    ],
)
async def test_busy_or_failed_says_why_then_takes_a_message(
    office: Carrier, answer: str, reason: str
) -> None:
    call = await office.call(ALICE_NUMBER, answer=answer)  # type: ignore[arg-type]
    assert call.said == [reason, LEAVE_MESSAGE, MESSAGE_SAVED, GOODBYE]
    assert await Voicemail.filter(extension_number="201").count() == 1


async def test_silent_caller_leaves_no_message(office: Carrier) -> None:
    call = await office.call(ALICE_NUMBER, answer="no-answer", message_seconds=0)
    assert call.said == [NO_ANSWER, LEAVE_MESSAGE, "Nous n'avons reçu aucune réponse.", GOODBYE]
    assert call.kinds()[-1] == "hangup"
    assert await Voicemail.all().count() == 0


async def test_spanish_number_speaks_spanish(office: Carrier) -> None:
    call = await office.call(ALICE_ES_NUMBER, answer="no-answer")
    assert call.said[0] == "La persona con la que desea hablar no contesta."
    assert call.said[-1] == "Gracias por su llamada. Hasta luego."
    languages = {event.language for event in call.events if event.kind == "say"}
    assert languages == {"es-ES"}


async def test_a_numbers_say_locale_lasts_through_ringing_and_voicemail(
    office: Carrier,
) -> None:
    """The locale rides in the callback URLs of <Dial> and <Record> too, not only in
    the conference steps': no switch to the language's default voice mid-call."""
    await numbers.update_number(ALICE_ES_NUMBER, say_locale="es-MX")
    direct = await office.call(ALICE_ES_NUMBER, answer="no-answer", message_seconds=5)
    assert direct.said[-2:] == [
        "Hemos guardado su mensaje.",
        "Gracias por su llamada. Hasta luego.",
    ]
    assert {event.language for event in direct.events if event.kind == "say"} == {"es-MX"}
    await numbers.update_number(RECEPTION_NUMBER, say_locale="fr-CA")
    through = await office.call(RECEPTION_NUMBER, digits=["201#"], answer="no-answer")
    assert through.said[-4:] == [NO_ANSWER, LEAVE_MESSAGE, MESSAGE_SAVED, GOODBYE]
    languages = [event.language for event in through.events if event.kind == "say"]
    assert set(languages[3:]) == {"fr-CA"}  # after the greeting's offer in Spanish


async def test_sip_target_is_dialled_as_sip(office: Carrier) -> None:
    await numbers.update_number(ALICE_NUMBER, extension_number="202")
    call = await office.call(ALICE_NUMBER)
    [dial] = dials(call)
    assert [(noun.tag, noun.text) for noun in dial] == [("Sip", "sip:bruno@pbx.example.com")]


# ---- a ring group ------------------------------------------------------------------------


async def test_ring_group_rings_every_member_in_one_dial(office: Carrier) -> None:
    call = await office.call(GROUP_NUMBER)
    [dial] = dials(call)
    assert [(noun.tag, noun.text) for noun in dial] == [
        ("Number", "+33612345601"),
        ("Sip", "sip:bruno@pbx.example.com"),
        ("Number", "+34612345603"),
    ]
    assert dial.get("timeout") == "20"
    assert await outcome(call) == "forwarded"


async def test_ring_group_no_answer_takes_the_groups_voicemail(office: Carrier) -> None:
    call = await office.call(GROUP_NUMBER, answer="no-answer")
    assert call.said == [NO_ANSWER, LEAVE_MESSAGE, MESSAGE_SAVED, GOODBYE]
    [message] = await Voicemail.all()
    assert message.extension_number == "210"


async def test_member_forwarding_to_the_same_phone_is_rung_once(office: Carrier) -> None:
    await extensions.update_extension("203", extensions.ExtensionChange(forward_to="+33612345601"))
    call = await office.call(GROUP_NUMBER)
    assert dialled(call) == ["+33612345601", "sip:bruno@pbx.example.com"]


# ---- the virtual receptionist ------------------------------------------------------------


async def test_receptionist_puts_caller_through_to_the_conference_room(office: Carrier) -> None:
    call = await office.call(RECEPTION_NUMBER, digits=["800#", "1234#", "4321#"], stay=True)
    assert call.said[:3] == [
        "Bienvenue, vous êtes bien sur notre standard.",
        "Para continuar en español, marque la tecla asterisco.",
        ASK_EXTENSION,
    ]
    assert call.said[3:5] == [
        "Veuillez patienter, nous transférons votre appel.",
        "Bienvenue sur le service de conférence.",
    ]
    assert "Veuillez saisir le code d'accès, suivi de la touche dièse." in call.said
    assert "Vous êtes le premier participant." in call.said
    room = await Room.get(conference_id="1234")
    assert call.conference is not None
    assert call.conference.name == f"voiceapp-room-{room.pk}"
    assert (await Seat.get(call_sid=call.call_sid)).state == "joined"
    assert dialled(call) == []
    _, greeting = call.documents[0]
    gather = greeting.find("Gather")
    assert gather is not None
    assert "step=ask_extension" in gather.get("action", "")
    await call.hangup()
    assert await outcome(call) == "joined"


async def test_receptionist_puts_caller_through_to_a_user(office: Carrier) -> None:
    call = await office.call(RECEPTION_NUMBER, digits=["201#"], answer="no-answer")
    assert dialled(call) == ["+33612345601"]
    assert call.said[-4:] == [NO_ANSWER, LEAVE_MESSAGE, MESSAGE_SAVED, GOODBYE]
    [message] = await Voicemail.all()
    assert message.extension_number == "201"
    assert message.called == RECEPTION_NUMBER


async def test_receptionist_retries_a_wrong_extension(office: Carrier) -> None:
    call = await office.call(RECEPTION_NUMBER, digits=["999#", "210#"])
    assert call.said.count(UNKNOWN_EXTENSION) == 1
    assert call.said.count(ASK_EXTENSION) == 2
    assert len(dials(call)) == 1
    assert await outcome(call) == "forwarded"


@pytest.mark.parametrize(
    "typed",
    [
        "0612345601#",  # a French mobile, national form
        "0033612345601#",  # the same, international form
        "33612345601#",  # Alice's own forwarding number, digits only
        "999#",  # an extension nobody configured
        "200#",  # the receptionist itself
    ],
)
async def test_receptionist_never_dials_what_the_caller_types(office: Carrier, typed: str) -> None:
    call = await office.call(RECEPTION_NUMBER, digits=[typed] * 5)
    assert dials(call) == []
    assert call.said.count(UNKNOWN_EXTENSION) == 3
    assert call.said[-2:] == ["Vous avez atteint le nombre maximal d'essais.", GOODBYE]
    assert call.kinds().count("keypad") == 3  # three tries, then goodbye
    _, last = call.documents[-1]
    assert verbs(last)[-1] == "Hangup"
    digits = typed.rstrip("#")
    for _, document in call.documents:
        assert all(digits not in (element.text or "") for element in document.iter())
    assert await outcome(call) == "unknown_extension"


async def test_receptionist_star_switches_language(office: Carrier) -> None:
    call = await office.call(RECEPTION_NUMBER, digits=["*", "201#"], answer="no-answer")
    assert call.said[3] == "Le damos la bienvenida a nuestra centralita."
    assert "Un momento, por favor. Le estamos transfiriendo." in call.said
    assert call.said[-1] == "Gracias por su llamada. Hasta luego."


async def test_receptionist_offers_the_way_back_after_switching(office: Carrier) -> None:
    """As the conference server does: after "*", the greeting in the new language, then
    the offer of the first one, said in it; "*" again goes back."""
    call = await office.call(RECEPTION_NUMBER, digits=["*", "*", "201#"], answer="no-answer")
    spoken = [(event.language, event.text) for event in call.events if event.kind == "say"]
    assert spoken[3:9] == [
        ("es-ES", "Le damos la bienvenida a nuestra centralita."),
        ("fr-FR", "Pour continuer en français, appuyez sur la touche étoile."),
        ("es-ES", ivr_prompts.text("ask_extension", Language.ES)),
        ("fr-FR", "Bienvenue, vous êtes bien sur notre standard."),
        ("es-ES", "Para continuar en español, marque la tecla asterisco."),
        ("fr-FR", ASK_EXTENSION),
    ]
    assert call.said[-4:] == [NO_ANSWER, LEAVE_MESSAGE, MESSAGE_SAVED, GOODBYE]


async def test_receptionist_silence_reprompts_then_goodbye(office: Carrier) -> None:
    call = await office.call(RECEPTION_NUMBER)
    assert call.said.count(ASK_EXTENSION) == 2
    assert call.said[-2:] == ["Nous n'avons toujours reçu aucune réponse.", GOODBYE]
    assert dials(call) == []


# ---- settings, webhooks ------------------------------------------------------------------


async def test_ring_timeout_and_message_length_are_settings(
    office: Carrier, settings: Settings
) -> None:
    tuned = make_settings(
        settings.database_url, VOICEAPP_RING_TIMEOUT="35", VOICEAPP_VOICEMAIL_MAX_SECONDS="60"
    )
    alice = await Extension.get(number="201")
    ringing = twiml.render(await routing.route(alice, Language.FR, tuned), tuned)
    dial = parse(str(ringing)).find("Dial")
    assert dial is not None
    assert dial.get("timeout") == "35"
    unanswered = routing.on_dial_result("201", "no-answer", Language.FR, tuned)
    record = parse(str(twiml.render(unanswered, tuned))).find("Record")
    assert record is not None
    assert record.get("maxLength") == "60"


def test_ring_timeout_and_message_length_defaults_and_limits() -> None:
    defaults = load_settings({})
    assert (defaults.ring_timeout_seconds, defaults.voicemail_max_seconds) == (20, 120)
    for name, value in [
        ("VOICEAPP_RING_TIMEOUT", "4"),
        ("VOICEAPP_RING_TIMEOUT", "601"),
        ("VOICEAPP_VOICEMAIL_MAX_SECONDS", "0"),
        ("VOICEAPP_VOICEMAIL_MAX_SECONDS", "two minutes"),
    ]:
        with pytest.raises(SettingsError, match=name):
            load_settings({name: value})


async def test_a_long_message_stops_at_the_maximum_length(office: Carrier) -> None:
    await office.call(ALICE_NUMBER, answer="no-answer", message_seconds=500)
    [message] = await Voicemail.all()
    assert message.duration_seconds == 120  # the carrier stops at maxLength
