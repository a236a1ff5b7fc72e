"""The caller's path through the conference bridge and the virtual receptionist, as one
table of steps: `STEPS` below is the truth, and tests/test_caller_path_table.py drives
every row of it through the code that runs calls.

A step says its prompt inside a <Gather> of at most `max_digits` keys. What the caller
typed there, or their silence, is read as a `Result`, and the step's `ways` say where
each result leads, what is said on the way and, when the call ends there, the outcome
its history keeps:

    another step's name  that step is asked next (the PIN, once the ID names a room with one)
    switch_language      the same step, welcomed again in the other language (its greeting,
                         then the offer of the way back, said in the first language)
    again                the same step again, after saying why; the last time, goodbye
    conference           into the room's conference (the seat is already taken)
    transfer             the extension's own first answer (`routing.route`)
    goodbye              say why, goodbye, hang up
    hangup               hang up without a word (the caller has already gone)

The steps: ask_id (the conference server: greeting, the offer of the other language,
"*" takes it), ask_pin (a room with a PIN), ask_extension (the virtual receptionist:
receptionist_greeting, the same offer). A technical problem at any step: the
technical_problem apology, then hangup (webhooks.endpoint, even with the database down).

`follow` turns a result into the reply its way describes. What the caller typed is read
into a result by each step's reader: the conference steps' are here, the receptionist's
is in `routing`, which runs the keypad steps (the receptionist puts calls through to any
extension, the conference server included, so what runs every step sits above both).
How a call reaches a step in the first place is in `routing` too.

Nothing here knows HTTP or TwiML, and nothing here writes the call's history: each
function returns a `Reply` (lines to say, what happens next, and the outcome the call's
history takes from it) that webhooks.twiml renders and webhooks.voice records. Per-call
state travels in `CallState`, which the webhooks put in the query of the callback URLs
the carrier signs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal, TypeGuard, get_args

from voiceapp.conferencing import pin_lockout, rooms, seats
from voiceapp.conferencing.replies import (
    Ask,
    CallState,
    Hangup,
    Join,
    Line,
    Reply,
    StepName,
    voiceapp_ends_conference,
)
from voiceapp.core import attempt_limits
from voiceapp.core.models import Language, Room
from voiceapp.core.settings import Settings
from voiceapp.history.call_records import Caller, CallOutcome, Outcome

# What a step's keypad entry, or the lack of one, turned out to be.
Result = Literal[
    "other_language",  # LANGUAGE_KEY, at a step that offers the other language
    "room_with_pin",  # a conference ID whose room asks for its PIN
    "seated",  # a seat taken in the room (the call's outcome written with it)
    "room_full",  # the room is at its capacity (written with the seat's attempt too)
    "room_locked",  # the room is locked: no newcomer but its hosts
    "unknown",  # no such conference ID, or no extension the receptionist puts through to
    "wrong",  # not the room's PIN
    "locked_out",  # too many wrong PINs for the room lately (attempt_limits)
    "room_gone",  # the room was deleted while the caller typed its PIN
    "hung_up",  # the carrier had said the call is over before this webhook came
    "extension",  # an extension the receptionist puts the call through to
    "silence",  # nothing typed before the <Gather> timed out
]
# Where a result leads: a step, or one of the ways off the step (the module docstring).
Next = StepName | Literal["switch_language", "again", "conference", "transfer", "goodbye", "hangup"]

# Wrong entries a step takes before goodbye.
MAX_TRIES = 3
# Silences in a row a step takes before goodbye: the first one is reminded.
MAX_SILENCES = 2
# The key that takes the offer of the other language, at a step that makes it.
LANGUAGE_KEY = "*"
# The longest right answers: conference IDs and PINs (bridge), extensions (extensions).
LONGEST_ENTRY = 12
LONGEST_EXTENSION = 6


@dataclass(frozen=True)
class Way:
    """Where one result of a step leads: `to`, after saying `says` (prompt keys).

    `outcome` is what the call's history says when the call ends on this way. An "again"
    way ends it once its `counter` (wrong entries, or silences) reaches its limit, saying
    `last` then goodbye; until then it asks the step again."""

    to: Next
    says: tuple[str, ...] = ()
    outcome: Outcome | None = None
    # Written by the statement that took, or tried for, the seat (seat_sql): the step every
    # caller waits on stays one trip to the database. The one outcome no reply writes.
    with_the_seat: bool = False
    counter: Literal["tries", "quiet"] = "tries"
    last: tuple[str, ...] = ()


def retry(reason: str, outcome: Outcome) -> Way:
    """A wrong entry: say why and ask again; the MAX_TRIES-th time, goodbye."""
    return Way("again", (reason,), outcome, last=(reason, "too_many_attempts"))


# Nothing typed: the reminder and the question again; the second time, goodbye.
SILENCE = Way("again", ("no_input",), Outcome.NO_INPUT, counter="quiet", last=("no_input_goodbye",))
SEATED = Way("conference", outcome=Outcome.JOINED, with_the_seat=True)
ROOM_FULL = Way("goodbye", ("room_full",), Outcome.ROOM_FULL, with_the_seat=True)
ROOM_LOCKED = Way("goodbye", ("room_locked",), Outcome.ROOM_LOCKED)
# The call's end is already in its history; nobody hears an answer.
ALREADY_GONE = Way("hangup")
LIMITS = {"tries": MAX_TRIES, "quiet": MAX_SILENCES}


@dataclass(frozen=True)
class Step:
    prompt: str  # the question, asked inside the <Gather>
    gathers: str  # what the digits are, for the logs
    # The <Gather numDigits>: the longest right entry and one key more, so that the "#"
    # typed after the longest still ends it (stopped at its last digit, the carrier would
    # hear that "#" in the next question). Past it, an entry is plainly not an answer.
    max_digits: int
    ways: Mapping[Result, Way]
    # Said first, then the offer of the other language, said in it: a step with a
    # greeting takes LANGUAGE_KEY as the offer ("other_language").
    greeting: str | None = None


STEPS: dict[StepName, Step] = {
    "ask_id": Step(
        prompt="ask_id",
        gathers="conference ID",
        max_digits=LONGEST_ENTRY + 1,
        greeting="greeting",
        ways={
            "other_language": Way("switch_language"),
            "room_with_pin": Way("ask_pin"),
            "seated": SEATED,
            "room_full": ROOM_FULL,
            "room_locked": ROOM_LOCKED,
            "unknown": retry("unknown_id", Outcome.UNKNOWN_ID),
            "hung_up": ALREADY_GONE,
            "silence": SILENCE,
        },
    ),
    "ask_pin": Step(
        prompt="ask_pin",
        gathers="PIN",
        max_digits=LONGEST_ENTRY + 1,
        ways={
            "seated": SEATED,
            "room_full": ROOM_FULL,
            "room_locked": ROOM_LOCKED,
            "wrong": retry("wrong_pin", Outcome.WRONG_PIN),
            "locked_out": Way("goodbye", ("locked_out",), Outcome.LOCKED_OUT),
            "room_gone": Way("ask_id", ("unknown_id",)),
            "hung_up": ALREADY_GONE,
            "silence": SILENCE,
        },
    ),
    # The virtual receptionist's question; its entries are read in `routing`.
    "ask_extension": Step(
        prompt="ask_extension",
        gathers="extension",
        max_digits=LONGEST_EXTENSION + 1,
        greeting="receptionist_greeting",
        ways={
            "other_language": Way("switch_language"),
            "extension": Way("transfer", ("transferring",)),
            "unknown": retry("unknown_extension", Outcome.UNKNOWN_EXTENSION),
            "silence": SILENCE,
        },
    ),
}


def is_step(to: Next) -> TypeGuard[StepName]:
    return to in get_args(StepName)


@dataclass(frozen=True)
class Entry:
    """What the caller's entry at a step turned out to be, with what its way needs."""

    result: Result
    room: Room | None = None  # the room it named: to join, to ask the PIN of, for the history
    others: int = 0  # callers already in the room, when seated
    host: bool = False  # seated as the room's host (typed its host PIN)
    # The host's conference is ended by voiceapp when they leave (Join.room).
    ended_by_voiceapp: bool = False
    transfer: Reply | None = None  # the extension's own first answer, when put through


# Reads what the caller typed at one step (finishOnKey already stripped) into an Entry.
Reader = Callable[[CallState, str, Caller, Settings], Awaitable[Entry]]


def other_language(language: Language) -> Language:
    return Language.ES if language is Language.FR else Language.FR


def welcome(state: CallState) -> Reply:
    """A step's greeting, the offer of the other language (said in it), then its question:
    the first words on the bridge or the receptionist, and the same again in the other
    language when the caller takes the offer."""
    greeting = STEPS[state.step].greeting
    assert greeting is not None, f"{state.step} has no greeting"
    offer = Line("language_offer", language=other_language(state.language))
    return Reply(state.language, (Line(greeting), offer), Ask(state))


def greet(language: Language) -> Reply:
    """The first words of a call to the bridge."""
    return welcome(CallState(step="ask_id", language=language))


def goodbye(language: Language, *reasons: Line, outcome: CallOutcome | None = None) -> Reply:
    return Reply(language, (*reasons, Line("goodbye")), Hangup(), outcome)


def not_in_service(language: Language) -> Reply:
    return Reply(language, (Line("not_in_service"),), Hangup(), CallOutcome(Outcome.UNMAPPED))


# ---- running the table ---------------------------------------------------------------------


def read_language_key(state: CallState, digits: str) -> Entry | None:
    """The offer of the other language taken, at a step that makes it (the conference
    server's and the receptionist's alike); None for any other entry."""
    if digits == LANGUAGE_KEY and "other_language" in STEPS[state.step].ways:
        return Entry("other_language")
    return None


def on_silence(state: CallState) -> Reply:
    """The caller typed nothing before the <Gather> timed out."""
    return follow(state, Entry("silence"))


def follow(state: CallState, entry: Entry) -> Reply:
    """The reply to `entry` at `state.step`: the way the table gives for its result."""
    way = STEPS[state.step].ways[entry.result]
    says = _lines(way.says)
    to = way.to
    if to == "switch_language":
        return welcome(replace(state, language=other_language(state.language), quiet=0))
    if to == "again":
        return _again(state, way, entry)
    if to == "conference":
        return _conference(state.language, entry, says, _outcome(way, entry))
    if to == "transfer":
        assert entry.transfer is not None, "a transfer without the extension's answer"
        return replace(entry.transfer, lines=(*says, *entry.transfer.lines))
    if to == "goodbye":
        return goodbye(state.language, *says, outcome=_outcome(way, entry))
    if to == "hangup":
        return Reply(state.language, says, Hangup(), _outcome(way, entry))
    assert is_step(to), to
    room_id = entry.room.pk if entry.room is not None else None
    asked = replace(state, step=to, tries=0, quiet=0, room_id=room_id)
    return Reply(state.language, says, Ask(asked), _outcome(way, entry))


def _lines(keys: tuple[str, ...]) -> tuple[Line, ...]:
    return tuple(Line(key) for key in keys)


def _outcome(way: Way, entry: Entry) -> CallOutcome | None:
    if way.outcome is None:
        return None
    return CallOutcome.of(way.outcome, entry.room, with_the_seat=way.with_the_seat)


def _again(state: CallState, way: Way, entry: Entry) -> Reply:
    """The step again, this entry counted; goodbye once the count reaches its limit."""
    if way.counter == "quiet":
        count = state.quiet + 1
        asked = replace(state, quiet=count)
    else:
        count = state.tries + 1
        asked = replace(state, tries=count, quiet=0)
    if count >= LIMITS[way.counter]:
        return goodbye(state.language, *_lines(way.last), outcome=_outcome(way, entry))
    return Reply(state.language, _lines(way.says), Ask(asked))


def _conference(
    language: Language, entry: Entry, says: tuple[Line, ...], outcome: CallOutcome | None
) -> Reply:
    """In the room, the seat taken: its name (or recording), that it is recorded, and who
    is there already."""
    room = entry.room
    assert room is not None, "seated in no room"
    if entry.others == 0:
        count_line = Line("first_participant")
    else:
        count_line = Line("participants", (("count", entry.others),))
    joining = Line(
        "joining", (("conference_id", room.conference_id),), recording=room.greeting_media
    )
    recorded = (Line("recorded"),) if room.record else ()
    join = Join.room(room, host=entry.host, ended_by_voiceapp=entry.ended_by_voiceapp)
    return Reply(language, (*says, joining, *recorded, count_line), join, outcome)


# ---- the conference steps' readers -----------------------------------------------------------


async def read_conference_id(
    state: CallState, digits: str, caller: Caller, settings: Settings
) -> Entry:
    """The room a conference ID names and, when it has no PIN, the seat tried for in it
    (with the call's outcome: one trip to the database, seats.walk_in)."""
    walk_in = await seats.walk_in(digits, caller, settings.seat_overdue_seconds)
    room = walk_in.room
    if room is None:
        return Entry("unknown")
    if walk_in.reservation is None:
        return Entry("room_with_pin", room)
    return _seat(room, walk_in.reservation)


async def read_pin(state: CallState, digits: str, caller: Caller, settings: Settings) -> Entry:
    room = await Room.get_or_none(id=state.room_id) if state.room_id is not None else None
    if room is None:  # deleted while the caller was typing
        return Entry("room_gone")
    # Counted before it is compared, so that PINs typed at once cannot all be compared;
    # a wrong host PIN is a wrong PIN like any other.
    admission = await pin_lockout.admit_pin(room, caller, settings)
    if not admission.admitted:
        return Entry("locked_out", room)
    # Both compared, each in constant time: how long the answer takes says nothing of
    # which code was near.
    participant, host = rooms.pin_matches(room, digits), rooms.host_pin_matches(room, digits)
    if participant or host:
        await attempt_limits.withdraw(admission)
        reservation = await seats.reserve_seat(
            room, caller, settings.seat_overdue_seconds, host=host
        )
        ended = await voiceapp_ends_conference(
            room, host=host, account_sid=caller.account_sid, settings=settings
        )
        return replace(_seat(room, reservation, host=host), ended_by_voiceapp=ended)
    pin_lockout.wrong_pin(room, caller)
    return Entry("wrong", room)


def _seat(room: Room, reservation: seats.Reservation, *, host: bool = False) -> Entry:
    if reservation.call_over:
        return Entry("hung_up", room)
    if reservation.locked:
        return Entry("room_locked", room)
    if not reservation.admitted:
        return Entry("room_full", room)
    return Entry("seated", room, others=reservation.others, host=host)
