"""The call history: one row per inbound call, kept up to date as the call moves on."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime
from enum import StrEnum

from tortoise.exceptions import IntegrityError

from voiceapp.models import CallRecord, Room


class Outcome(StrEnum):
    IN_PROGRESS = "in_progress"
    UNMAPPED = "unmapped"
    JOINED = "joined"
    ROOM_FULL = "room_full"
    UNKNOWN_ID = "unknown_id"
    UNKNOWN_EXTENSION = "unknown_extension"
    WRONG_PIN = "wrong_pin"
    LOCKED_OUT = "locked_out"
    NO_INPUT = "no_input"
    ABANDONED = "abandoned"
    FORWARDED = "forwarded"
    VOICEMAIL = "voicemail"
    ERROR = "error"


async def start_call(call_sid: str, caller: str, called: str, extension_number: str | None) -> None:
    if not call_sid or await CallRecord.exists(call_sid=call_sid):
        return
    with suppress(IntegrityError):  # the carrier retried the webhook concurrently
        await CallRecord.create(
            call_sid=call_sid,
            caller=caller,
            called=called,
            extension_number=extension_number,
            started_at=datetime.now(UTC),
        )


async def set_outcome(call_sid: str, outcome: Outcome, room: Room | None = None) -> None:
    values: dict[str, object] = {"outcome": outcome.value}
    if room is not None:
        values.update(room_id=room.pk, room_name=room.name)
    if outcome is Outcome.JOINED:
        values["joined_at"] = datetime.now(UTC)
    await CallRecord.filter(call_sid=call_sid).update(**values)


async def end_call(call_sid: str, duration_seconds: int | None) -> None:
    """The carrier says the call is over: stamp its end once, and name why if nothing did."""
    record = await CallRecord.get_or_none(call_sid=call_sid)
    if record is None or record.ended_at is not None:
        return
    record.ended_at = datetime.now(UTC)
    if duration_seconds is None:
        duration_seconds = int((record.ended_at - record.started_at).total_seconds())
    record.duration_seconds = max(0, duration_seconds)
    if record.outcome == Outcome.IN_PROGRESS:
        record.outcome = Outcome.ABANDONED
    await record.save()


async def history(page: int, per_page: int) -> tuple[list[CallRecord], int]:
    """One page of calls, newest first, and the total count."""
    total = await CallRecord.all().count()
    rows = (
        await CallRecord.all()
        .order_by("-started_at", "-id")
        .offset(max(0, page - 1) * per_page)
        .limit(per_page)
    )
    return rows, total
