"""The far end of an emulated call: who answers a <Dial> to numbers or SIP URIs, and what
a caller leaves at a <Record>'s beep. Tests and `voiceapp call --answer ...
--message-seconds N` choose it per call."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from voiceapp.emulator import recordings

if TYPE_CHECKING:
    from voiceapp.emulator.call import EmulatedCall

Next = tuple[str | None, dict[str, str] | None]

# How a <Dial> to numbers or SIP URIs ends; each is also the DialCallStatus sent, except
# "answered", which the carrier reports as "completed" once the two have talked.
DialOutcome = Literal["answered", "no-answer", "busy", "failed"]
DIAL_OUTCOMES: tuple[DialOutcome, ...] = ("answered", "no-answer", "busy", "failed")
# How long an answered forwarded call lasts, and a caller's voicemail message by default.
TALK_SECONDS = 30
MESSAGE_SECONDS = 8


@dataclass(frozen=True)
class Rung:
    """How the ringing ended: what the transcript says, the DialCallStatus, talk time."""

    transcript: tuple[str, ...]
    status: str
    talked: int


def ring(targets: list[str], timeout: str, answer: DialOutcome) -> Rung:
    ringing = f"ringing {', '.join(targets)} for up to {timeout} s"
    if answer == "answered":
        return Rung(
            (ringing, f"{targets[0]} answered; they talk for {TALK_SECONDS} s"),
            "completed",
            TALK_SECONDS,
        )
    endings = {"no-answer": f"no answer after {timeout} s", "busy": "busy"}
    return Rung((ringing, endings.get(answer, "the call failed")), answer, 0)


def message_length(wanted_seconds: int, max_length: str | None) -> int:
    """How long the recorded message is: what the caller says, capped at maxLength."""
    if wanted_seconds <= 0:
        return 0
    return min(wanted_seconds, int(max_length or 3600))


def recording_params(url: str, sid: str, seconds: int, verb: ET.Element) -> dict[str, str]:
    """The <Record> action's form, as the carrier posts it once the caller has finished."""
    return {
        "RecordingUrl": url,
        "RecordingSid": sid,
        "RecordingDuration": str(seconds),
        "Digits": (verb.get("finishOnKey") or "#")[0],
    }


def dial_out(call: EmulatedCall, verb: ET.Element) -> Next | None:
    """Ring every <Number> and <Sip> at once; the call's `answer` says how it ends.
    Returns the Dial action to fetch, or None to go on with the next verb."""
    targets = [(child.text or "").strip() for child in verb if child.tag in ("Number", "Sip")]
    others = sorted({child.tag for child in verb} - {"Number", "Sip"})
    if not targets or others:
        call.note("error", f"the emulator cannot dial <{'>, <'.join(others) or 'nothing'}>")
        return None, None
    rung = ring(targets, verb.get("timeout", "30"), call.answer)
    for line in rung.transcript:
        call.note("ring", line)
    call.seconds += rung.talked
    action = verb.get("action")
    if not action:
        return None
    params = {"DialCallStatus": rung.status, "DialCallDuration": str(rung.talked)}
    if rung.talked:
        params["DialCallSid"] = call.carrier.new_sid("CA")
    return call.absolute(action), params


async def record(call: EmulatedCall, verb: ET.Element) -> Next | None:
    """The caller speaks after the beep; silence records nothing, and the carrier then
    skips the action and goes on with the next verb. A person at a live keypad takes
    the message's time to say it; hanging up sooner ends it, and the carrier posts
    what was said all the same (nobody hears the answer)."""
    seconds = message_length(call.message_seconds, verb.get("maxLength"))
    if seconds == 0:
        call.note("record", "beep; the caller says nothing: no recording")
        return None
    sid = call.carrier.new_sid("RE")
    call.note("record", f"beep; the caller leaves a {seconds} s message ({sid})")
    if call.keypad.live:
        seconds = await _speaking(call, seconds)
    call.seconds += seconds
    path = None
    if call.carrier.media_dir is not None:
        path = recordings.write_recording(call.carrier.media_dir, sid, seconds)
    call.carrier.recordings[sid] = path
    # No action: the carrier posts the recording back to the document it came from.
    action = call.absolute(verb.get("action") or call.documents[-1][0])
    params = recording_params(call.carrier.recording_url(sid), sid, seconds, verb)
    if call.keypad.hung_up:
        await call.fetch(action, params)
        return None, None
    return action, params


async def _speaking(call: EmulatedCall, seconds: int) -> int:
    """Wait while the person speaks their message: `seconds`, or until they hang up.
    How long they spoke (a second at least: the beep was heard)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    with suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await call.keypad.wait_hung_up()
    return max(1, min(seconds, round(loop.time() - started)))
