"""Stop PIN guessing across calls.

Wrong PINs are counted over a sliding window, per caller number and per room. Caller ID
is easy to forge, so the per-room count catches a guesser who changes number every call;
its limit is higher so that one careless caller cannot lock colleagues out. Past either
limit, PIN entry is refused (even the right PIN) until old failures age out of the window.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from voiceapp.models import PinFailure, Room
from voiceapp.settings import Settings

log = logging.getLogger(__name__)


async def record_failure(room: Room, caller: str, call_sid: str) -> None:
    # Never log the digits typed: a near-miss PIN in a log is half a leaked PIN.
    log.warning("wrong PIN for room %s call_sid=%s caller=%s", room.pk, call_sid, caller)
    now = datetime.now(UTC)
    await PinFailure.create(room=room, caller=caller, call_sid=call_sid, failed_at=now)


async def is_locked_out(room: Room, caller: str, call_sid: str, settings: Settings) -> bool:
    since = datetime.now(UTC) - timedelta(seconds=settings.pin_window_seconds)
    recent = PinFailure.filter(failed_at__gte=since)
    if await recent.filter(caller=caller).count() >= settings.pin_max_failures_per_caller:
        reason = "from this caller"
    elif await recent.filter(room=room).count() >= settings.pin_max_failures_per_room:
        reason = "for this room"
    else:
        return False
    log.warning(
        "PIN entry refused for room %s call_sid=%s caller=%s: too many recent failures %s",
        room.pk,
        call_sid,
        caller,
        reason,
    )
    return True


async def forget_expired(settings: Settings) -> int:
    """Drop failures that have aged out of the window, so the table stays small."""
    since = datetime.now(UTC) - timedelta(seconds=settings.pin_window_seconds)
    return await PinFailure.filter(failed_at__lt=since).delete()
