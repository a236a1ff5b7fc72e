"""The call history: one row per inbound call, kept up to date as the call moves on.

The row is written at the call's first outcome (joined, room full, forwarded...) or at its
end (the call status callback), whichever comes first, not when the call comes in: the
first webhook of every call is the one a caller waits on, and every carrier webhook
carries the CallSid, From and To the row needs. A call still at the greeting is not in
the history yet; the Live page shows who is in the rooms.

What the row says comes from one writer, `record`: the webhooks hand it the outcome their
reply carries (call_flow.Reply.outcome). Two things write apart from it: the seat
statement (seat_sql) writes "joined" or "room full" with the seat, in one trip to the
database, and the carrier's word that the call is over stamps its end (`end_call`). A
call that joined and then ended keeps "joined": its row then has an end and a duration,
which is how the history tells it from a call still in its room.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from math import ceil

from voiceapp.core.db import execute_sql
from voiceapp.core.enum_labels import labels_for
from voiceapp.core.i18n import N_
from voiceapp.core.models import CallRecord, Room
from voiceapp.core.phone_numbers import to_e164_or_none


class Outcome(StrEnum):
    IN_PROGRESS = "in_progress"
    UNMAPPED = "unmapped"
    JOINED = "joined"
    ROOM_FULL = "room_full"
    ROOM_LOCKED = "room_locked"
    UNKNOWN_ID = "unknown_id"
    UNKNOWN_EXTENSION = "unknown_extension"
    WRONG_PIN = "wrong_pin"
    LOCKED_OUT = "locked_out"
    NO_INPUT = "no_input"
    ABANDONED = "abandoned"
    FORWARDED = "forwarded"
    VOICEMAIL = "voicemail"
    ERROR = "error"

    @property
    def label(self) -> str:
        """How the call history names it, in English: translate it where it is shown."""
        return OUTCOME_LABELS[self]


# Every outcome's label, checked when this module is imported (see enum_labels).
OUTCOME_LABELS = labels_for(
    Outcome,
    {
        Outcome.IN_PROGRESS: N_("In progress"),
        Outcome.UNMAPPED: N_("Number not in service"),
        Outcome.JOINED: N_("Joined"),
        Outcome.ROOM_FULL: N_("Room full"),
        Outcome.ROOM_LOCKED: N_("Room locked"),
        Outcome.UNKNOWN_ID: N_("Unknown conference ID"),
        # Translators: the caller typed an extension number that does not exist.
        Outcome.UNKNOWN_EXTENSION: N_("Unknown extension"),
        Outcome.WRONG_PIN: N_("Wrong PIN"),
        Outcome.LOCKED_OUT: N_("Locked out (PIN guessing)"),
        Outcome.NO_INPUT: N_("No input"),
        Outcome.ABANDONED: N_("Hung up"),
        Outcome.FORWARDED: N_("Forwarded"),
        Outcome.VOICEMAIL: N_("Voicemail"),
        Outcome.ERROR: N_("Technical problem"),
    },
)


@dataclass(frozen=True)
class Caller:
    """One call as every carrier webhook describes it."""

    call_sid: str
    number: str  # the caller's number as the carrier gave it ("anonymous" is possible)
    called: str = ""  # the number they dialled
    # The carrier account that placed it (AccountSid): whose REST API controls its room.
    account_sid: str | None = None


@dataclass(frozen=True)
class CallOutcome:
    """What a call's row says after one reply: the outcome, and the room it concerns."""

    outcome: Outcome
    room_id: int | None = None
    room_name: str | None = None
    # Already written, by the statement that took or tried for the seat (seat_sql): the
    # step every caller waits on stays one trip to the database. `record` skips it.
    with_the_seat: bool = False
    # Written only on a call that has no outcome yet: a failure after the caller joined
    # (their hold music's webhook, say) does not undo that they did.
    if_none_yet: bool = False

    @classmethod
    def of(
        cls, outcome: Outcome, room: Room | None = None, *, with_the_seat: bool = False
    ) -> CallOutcome:
        if room is None:
            return cls(outcome, with_the_seat=with_the_seat)
        return cls(outcome, room.pk, room.name, with_the_seat=with_the_seat)


# A webhook failed and the caller heard the apology (webhooks.endpoint): unless the call
# already had an outcome, its history says so rather than "hung up".
FAILED = CallOutcome(Outcome.ERROR, if_none_yet=True)


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
def upsert_statement(columns: tuple[str, ...], *, if_none_yet: bool = False) -> str:
    """Write a call's row in one statement: make it, described by the call and carrying
    `columns`, or, when a webhook of the same call made it first, set only `columns`
    (with `if_none_yet`, only while the row has no outcome yet).

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
        + (f" WHERE call_record.outcome = '{Outcome.IN_PROGRESS.value}'" if if_none_yet else "")
    )


async def _record(caller: Caller, values: dict[str, object], *, if_none_yet: bool = False) -> None:
    """Update the call's row, or make it: the first event of a call writes it."""
    if not caller.call_sid:
        return
    others = {column: value for column, value in values.items() if column != "started_at"}
    await execute_sql(
        upsert_statement(tuple(values), if_none_yet=if_none_yet),
        (
            caller.call_sid,
            caller.number,
            caller.called,
            to_e164_or_none(caller.called),
            values.get("started_at", datetime.now(UTC)),
            *others.values(),
        ),
    )


async def record(caller: Caller, outcome: CallOutcome | None) -> None:
    """The one writer of a call's outcome: what the reply to one of its webhooks says of
    it (None: nothing new), written unless the seat statement already did."""
    if outcome is None or outcome.with_the_seat:
        return
    values: dict[str, object] = {"outcome": outcome.outcome.value}
    if outcome.room_id is not None:
        values.update(room_id=outcome.room_id, room_name=outcome.room_name)
    if outcome.outcome is Outcome.JOINED:
        values["joined_at"] = datetime.now(UTC)
    await _record(caller, values, if_none_yet=outcome.if_none_yet)


async def set_outcome(caller: Caller, outcome: Outcome, room: Room | None = None) -> None:
    """Write `outcome` for the call, as `record` writes a reply's."""
    await record(caller, CallOutcome.of(outcome, room))


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
