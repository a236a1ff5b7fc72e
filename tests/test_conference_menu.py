"""Inside the conference, webhook by webhook as the carrier sends them: the host PIN, the
wait for the host, the lock, the recording notice, and the keypad menu's round trip,
whose seat is kept whatever order the carrier's callbacks come in.

The same behaviour through the emulator, call by call, is in test_inside_the_conference.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlsplit

import pytest
from defusedxml import ElementTree as SafeET

from voiceapp.conferencing import rooms
from voiceapp.core.models import Room, Seat, SeatState
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier

from .conftest import FR_NUMBER, PUBLIC_URL

CONFERENCE_SID = "CF" + "1" * 32


async def post(carrier: Carrier, url: str, **fields: str) -> ET.Element:
    """A signed webhook as the carrier sends it; its TwiML."""
    form = {"AccountSid": "AC" + "0" * 32, "From": "+33612345678", "To": FR_NUMBER, **fields}
    response = await carrier.post(url, form)
    assert response.status_code == 200, response.text
    return SafeET.fromstring(response.content)


def said(document: ET.Element) -> list[str]:
    return [(say.text or "").strip() for say in document.iter("Say")]


async def typed_id(carrier: Carrier, call_sid: str, conference_id: str) -> ET.Element:
    return await post(
        carrier, f"{PUBLIC_URL}/voice/gather?step=ask_id&lang=fr", CallSid=call_sid,
        Digits=conference_id + "#",
    )  # fmt: skip


async def typed_pin(carrier: Carrier, call_sid: str, room: Room, pin: str) -> ET.Element:
    return await post(
        carrier, f"{PUBLIC_URL}/voice/gather?step=ask_pin&lang=fr&room={room.pk}",
        CallSid=call_sid, Digits=pin + "#",
    )  # fmt: skip


async def conference_event(
    carrier: Carrier, event: str, call_sid: str, sequence: int, **fields: str
) -> None:
    await post(
        carrier,
        f"{PUBLIC_URL}/voice/conference-status",
        CallSid=call_sid,
        ConferenceSid=CONFERENCE_SID,
        FriendlyName=fields.pop("FriendlyName", ""),
        StatusCallbackEvent=event,
        SequenceNumber=str(sequence),
        **fields,
    )


def action_of(document: ET.Element) -> str:
    """The <Dial>'s action: where * (or the conference's end) takes the caller."""
    dial = document.find("Dial")
    assert dial is not None, ET.tostring(document)
    assert dial.get("hangupOnStar") == "true"
    return dial.get("action") or ""


def conference_of(document: ET.Element) -> ET.Element:
    conference = document.find("Dial/Conference")
    assert conference is not None, ET.tostring(document)
    return conference


def gather_action(document: ET.Element) -> str:
    gather = document.find("Gather")
    assert gather is not None, ET.tostring(document)
    assert gather.get("numDigits") == "1" and gather.get("finishOnKey") == ""
    return gather.get("action") or ""


async def seated(carrier: Carrier, room: Room, call_sid: str, sequence: int) -> str:
    """A caller into `room` (no PIN): the seat, then the carrier's participant-join.
    Returns the <Dial>'s action."""
    joined = await typed_id(carrier, call_sid, room.conference_id)
    await conference_event(
        carrier, "participant-join", call_sid, sequence, FriendlyName=conference_of(joined).text
    )
    return action_of(joined)


async def seat(call_sid: str) -> Seat | None:
    return await Seat.get_or_none(call_sid=call_sid)


@pytest.fixture
async def small_room(conference: Carrier, settings: Settings) -> Room:
    return await rooms.add_room(settings, name="Petit", conference_id="7777", capacity=2)


@pytest.mark.parametrize("leave_first", [True, False], ids=["leave-then-action", "action-first"])
async def test_star_round_trip_keeps_the_seat_in_a_full_room(
    conference: Carrier, small_room: Room, leave_first: bool
) -> None:
    action = await seated(conference, small_room, "CAa", 1)
    await seated(conference, small_room, "CAb", 2)
    assert (await Room.get(id=small_room.pk)).seats_taken == 2

    async def leave() -> None:
        await conference_event(
            conference, "participant-leave", "CAa", 3, ParticipantCallStatus="in-progress"
        )

    if leave_first:
        await leave()
    menu = await post(conference, action, CallSid="CAa", DialCallStatus="completed")
    if not leave_first:
        await leave()
    assert said(menu)[0] == "Menu de la conférence."
    assert "Pour verrouiller ou déverrouiller la conférence, appuyez sur 3." not in said(menu)
    assert (await seat("CAa")) is not None and (await seat("CAa")).state is SeatState.IN_MENU  # type: ignore[union-attr]

    # Out in the menu, the caller still holds their seat: the room is still full.
    newcomer = await typed_id(conference, "CAc", "7777")
    assert "Cette conférence est complète. Veuillez réessayer plus tard." in said(newcomer)
    assert newcomer.find("Dial") is None

    back = await post(conference, gather_action(menu), CallSid="CAa", Digits="#")
    room_conference = conference_of(back)
    assert room_conference.get("beep") == "false"  # no tone for the others
    assert said(back) == ["Retour à la conférence."]  # no count, no name
    await conference_event(conference, "participant-join", "CAa", 4)
    assert (await seat("CAa")).state is SeatState.JOINED  # type: ignore[union-attr]
    assert (await Room.get(id=small_room.pk)).seats_taken == 2
    assert await Seat.filter(room_id=small_room.pk).count() == 2


async def test_a_late_leave_does_not_undo_the_way_back(
    conference: Carrier, small_room: Room
) -> None:
    """Callbacks are not ordered: a participant-leave that arrives after the join of the
    way back (its SequenceNumber is older) changes nothing."""
    action = await seated(conference, small_room, "CAa", 1)
    menu = await post(conference, action, CallSid="CAa", DialCallStatus="completed")
    await post(conference, gather_action(menu), CallSid="CAa", Digits="#")
    await conference_event(conference, "participant-join", "CAa", 3)
    await conference_event(
        conference, "participant-leave", "CAa", 2, ParticipantCallStatus="in-progress"
    )
    assert (await seat("CAa")).state is SeatState.JOINED  # type: ignore[union-attr]


async def test_menu_keys_mute_count_and_refuse_what_is_not_theirs(
    conference: Carrier, small_room: Room
) -> None:
    action = await seated(conference, small_room, "CAa", 1)
    await seated(conference, small_room, "CAb", 2)
    menu = await post(conference, action, CallSid="CAa", DialCallStatus="completed")
    key_url = gather_action(menu)

    muted = await post(conference, key_url, CallSid="CAa", Digits="1")
    assert said(muted)[0] == "Votre micro est maintenant coupé."
    assert (await seat("CAa")).muted is True  # type: ignore[union-attr]
    count = await post(conference, gather_action(muted), CallSid="CAa", Digits="2")
    assert said(count)[0] == "Il y a 2 personnes dans la conférence."
    # 3 and 4 are a host's: to a participant they are wrong keys, and the third wrong
    # key in a row takes them back into the conference.
    wrong = await post(conference, gather_action(count), CallSid="CAa", Digits="3")
    assert said(wrong)[0] == "Cette touche ne fait pas partie du menu."
    wrong = await post(conference, gather_action(wrong), CallSid="CAa", Digits="4")
    back = await post(conference, gather_action(wrong), CallSid="CAa", Digits="9")
    # Back as they chose: muted.
    assert conference_of(back).get("muted") == "true"
    assert (await Room.get(id=small_room.pk)).locked is False


async def test_silence_in_the_menu_leads_back(conference: Carrier, small_room: Room) -> None:
    action = await seated(conference, small_room, "CAa", 1)
    menu = await post(conference, action, CallSid="CAa", DialCallStatus="completed")
    redirect = menu.find("Redirect")
    assert redirect is not None
    back = await post(conference, redirect.text or "", CallSid="CAa")
    assert conference_of(back).text == rooms.conference_name(small_room)


@pytest.fixture
async def hosted_room(conference: Carrier, settings: Settings) -> Room:
    room = await Room.get(conference_id="1234")  # PIN 4321
    await Room.filter(id=room.pk).update(
        host_pin="9999", wait_for_host=True, end_with_host=True, muted_on_entry=True
    )
    return await Room.get(id=room.pk)


async def test_host_pin_makes_the_host_and_participants_wait_muted(
    conference: Carrier, hosted_room: Room
) -> None:
    participant = conference_of(await typed_pin(conference, "CAp", hosted_room, "4321"))
    assert participant.get("startConferenceOnEnter") == "false"
    assert participant.get("endConferenceOnExit") == "false"
    assert participant.get("muted") == "true"
    wait_url = participant.get("waitUrl") or ""
    assert dict(parse_qsl(urlsplit(wait_url).query))["host"] == "wait"
    hold = await post(conference, wait_url, CallSid="CAp")
    assert said(hold)[0] == "L'organisateur n'est pas encore arrivé. Veuillez patienter."

    host = conference_of(await typed_pin(conference, "CAh", hosted_room, "9999"))
    assert host.get("startConferenceOnEnter") == "true"
    assert host.get("endConferenceOnExit") == "true"
    assert host.get("muted") == "false"
    assert (await seat("CAh")).is_host is True  # type: ignore[union-attr]
    assert (await seat("CAp")).is_host is False  # type: ignore[union-attr]


async def test_a_host_locks_the_room_and_its_end_unlocks_it(
    conference: Carrier, hosted_room: Room
) -> None:
    joined = await typed_pin(conference, "CAh", hosted_room, "9999")
    name = conference_of(joined).text or ""
    await conference_event(conference, "participant-join", "CAh", 1, FriendlyName=name)
    menu = await post(conference, action_of(joined), CallSid="CAh", DialCallStatus="completed")
    assert "Pour verrouiller ou déverrouiller la conférence, appuyez sur 3." in said(menu)
    locked = await post(conference, gather_action(menu), CallSid="CAh", Digits="3")
    assert (
        said(locked)[0]
        == "La conférence est maintenant verrouillée. Personne d'autre ne peut la rejoindre."
    )
    assert (await Room.get(id=hosted_room.pk)).locked is True

    refused = await typed_pin(conference, "CAn", hosted_room, "4321")
    assert (
        said(refused)[0]
        == "Cette conférence est verrouillée. Personne d'autre ne peut la rejoindre pour le moment."
    )
    assert refused.find("Dial") is None and refused.find("Hangup") is not None
    # A host still gets in.
    assert (await typed_pin(conference, "CAh2", hosted_room, "9999")).find("Dial") is not None

    # The host leaves (endConferenceOnExit): the conference ends for everyone, the one in
    # the menu included, and the lock goes with it.
    await conference_event(
        conference, "conference-end", "", 9, FriendlyName=name,
        ReasonConferenceEnded="participant-with-end-conference-on-exit-left",
    )  # fmt: skip
    assert (await Room.get(id=hosted_room.pk)).locked is False
    assert await seat("CAh") is None
    ended = await post(conference, gather_action(locked), CallSid="CAh", Digits="#")
    assert said(ended) == ["La conférence est terminée.", "Merci de votre appel. Au revoir."]


async def test_wrong_host_pins_count_in_the_same_lockout(
    conference: Carrier, hosted_room: Room, settings: Settings
) -> None:
    for n in range(settings.pin_max_failures_per_caller):
        await typed_pin(conference, f"CAguess{n}", hosted_room, "0000")
    refused = await typed_pin(conference, "CAlast", hosted_room, "9999")
    assert "Trop de codes d'accès erronés ont été saisis. Veuillez réessayer plus tard." in said(
        refused
    )


async def test_the_last_caller_out_in_the_menu_keeps_the_seat(
    conference: Carrier, small_room: Room
) -> None:
    """Alone in the room, a caller who presses * ends the conference at the carrier (its
    last participant left); their way back starts it again on the same seat."""
    action = await seated(conference, small_room, "CAa", 1)
    await conference_event(
        conference, "participant-leave", "CAa", 2, ParticipantCallStatus="in-progress"
    )
    await conference_event(
        conference, "conference-end", "", 3, FriendlyName=rooms.conference_name(small_room),
        ReasonConferenceEnded="last-participant-left",
    )  # fmt: skip
    menu = await post(conference, action, CallSid="CAa", DialCallStatus="completed")
    back = await post(conference, gather_action(menu), CallSid="CAa", Digits="#")
    assert back.find("Dial/Conference") is not None
    assert (await Room.get(id=small_room.pk)).seats_taken == 1


async def test_a_removed_caller_hears_why(conference: Carrier, small_room: Room) -> None:
    action = await seated(conference, small_room, "CAa", 1)
    await Seat.filter(call_sid="CAa").update(state=SeatState.REMOVED)
    goodbye = await post(conference, action, CallSid="CAa", DialCallStatus="completed")
    assert said(goodbye) == [
        "Vous avez été retiré de la conférence.",
        "Merci de votre appel. Au revoir.",
    ]
    assert goodbye.find("Hangup") is not None


async def test_a_recorded_room_says_so_and_records(conference: Carrier, small_room: Room) -> None:
    await Room.filter(id=small_room.pk).update(record=True)
    joined = await typed_id(conference, "CAa", "7777")
    assert said(joined)[1] == "Cette conférence est enregistrée."
    recording = conference_of(joined)
    assert recording.get("record") == "record-from-start"
    callback = recording.get("recordingStatusCallback") or ""
    assert callback == f"{PUBLIC_URL}/voice/recording-status?room={small_room.pk}"


async def test_a_menu_url_voiceapp_did_not_make_says_goodbye(conference: Carrier) -> None:
    goodbye = await post(conference, f"{PUBLIC_URL}/voice/menu?lang=fr", CallSid="CAx")
    assert said(goodbye)[0] == "La conférence est terminée."


async def test_a_conference_end_leaves_the_lock_of_another_conference_of_the_room(
    conference: Carrier, small_room: Room
) -> None:
    """Two carriers (two `voiceapp call` processes) hold two conferences of one room: the
    end of one does not unlock the room while callers sit in the other."""
    await seated(conference, small_room, "CAa", 1)
    await Seat.filter(call_sid="CAa").update(conference_sid="CF" + "2" * 32)
    await Room.filter(id=small_room.pk).update(locked=True)
    await conference_event(
        conference, "conference-end", "", 5, FriendlyName=rooms.conference_name(small_room),
        ReasonConferenceEnded="last-participant-left",
    )  # fmt: skip
    assert (await Room.get(id=small_room.pk)).locked is True
