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
from math import ceil

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


# The longest call a carrier reports: Twilio's TimeLimit goes up to 24 hours.
LONGEST_CALL_SECONDS = 24 * 60 * 60


def _reported_duration(duration_seconds: int | None) -> int | None:
    """The carrier's CallDuration if a call can have lasted that long, else None (unknown).

    A larger value is not a duration (a carrier bug, a replay with a doctored form): as a
    timedelta it overflows, and in the column it would not fit, either of which would
    leave the call without an end and its seat held.
    """
    if duration_seconds is None or not 0 <= duration_seconds <= LONGEST_CALL_SECONDS:
        return None
    return duration_seconds


async def end_call(caller: Caller, duration_seconds: int | None) -> None:
    """The carrier says the call is over: stamp its end once, and name why if nothing did.

    A call with no row yet ended before any outcome (the caller hung up at the greeting):
    it is written now as abandoned, started `duration_seconds` ago. A duration no call can
    have counts as unknown: the row's own start then gives it."""
    ended_at = datetime.now(UTC)
    duration_seconds = _reported_duration(duration_seconds)
    record = await CallRecord.get_or_none(call_sid=caller.call_sid)
    if record is None:
        duration = duration_seconds or 0
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
    if duration_seconds is None:
        duration_seconds = int((ended_at - record.started_at).total_seconds())
    duration_seconds = max(0, duration_seconds)
    # Only the columns the end sets, and only once: an outcome another webhook of the call
    # writes meanwhile is never overwritten with the one read above.
    ended = await CallRecord.filter(id=record.pk, ended_at__isnull=True).update(
        ended_at=ended_at,
        duration_seconds=duration_seconds,
        # The carrier's duration is the whole call's; the row was made at its first outcome.
        started_at=ended_at - timedelta(seconds=duration_seconds),
    )
    if ended:
        await CallRecord.filter(id=record.pk, outcome=Outcome.IN_PROGRESS.value).update(
            outcome=Outcome.ABANDONED.value
        )


@dataclass(frozen=True)
class HistoryPage:
    calls: list[CallRecord]  # newest first
    number: int  # the page shown: the one asked for, brought within 1..pages
    pages: int
    total: int


async def history(page: int, per_page: int) -> HistoryPage:
    """One page of calls, newest first. A page past the last shows the last one: an
    offset of any size from the URL would otherwise reach the database (where one past
    64 bits is an error, not an empty page)."""
    total = await CallRecord.all().count()
    pages = max(1, ceil(total / per_page))
    number = min(max(1, page), pages)
    rows = (
        await CallRecord.all()
        .order_by("-started_at", "-id")
        .offset((number - 1) * per_page)
        .limit(per_page)
    )
    return HistoryPage(calls=rows, number=number, pages=pages, total=total)
