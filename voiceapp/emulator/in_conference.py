"""What a call does in a conference: join it through <Dial><Conference>, be there, leave.

- maxParticipants is enforced as the carrier does: a full conference turns the caller
  away (error 16020) and the carrier goes on with the verbs after <Dial>.
- A caller who joins a conference that has not started (startConferenceOnEnter="false",
  no starter yet) waits, hearing the waitUrl's TwiML (hold_twiml.py); so does a caller
  alone in it. The conference starts when a starter joins (conferences.py).
- Out of the conference with the call still on: * pressed under <Dial hangupOnStar="true">,
  removed through the REST API, or the conference ended. The carrier then POSTs the
  <Dial>'s action (DialCallStatus=completed, DialCallDuration) and plays its answer; with
  no action it goes on with the verbs after </Dial>.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voiceapp.emulator import hold_twiml
from voiceapp.emulator.conferences import DEFAULT_MAX_PARTICIPANTS, Conference, Participant, Why

if TYPE_CHECKING:
    from voiceapp.emulator.call import EmulatedCall


@dataclass(frozen=True)
class Dialled:
    """The <Dial> the caller joined through: where the call goes once out of the room."""

    action: str | None  # absolute
    hangup_on_star: bool
    after: tuple[ET.Element, ...]  # the verbs after </Dial>, played when there is no action


async def join(call: EmulatedCall, dial: ET.Element, after: list[ET.Element]) -> bool:
    """Put the caller in the <Conference> of `dial`. False when it is full: the carrier
    goes on with the verbs after <Dial>."""
    element = dial.find("Conference")
    assert element is not None
    name = (element.text or "").strip()
    carrier = call.carrier
    conference = carrier.conferences.get(name)
    if conference is None:
        conference = Conference.opened_by(element, carrier.new_sid("CF"), carrier, call.absolute)
    limit = int(element.get("maxParticipants") or DEFAULT_MAX_PARTICIPANTS)
    if len(conference.present) >= limit:
        call.note("full", f"conference {name} is full ({limit}): carrier error 16020")
        return False
    carrier.conferences[name] = conference
    participant = Participant.of(element, call)
    action = dial.get("action")
    call.conference, call.participant = conference, participant
    call.dialled = Dialled(
        call.absolute(action) if action else None,
        dial.get("hangupOnStar") == "true",
        tuple(after),
    )
    waits = not conference.started and not participant.start_conference_on_enter
    if waits:
        call.note("wait", f"waiting for the host: conference {name} has not started")
    wait_url = element.get("waitUrl")
    music = None
    if wait_url and (waits or not conference.present):
        url = call.absolute(wait_url)

        async def music() -> None:
            await hear_waiting(call, url)

    conference.join(participant, first=music)
    callers = len(conference.present)
    await conference.settled()
    if participant.muted:
        call.note("muted", "you join muted: the others do not hear you")
    call.note("conference", f"in conference {name} with {callers} caller(s)")
    return True


async def hear_waiting(call: EmulatedCall, url: str) -> None:
    """Play the waitUrl's TwiML once (not its loop), as the caller waiting hears it."""
    heard = await hold_twiml.sounds_at(call.carrier.post, url, call.params())
    for sound in heard.sounds:
        if sound.verb == "Pause":
            continue
        call.note("hold", sound.text, sound.language, sound.media)
        if sound.media:
            await call.fetch_audio(sound.media)
    if heard.problem:
        call.note("error", f"hold music: {heard.problem}")


async def inside(call: EmulatedCall, *, wait: bool) -> Why | None:
    """Be in the conference until the caller leaves it with the call still on (why they
    left), or hangs up (None). Without `wait`, only what has happened already: a star
    typed ahead, being removed; None then also means "still in"."""
    participant, dialled = call.participant, call.dialled
    assert participant is not None and dialled is not None
    if participant.gone.is_set():
        return participant.why_left
    stars = dialled.hangup_on_star
    if stars and call.keypad.typed_star():
        return await _star(call, participant)
    if not wait:
        return None
    gone = asyncio.create_task(participant.gone.wait())
    hung_up = asyncio.create_task(call.keypad.wait_hung_up())
    waiting = [gone, hung_up]
    star = asyncio.create_task(call.keypad.star()) if stars else None
    if star is not None:
        waiting.append(star)
    try:
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waiting:
            task.cancel()
        for task in waiting:
            with suppress(asyncio.CancelledError):
                await task
    if call.keypad.hung_up:
        return None
    if participant.gone.is_set():
        return participant.why_left
    return await _star(call, participant)


async def _star(call: EmulatedCall, participant: Participant) -> Why:
    call.note("menu", "* pressed: out of the conference")
    conference = call.conference
    assert conference is not None
    conference.leave(participant, Why.STAR)
    await conference.settled()
    return Why.STAR


async def go_on(call: EmulatedCall) -> ET.Element | None:
    """Out of the conference, the call still on: the document it goes on with, the
    <Dial>'s action's answer or the verbs after </Dial> (None: an error was noted)."""
    participant, dialled = call.participant, call.dialled
    assert participant is not None and dialled is not None
    seconds = round(asyncio.get_running_loop().time() - participant.joined)
    call.conference = call.participant = call.dialled = None
    if dialled.action:
        params = {"DialCallStatus": "completed", "DialCallDuration": str(seconds)}
        return await call.fetch(dialled.action, params)
    rest = ET.Element("Response")
    rest.extend(dialled.after)
    return rest


async def hang_up(call: EmulatedCall) -> None:
    """The caller hangs up: out of the conference (if still in), the app told."""
    conference, participant = call.conference, call.participant
    call.conference = call.participant = call.dialled = None
    if conference is not None and participant is not None:
        conference.leave(participant, Why.HUNG_UP)
        await conference.settled()
