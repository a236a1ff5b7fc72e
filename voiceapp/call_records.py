"""The call history: one row per inbound call, kept up to date as the call moves on.

The row is written at the call's first outcome (joined, room full, forwarded...) or at its
end (the call status callback), whichever comes first, not when the call comes in: the
first webhook of every call is the one a caller waits on, and every carrier webhook
carries the CallSid, From and To the row needs. A call still at the greeting is not in
the history yet; the Live page shows who is in the rooms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from voiceapp.db import execute_sql
from voiceapp.models import CallRecord, Room
from voiceapp.phone_numbers import to_e164_or_none


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


@dataclass(frozen=True)
class Caller:
    """One call as every carrier webhook describes it."""

    call_sid: str
    number: str  # the caller's number as the carrier gave it ("anonymous" is possible)
    called: str = ""  # the number they dialled


# The dialled number's extension, for the history: `$n` is the number's E.164 form.
EXTENSION_OF = (
    "SELECT e.number FROM phone_number p JOIN extension e ON e.id = p.extension_id "
    "WHERE p.e164 = ${param}"
)
# What a call's row says that its events set (an allow-list: the names become SQL).
EVENT_COLUMNS = frozenset(
    {"outcome", "room_id", "room_name", "joined_at", "started_at", "ended_at", "duration_seconds"}
)


@lru_cache(maxsize=32)
def upsert_statement(columns: tuple[str, ...]) -> str:
    """Write a call's row in one statement: make it, described by the call and carrying
    `columns`, or, when a webhook of the same call made it first, set only `columns`.

    Parameters: $1 CallSid, $2 caller, $3 dialled number, $4 its E.164 form, $5 the row's
    started_at, then one per other column, in order.
    """
    unknown = set(columns) - EVENT_COLUMNS
    if unknown:
        raise ValueError(f"not a call record column: {sorted(unknown)}")
    others = [column for column in columns if column != "started_at"]
    values = "".join(f", ${6 + i}" for i in range(len(others)))
    # The names are from EVENT_COLUMNS; every value is a parameter.
    return (
        "INSERT INTO call_record (call_sid, caller, called, extension_number, started_at"  # noqa: S608
        f"{''.join(', ' + column for column in others)}) "
        f"VALUES ($1, $2, $3, ({EXTENSION_OF.format(param=4)}), $5{values}) "
        "ON CONFLICT (call_sid) DO UPDATE SET "
        + ", ".join(f"{column} = excluded.{column}" for column in columns)
    )


async def _record(caller: Caller, values: dict[str, object]) -> None:
    """Update the call's row, or make it: the first event of a call writes it."""
    if not caller.call_sid:
        return
    others = {column: value for column, value in values.items() if column != "started_at"}
    await execute_sql(
        upsert_statement(tuple(values)),
        (
            caller.call_sid,
            caller.number,
            caller.called,
            to_e164_or_none(caller.called),
            values.get("started_at", datetime.now(UTC)),
            *others.values(),
        ),
    )


async def set_outcome(caller: Caller, outcome: Outcome, room: Room | None = None) -> None:
    values: dict[str, object] = {"outcome": outcome.value}
    if room is not None:
        values.update(room_id=room.pk, room_name=room.name)
    if outcome is Outcome.JOINED:
        values["joined_at"] = datetime.now(UTC)
    await _record(caller, values)


async def end_call(caller: Caller, duration_seconds: int | None) -> None:
    """The carrier says the call is over: stamp its end once, and name why if nothing did.

    A call with no row yet ended before any outcome (the caller hung up at the greeting):
    it is written now as abandoned, started `duration_seconds` ago."""
    ended_at = datetime.now(UTC)
    record = await CallRecord.get_or_none(call_sid=caller.call_sid)
    if record is None:
        duration = max(0, duration_seconds or 0)
        await _record(
            caller,
            {
                "outcome": Outcome.ABANDONED.value,
                "started_at": ended_at - timedelta(seconds=duration),
                "ended_at": ended_at,
                "duration_seconds": duration,
            },
        )
        return
    if record.ended_at is not None:
        return
    record.ended_at = ended_at
    if duration_seconds is None:
        duration_seconds = int((record.ended_at - record.started_at).total_seconds())
    record.duration_seconds = max(0, duration_seconds)
    # The carrier's duration is the whole call's; the row was made at its first outcome.
    record.started_at = ended_at - timedelta(seconds=record.duration_seconds)
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
