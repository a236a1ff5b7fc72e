"""PIN lockout: wrong PINs counted per caller number and per room (core.attempt_limits).

Caller ID is easy to forge, so the per-room count catches a guesser who changes number
every call; its limit is higher so that one careless caller cannot lock colleagues out.
"""

from __future__ import annotations

import logging

from voiceapp.core.attempt_limits import PIN, Admission, Limit, admit
from voiceapp.core.models import Room
from voiceapp.core.settings import Settings
from voiceapp.history.call_records import Caller

log = logging.getLogger(__name__)


def pin_limits(room: Room, caller_number: str, settings: Settings) -> tuple[Limit, Limit]:
    window = settings.pin_window_seconds
    return (
        Limit(
            f"{PIN}caller:{caller_number[:64]}",
            settings.pin_max_failures_per_caller,
            window,
            "caller",
        ),
        Limit(f"{PIN}room:{room.pk}", settings.pin_max_failures_per_room, window, "room"),
    )


async def admit_pin(room: Room, caller: Caller, settings: Settings) -> Admission:
    """Whether the PIN this caller typed may be compared with the room's. When it is,
    the caller says what came of it: `withdraw` when right, `wrong_pin` when wrong."""
    admission = await admit(pin_limits(room, caller.number, settings))
    if admission.over is not None:
        log.warning(
            "PIN entry refused for room %s call_sid=%s caller=%s: too many recent failures per %s",
            room.pk,
            caller.call_sid,
            caller.number,
            admission.over.per,
        )
    return admission


def wrong_pin(room: Room, caller: Caller) -> None:
    """A compared PIN was wrong: its rows stay, as the failure. Only the log to write."""
    # Never log the digits typed: a near-miss PIN in a log is half a leaked PIN.
    log.warning(
        "wrong PIN for room %s call_sid=%s caller=%s", room.pk, caller.call_sid, caller.number
    )


# ---- admin logins ------------------------------------------------------------------------
