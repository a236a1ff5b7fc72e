"""The keypad menu's round trip, for bench.run: a caller in a conference presses *, hears
the menu, presses # and is back in. On the carrier that is four webhooks, measured one by
one (wrk replays one URL at a time) in the order the carrier sends them:

1. leave: POST /voice/conference-status, participant-leave with the call still on
   (ParticipantCallStatus in-progress): seats.step_out marks the seat IN_MENU, kept;
2. menu: POST /voice/menu, the <Dial>'s action: reads the seat, answers the menu's <Gather>;
3. back: POST /voice/menu-key with Digits=#: reads the seat and the room, answers
   <Dial><Conference> again, on the same seat;
4. join: POST /voice/conference-status, participant-join: seats.confirm_join marks the
   seat JOINED again, nothing counted.

The round trip never takes a seat, so its callers' seats are made here, straight in the
database, all in one room (the menu's URL names it) and past the room's cap (nothing counts
them). Before each step's warm-up and measurement they are put in the state that step
finds on the carrier (JOINED before the leave, IN_MENU after it), so every measured request
does its step's work once, and a replayed one (the pre-signed requests ran out) is old news
that changes nothing. `check_round_trip` first sends one caller's four requests and reads
each answer and the seat: wrk only counts <Dial> answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
from tortoise.queryset import QuerySet

from bench.load import Result
from voiceapp.conferencing.replies import MenuState
from voiceapp.conferencing.rooms import conference_name
from voiceapp.core.models import Room, Seat, SeatState
from voiceapp.webhooks.signature import sign
from voiceapp.webhooks.state import menu_query, url

# Fields of one call as every webhook of it carries them (bench.run.call_fields), by number.
CallFields = Callable[[int], dict[str, str]]

CONFERENCE_SID = "CF" + "b" * 32
# The caller of the check before the measurement: a number neither the measurement
# (0, 1, ...) nor its warm-up (bench.run.WARMUP_OFFSET...) uses. Small enough that its
# SequenceNumber still fits the seat's integer column.
CHECK_CALL = 5 * 10**8
BATCH = 2000  # seats made per INSERT
# What a seat last heard from the conference, by the state a step finds it in: the
# leave of call i says SequenceNumber i + 1 and its join i + 2, later news either way.
SEQUENCE_BEFORE = {SeatState.JOINED: 0, SeatState.IN_MENU: 1}


@dataclass(frozen=True)
class Step:
    """One webhook of the round trip."""

    name: str  # the report's row
    path: str
    menu: bool  # called back on the menu's URL (?lang=fr&room=ID), not a bare one
    fields: Callable[[Room, CallFields, int], dict[str, str]]
    finds: SeatState  # the seat's state when the carrier sends it
    leaves: SeatState  # and after it
    answer_holds: str | None = None  # what each answer must hold ("<Dial": rejoined)

    def target(self, base_url: str, room: Room) -> str:
        return url(base_url, self.path, menu_query(MenuState(room.pk)) if self.menu else None)


def _participant(room: Room, call: CallFields, i: int, event: str, sequence: int) -> dict[str, str]:
    """A conference status callback about caller `i`, as the carrier sends it."""
    return {
        "AccountSid": call(i)["AccountSid"],
        "ConferenceSid": CONFERENCE_SID,
        "FriendlyName": conference_name(room),
        "StatusCallbackEvent": event,
        "SequenceNumber": str(sequence),
        "Timestamp": format_datetime(datetime.now(UTC), usegmt=True),
        "CallSid": call(i)["CallSid"],
        "Muted": "false",
        "Hold": "false",
        "StartConferenceOnEnter": "true",
        "EndConferenceOnExit": "false",
        "Coaching": "false",
    }


def _left(room: Room, call: CallFields, i: int) -> dict[str, str]:
    return {
        **_participant(room, call, i, "participant-leave", i + 1),
        "ParticipantCallStatus": "in-progress",
        "ReasonParticipantLeft": "participant_pressed_star",
    }


def _dial_ended(room: Room, call: CallFields, i: int) -> dict[str, str]:
    return {**call(i), "DialCallStatus": "completed", "DialCallDuration": "42"}


def _pressed_hash(room: Room, call: CallFields, i: int) -> dict[str, str]:
    return {**call(i), "Digits": "#"}


def _joined(room: Room, call: CallFields, i: int) -> dict[str, str]:
    return _participant(room, call, i, "participant-join", i + 2)


IN, OUT = SeatState.JOINED, SeatState.IN_MENU
STEPS: tuple[Step, ...] = (
    Step("menu 1/4 participant-leave", "/voice/conference-status", False, _left, IN, OUT),
    Step("menu 2/4 /voice/menu", "/voice/menu", True, _dial_ended, OUT, OUT, "<Gather"),
    Step("menu 3/4 /voice/menu-key #", "/voice/menu-key", True, _pressed_hash, OUT, OUT, "<Dial"),
    Step("menu 4/4 participant-join", "/voice/conference-status", False, _joined, OUT, IN),
)
TRIP_NAME = "menu round trip (4 webhooks)"


class CallerSeats:
    """The seats of the round trip's callers, in one room, made as the calls are needed."""

    def __init__(self, room: Room, call: CallFields) -> None:
        self.room = room
        self.call = call
        self._made: dict[int, int] = {}  # first call of a range of seats made -> its end
        self.last_ready = range(0)  # the calls of the latest `ready`: the ones measured

    def _in(self, calls: range) -> QuerySet[Seat]:
        # CallSids have the same width: their order is the calls' order.
        first, last = self.call_sid(calls.start), self.call_sid(calls.stop - 1)
        return Seat.filter(call_sid__gte=first, call_sid__lte=last)

    def call_sid(self, i: int) -> str:
        return self.call(i)["CallSid"]

    async def ready(self, calls: range, state: SeatState) -> None:
        """Seats for `calls`, each as the carrier left it before a step: `state`, in the
        conference, with neither mute nor hold."""
        made = self._made.get(calls.start, calls.start)
        now = datetime.now(UTC)
        for start in range(made, calls.stop, BATCH):
            await Seat.bulk_create(
                [
                    Seat(
                        room_id=self.room.pk,
                        call_sid=self.call_sid(i),
                        caller=self.call(i)["From"],
                        state=state,
                        conference_sid=CONFERENCE_SID,
                        reserved_at=now,
                        joined_at=now,
                    )
                    for i in range(start, min(start + BATCH, calls.stop))
                ]
            )
        self._made[calls.start] = max(made, calls.stop)
        self.last_ready = calls
        await self._in(calls).update(
            state=state,
            sequence=SEQUENCE_BEFORE[state],
            conference_sid=CONFERENCE_SID,
            muted=False,
            on_hold=False,
        )

    async def unchanged(self, step: Step, result: Result) -> str | None:
        """What is wrong when `step` changes the seat's state and fewer seats than requests
        answered were changed by the measurement (`result`): its requests did not do
        their work, so their rate says nothing. None when all is well, or when the
        requests ran out and were replayed (which ones were is then unknown)."""
        if step.finds is step.leaves or result.wrapped:
            return None
        calls = self.last_ready
        changed = await self._in(calls).filter(state=step.leaves).count()
        expected = min(result.requests, len(calls))
        if changed >= expected:
            return None
        return f"only {changed} of {expected} requests made a seat {step.leaves.value}"


async def check_round_trip(base_url: str, token: str, seats: CallerSeats) -> list[str]:
    """One caller's round trip, request by request: what is wrong with each answer or with
    the seat after it (nothing: an empty list)."""
    await seats.ready(range(CHECK_CALL, CHECK_CALL + 1), STEPS[0].finds)
    problems = []
    async with httpx.AsyncClient(timeout=15) as client:
        for step in STEPS:
            target = step.target(base_url, seats.room)
            fields = step.fields(seats.room, seats.call, CHECK_CALL)
            answer = await client.post(
                target, data=fields, headers={"X-Twilio-Signature": sign(token, target, fields)}
            )
            seat = await Seat.get_or_none(call_sid=seats.call_sid(CHECK_CALL))
            if answer.status_code != 200:
                problems.append(f"{step.name}: answered {answer.status_code}")
            elif step.answer_holds and step.answer_holds not in answer.text:
                problems.append(f"{step.name}: no {step.answer_holds} in {answer.text[:300]}")
            if seat is None or seat.state is not step.leaves:
                found = "no seat" if seat is None else seat.state.value
                problems.append(f"{step.name}: seat {found}, not {step.leaves.value}")
    return problems


def round_trip(results: Sequence[Result]) -> Result:
    """The steps one after another, as one caller's round trip: 4 requests in the time the
    four take at their measured rates (1/rate each), so rate / 4 is round trips a second.
    Its p50 and p99 are the sums of the steps': a round trip's own waits, the p99 an upper
    bound (the four are rarely all slow)."""
    return Result(
        requests=len(results),
        # A step that answered nothing makes the round trip impossible: a rate of 0.
        seconds=sum(1 / result.rate if result.rate else float("inf") for result in results),
        p50_ms=sum(result.p50_ms for result in results),
        p99_ms=sum(result.p99_ms for result in results),
        failures=sum(result.failures for result in results),
        dials=0,
        wrapped=any(result.wrapped for result in results),
    )
