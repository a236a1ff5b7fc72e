"""The caller's path through the conference bridge, as one table of steps.

    step     says (prompt keys)       gathers        outcomes
    ask_id   greeting, language_offer conference ID  known -> ask_pin, or join
             (said in the other                      unknown -> unknown_id + ask_id (3 tries), bye
             language), ask_id                       "*" -> the other language, greeting again
    ask_pin  ask_pin                  PIN            right -> join
                                                     wrong -> wrong_pin + ask_pin (3 tries), bye
                                                     locked out (attempt_limits) -> locked_out, bye
    join     joining (the room's      -              seat taken -> conference
             recording if it has one),               full -> room_full, goodbye
             first or count
    silence  (any step) no_input + the step's prompt once, then goodbye
    error    technical_problem, hangup (webhooks.endpoint, even with the database down)

How a call reaches this path (or a user, a ring group, the virtual receptionist and its
ask_extension step) is in `routing`.

Nothing here knows HTTP or TwiML: each function returns a `Reply` (lines to say, then what
happens next) that webhooks.twiml renders. Per-call state travels in `CallState`, which
the webhooks put in the query of the callback URLs the carrier signs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from voiceapp import attempt_limits, bridge, call_records, seats
from voiceapp.call_records import Caller, Outcome
from voiceapp.models import Language, Room
from voiceapp.settings import Settings

StepName = Literal["ask_id", "ask_pin", "ask_extension"]
MAX_TRIES = 3
# How many digits a keypad entry may hold before it is plainly not an ID or PIN.
MAX_ENTRY = 12


@dataclass(frozen=True)
class Step:
    prompt: str  # the prompt key asked inside the <Gather>
    gathers: str  # what the digits are, for logs and the emulator's transcript
    max_digits: int


STEPS: dict[StepName, Step] = {
    "ask_id": Step(prompt="ask_id", gathers="conference ID", max_digits=MAX_ENTRY),
    "ask_pin": Step(prompt="ask_pin", gathers="PIN", max_digits=MAX_ENTRY),
    # The virtual receptionist's question; its answers are handled in `routing`.
    "ask_extension": Step(prompt="ask_extension", gathers="extension", max_digits=6),
}


@dataclass(frozen=True)
class CallState:
    """What the bridge remembers between two webhooks of one call."""

    step: StepName = "ask_id"
    language: Language = Language.FR
    tries: int = 0  # wrong entries at this step
    quiet: int = 0  # timeouts in a row at this step
    room_id: int | None = None  # the room whose PIN is being asked
    accent: str | None = None  # the dialled number's text-to-speech locale (es-MX), if set


# A prompt's placeholders, as (name, value) pairs: a reply is a value, kept and compared
# whole (the rendered TwiML of a reply is reused; see webhooks.answers).
Params = tuple[tuple[str, str | int], ...]


@dataclass(frozen=True)
class Line:
    """One sentence to say: a prompt key and its placeholders."""

    key: str
    params: Params = ()
    # Said in this language rather than the reply's (the offer of the other language).
    language: Language | None = None
    # A recorded file (path under the media directory) played instead, while it exists.
    recording: str | None = None


@dataclass(frozen=True)
class Ask:
    """Gather digits for `state.step`, then come back with them."""

    state: CallState


@dataclass(frozen=True)
class Join:
    """Into the room's conference on the carrier (see bridge.conference_name)."""

    conference: str
    capacity: int

    @classmethod
    def room(cls, room: Room) -> Join:
        return cls(bridge.conference_name(room), room.capacity)


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class Forward:
    """Ring every target at once (E.164 numbers, SIP URIs) for `timeout` seconds; the first
    to answer takes the call. How it went comes back for `extension` (see `routing`)."""

    extension: str
    targets: tuple[str, ...]
    timeout: int


@dataclass(frozen=True)
class RecordMessage:
    """Record a voicemail for `extension`, at most `max_length` seconds; when the caller
    says nothing at all, say `if_silent` and hang up."""

    extension: str
    max_length: int
    if_silent: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Reply:
    language: Language
    lines: tuple[Line, ...]
    then: Ask | Join | Hangup | Forward | RecordMessage


def other_language(language: Language) -> Language:
    return Language.ES if language is Language.FR else Language.FR


def greet(language: Language) -> Reply:
    """The first words of a call to the bridge, the offer of the other language (said in
    it), and the question for the conference ID."""
    return Reply(language, _welcome(language), Ask(CallState(step="ask_id", language=language)))


def _welcome(language: Language) -> tuple[Line, ...]:
    return (Line("greeting"), Line("language_offer", language=other_language(language)))


def goodbye(language: Language, *reasons: Line) -> Reply:
    return Reply(language, (*reasons, Line("goodbye")), Hangup())


async def on_silence(state: CallState, caller: Caller) -> Reply:
    """The caller typed nothing before the <Gather> timed out."""
    if state.quiet >= 1:
        await call_records.set_outcome(caller, Outcome.NO_INPUT)
        return goodbye(state.language, Line("no_input_goodbye"))
    return Reply(state.language, (Line("no_input"),), Ask(replace(state, quiet=state.quiet + 1)))


async def on_digits(state: CallState, digits: str, caller: Caller, settings: Settings) -> Reply:
    """The caller typed `digits` (finishOnKey already stripped) at `state.step`."""
    if state.step == "ask_pin":
        return await _on_pin(state, digits, caller, settings)
    return await _on_conference_id(state, digits, caller, settings)


async def _on_conference_id(
    state: CallState, digits: str, caller: Caller, settings: Settings
) -> Reply:
    if digits == "*":
        language = other_language(state.language)
        return Reply(language, _welcome(language), Ask(replace(state, language=language, quiet=0)))
    walk_in = await seats.walk_in(digits, caller, settings.seat_overdue_seconds)
    room = walk_in.room
    if room is None:
        return await wrong_entry(state, caller, Line("unknown_id"), Outcome.UNKNOWN_ID)
    if walk_in.reservation is None:
        ask_pin = replace(state, step="ask_pin", tries=0, quiet=0, room_id=room.pk)
        return Reply(state.language, (), Ask(ask_pin))
    return _joined(room, state.language, walk_in.reservation)


async def _on_pin(state: CallState, digits: str, caller: Caller, settings: Settings) -> Reply:
    room = await Room.get_or_none(id=state.room_id) if state.room_id is not None else None
    if room is None:  # deleted while the caller was typing
        ask_id = replace(state, step="ask_id", tries=0, quiet=0, room_id=None)
        return Reply(state.language, (Line("unknown_id"),), Ask(ask_id))
    # Counted before it is compared, so that PINs typed at once cannot all be compared.
    admission = await attempt_limits.admit_pin(room, caller, settings)
    if not admission.admitted:
        await call_records.set_outcome(caller, Outcome.LOCKED_OUT, room)
        return goodbye(state.language, Line("locked_out"))
    if bridge.pin_matches(room, digits):
        await attempt_limits.withdraw(admission)
        return await _join(room, state.language, caller, settings)
    attempt_limits.wrong_pin(room, caller)
    return await wrong_entry(state, caller, Line("wrong_pin"), Outcome.WRONG_PIN, room)


async def wrong_entry(
    state: CallState, caller: Caller, line: Line, outcome: Outcome, room: Room | None = None
) -> Reply:
    """Any step's wrong entry: say why and ask again, or goodbye after MAX_TRIES."""
    tries = state.tries + 1
    if tries >= MAX_TRIES:
        await call_records.set_outcome(caller, outcome, room)
        return goodbye(state.language, line, Line("too_many_attempts"))
    return Reply(state.language, (line,), Ask(replace(state, tries=tries, quiet=0)))


async def _join(room: Room, language: Language, caller: Caller, settings: Settings) -> Reply:
    reservation = await seats.reserve_seat(room, caller, settings.seat_overdue_seconds)
    return _joined(room, language, reservation)


def _joined(room: Room, language: Language, reservation: seats.Reservation) -> Reply:
    """In (the seat reserved: the conference), or the room is full (goodbye). The call's
    outcome is already written, with the seat."""
    if reservation.call_over:
        return Reply(language, (), Hangup())
    if not reservation.admitted:
        return goodbye(language, Line("room_full"))
    if reservation.others == 0:
        count_line = Line("first_participant")
    else:
        count_line = Line("participants", (("count", reservation.others),))
    joining = Line(
        "joining", (("conference_id", room.conference_id),), recording=room.greeting_media
    )
    return Reply(language, (joining, count_line), Join.room(room))


def not_in_service(language: Language) -> Reply:
    return Reply(language, (Line("not_in_service"),), Hangup())
