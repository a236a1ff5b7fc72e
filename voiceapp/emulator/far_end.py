"""The far end of an emulated call: who answers a <Dial>, and what a caller leaves at the
beep. Tests and `voiceapp call --answer ... --message-seconds N` choose it per call."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Literal

from voiceapp.emulator.conferences import ACCOUNT_SID

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


def recording_params(sid: str, seconds: int, verb: ET.Element) -> dict[str, str]:
    """The <Record> action's form, as the carrier posts it once the caller has finished."""
    return {
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
        f"/Recordings/{sid}",
        "RecordingSid": sid,
        "RecordingDuration": str(seconds),
        "Digits": (verb.get("finishOnKey") or "#")[0],
    }
