"""The caller's path as a table (call_flow.STEPS) and what calls do agree, row by row.

Every way of every step has a scenario here, written by hand: a real situation (rooms,
seats, PIN failures, a call already over) and what the caller types, posted to the
signed gather or silence webhook as the carrier would. What the caller then hears and
what comes next (the step asked, the conference, a transfer, goodbye) must be what the
table names, and when the call ends there, its history must say the table's outcome.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlsplit

import pytest

from voiceapp import ivr_prompts
from voiceapp.conferencing import rooms, seats
from voiceapp.conferencing.call_flow import (
    MAX_SILENCES,
    MAX_TRIES,
    STEPS,
    Result,
    Way,
    is_step,
    other_language,
)
from voiceapp.conferencing.replies import CallState, StepName
from voiceapp.conferencing.rooms import CONFERENCE_ID_PATTERN, PIN_PATTERN
from voiceapp.core.models import CallRecord, Extension, Language, Room
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.history.call_records import Caller
from voiceapp.switchboard import extensions, numbers, routing
from voiceapp.switchboard.extensions import EXTENSION_PATTERN
from voiceapp.webhooks.state import state_query, url

from .conftest import FR_NUMBER
from .twiml import parse, verbs

CALLER = "+33612345678"
RECEPTION_NUMBER = "+33180000200"
ALICE_PHONE = "+33612345601"


@dataclass(frozen=True)
class Situation:
    """A call at a step: its state, and what the caller types there (None: nothing)."""

    state: CallState
    digits: str | None
    call_sid: str = "CAtable"


Scenario = Callable[[Carrier, Settings], Awaitable[Situation]]
SCENARIOS: dict[tuple[StepName, Result], Scenario] = {}


def scenario(step: StepName, result: Result) -> Callable[[Scenario], Scenario]:
    def register(make: Scenario) -> Scenario:
        SCENARIOS[step, result] = make
        return make

    return register


async def hang_up(carrier: Carrier, call_sid: str) -> None:
    """The carrier's word that the call is over, ahead of the call's own webhook."""
    fields = {"CallSid": call_sid, "From": CALLER, "To": FR_NUMBER, "CallStatus": "completed"}
    response = await carrier.post(carrier.base_url + "/voice/status", fields)
    assert response.status_code == 200


async def full_room(settings: Settings, pin: str | None = None) -> Room:
    """A room of one seat, taken by another caller."""
    room = await rooms.add_room(settings, name="Petit", conference_id="7777", pin=pin, capacity=1)
    other = Caller("CAother", "+33600000000", FR_NUMBER)
    assert (await seats.reserve_seat(room, other, settings.seat_overdue_seconds)).admitted
    return room


async def pin_state() -> CallState:
    return CallState(step="ask_pin", room_id=(await Room.get(conference_id="1234")).pk)


async def reception() -> CallState:
    await extensions.add_extension("201", "user", "Alice", forward_to=ALICE_PHONE)
    await extensions.add_extension("200", "receptionist")
    await numbers.add_number(RECEPTION_NUMBER, "200", "fr")
    return CallState(step="ask_extension")


# ---- ask_id ------------------------------------------------------------------------------


@scenario("ask_id", "other_language")
async def star_at_the_greeting(carrier: Carrier, settings: Settings) -> Situation:
    return Situation(CallState(), "*")


@scenario("ask_id", "room_with_pin")
async def id_of_a_room_with_a_pin(carrier: Carrier, settings: Settings) -> Situation:
    return Situation(CallState(), "1234")


@scenario("ask_id", "seated")
async def id_of_a_room_without_a_pin(carrier: Carrier, settings: Settings) -> Situation:
    return Situation(CallState(), "5555")


@scenario("ask_id", "room_full")
async def id_of_a_full_room(carrier: Carrier, settings: Settings) -> Situation:
    await full_room(settings)
    return Situation(CallState(), "7777")


@scenario("ask_id", "room_locked")
async def id_of_a_locked_room(carrier: Carrier, settings: Settings) -> Situation:
    await Room.filter(conference_id="5555").update(locked=True)
    return Situation(CallState(), "5555")


@scenario("ask_id", "unknown")
async def id_of_no_room(carrier: Carrier, settings: Settings) -> Situation:
    return Situation(CallState(), "999")


@scenario("ask_id", "hung_up")
async def id_after_the_call_ended(carrier: Carrier, settings: Settings) -> Situation:
    await hang_up(carrier, "CAtable")
    return Situation(CallState(), "5555")


@scenario("ask_id", "silence")
async def nothing_at_the_greeting(carrier: Carrier, settings: Settings) -> Situation:
    return Situation(CallState(), None)


# ---- ask_pin -----------------------------------------------------------------------------


@scenario("ask_pin", "seated")
async def right_pin(carrier: Carrier, settings: Settings) -> Situation:
    return Situation(await pin_state(), "4321")


@scenario("ask_pin", "room_full")
async def right_pin_of_a_full_room(carrier: Carrier, settings: Settings) -> Situation:
    room = await full_room(settings, pin="1111")
    return Situation(CallState(step="ask_pin", room_id=room.pk), "1111")


@scenario("ask_pin", "room_locked")
async def right_pin_of_a_locked_room(carrier: Carrier, settings: Settings) -> Situation:
    await Room.filter(conference_id="1234").update(locked=True)
    return Situation(await pin_state(), "4321")


@scenario("ask_pin", "wrong")
async def wrong_pin(carrier: Carrier, settings: Settings) -> Situation:
    return Situation(await pin_state(), "0000")


@scenario("ask_pin", "locked_out")
async def pin_after_too_many_wrong_ones(carrier: Carrier, settings: Settings) -> Situation:
    state = await pin_state()
    for n in range(settings.pin_max_failures_per_caller):
        await answer(carrier, Situation(state, "0000", f"CAguess{n}"))
    return Situation(state, "4321")


@scenario("ask_pin", "room_gone")
async def pin_of_a_room_deleted_meanwhile(carrier: Carrier, settings: Settings) -> Situation:
    room = await rooms.add_room(settings, name="Ephemere", conference_id="8888", pin="8888")
    await rooms.remove_room("8888")
    return Situation(CallState(step="ask_pin", room_id=room.pk), "8888")


@scenario("ask_pin", "hung_up")
async def pin_after_the_call_ended(carrier: Carrier, settings: Settings) -> Situation:
    await hang_up(carrier, "CAtable")
    return Situation(await pin_state(), "4321")


@scenario("ask_pin", "silence")
async def nothing_at_the_pin(carrier: Carrier, settings: Settings) -> Situation:
    return Situation(await pin_state(), None)


# ---- ask_extension -----------------------------------------------------------------------


@scenario("ask_extension", "other_language")
async def star_at_the_receptionist(carrier: Carrier, settings: Settings) -> Situation:
    return Situation(await reception(), "*")


@scenario("ask_extension", "extension")
async def a_users_extension(carrier: Carrier, settings: Settings) -> Situation:
    return Situation(await reception(), "201")


@scenario("ask_extension", "unknown")
async def no_such_extension(carrier: Carrier, settings: Settings) -> Situation:
    return Situation(await reception(), "999")


@scenario("ask_extension", "silence")
async def nothing_at_the_receptionist(carrier: Carrier, settings: Settings) -> Situation:
    return Situation(await reception(), None)


# ---- the webhook, and what the caller gets -------------------------------------------------


async def answer(carrier: Carrier, situation: Situation) -> ET.Element:
    """The carrier's webhook for the situation: the gather action with the digits, or the
    silence redirect; the TwiML it answers."""
    path = "/voice/silence" if situation.digits is None else "/voice/gather"
    fields = {"CallSid": situation.call_sid, "From": CALLER, "To": FR_NUMBER}
    if situation.digits is not None:
        fields["Digits"] = situation.digits
    response = await carrier.post(url(carrier.base_url, path, state_query(situation.state)), fields)
    assert response.status_code == 200
    return parse(response.text)


def said(root: ET.Element) -> list[str]:
    return [(say.text or "").strip() for say in root.iter("Say")]


def texts(keys: tuple[str, ...], language: Language) -> list[str]:
    return [ivr_prompts.text(key, language) for key in keys]


def asked(root: ET.Element) -> dict[str, str]:
    """The state the <Gather> of this answer comes back with; its numDigits is the step's."""
    gather = root.find("Gather")
    assert gather is not None, f"no question asked: {verbs(root)}"
    query = dict(parse_qsl(urlsplit(gather.get("action", "")).query))
    assert gather.get("numDigits") == str(STEPS[query["step"]].max_digits)
    return query


async def outcome_of(call_sid: str) -> str | None:
    record = await CallRecord.get_or_none(call_sid=call_sid)
    return record.outcome if record is not None else None


async def check_way(way: Way, situation: Situation, root: ET.Element) -> None:
    """The answer is the way the table names: what is said, then what comes next."""
    state = situation.state
    language = state.language
    says = texts(way.says, language)
    step = STEPS[state.step]
    ended = await outcome_of(situation.call_sid)
    if way.to == "switch_language":
        now = other_language(language)
        query = asked(root)
        assert (query["step"], query["lang"]) == (state.step, now.value)
        assert step.greeting is not None
        assert said(root) == [
            ivr_prompts.text(step.greeting, now),
            ivr_prompts.text("language_offer", language),  # the way back
            ivr_prompts.text(step.prompt, now),
        ]
        assert ended is None
    elif is_step(way.to):
        query = asked(root)
        assert (query["step"], query["tries"], query["quiet"]) == (way.to, "0", "0")
        assert said(root) == [*says, ivr_prompts.text(STEPS[way.to].prompt, language)]
        assert ended is None
    elif way.to == "again":
        query = asked(root)
        assert query["step"] == state.step
        counted = "quiet" if way.counter == "quiet" else "tries"
        assert int(query[counted]) == getattr(state, counted) + 1
        assert said(root) == [*says, ivr_prompts.text(step.prompt, language)]
        assert ended is None  # not until the last time
    elif way.to == "conference":
        assert root.find("Dial/Conference") is not None
        assert said(root)[: len(says)] == says
        assert ended == way.outcome
    elif way.to == "transfer":
        assert said(root) == says  # then the extension's own first answer: its ringing
        assert [(n.text or "").strip() for n in root.iter("Number")] == [ALICE_PHONE]
        assert ended is None
    elif way.to == "goodbye":
        assert verbs(root)[-1] == "Hangup"
        assert said(root) == [*says, ivr_prompts.text("goodbye", language)]
        assert ended == way.outcome
    else:
        assert way.to == "hangup"
        assert verbs(root) == ["Hangup"]
        assert ended == "abandoned"  # the end already written, not overwritten


ROWS = [(name, result) for name, step in STEPS.items() for result in step.ways]


def test_every_row_of_the_table_has_a_scenario_and_no_other() -> None:
    assert set(SCENARIOS) == set(ROWS)


def test_within_a_step_every_way_sounds_different() -> None:
    """What the caller hears and what comes next tells each way of a step from the others,
    so the checks below, reading only the TwiML, know which way a call took."""
    for step in STEPS.values():
        heard = [(way.to, way.says) for way in step.ways.values()]
        assert len(heard) == len(set(heard))


@pytest.mark.parametrize(("step", "result"), ROWS, ids=[f"{s}-{r}" for s, r in ROWS])
async def test_each_way_of_the_table_is_what_the_call_does(
    conference: Carrier, settings: Settings, step: StepName, result: Result
) -> None:
    situation = await SCENARIOS[step, result](conference, settings)
    assert situation.state.step == step
    way = STEPS[step].ways[result]
    await check_way(way, situation, await answer(conference, situation))
    if way.to != "again":
        return
    # The last time the same entry is met, the call ends: the last words, then goodbye.
    if way.counter == "quiet":
        last_time = replace(situation.state, quiet=MAX_SILENCES - 1)
    else:
        last_time = replace(situation.state, tries=MAX_TRIES - 1)
    final = Situation(last_time, situation.digits, "CAlast")
    root = await answer(conference, final)
    goodbye = ivr_prompts.text("goodbye", last_time.language)
    assert said(root) == [*texts(way.last, last_time.language), goodbye]
    assert verbs(root)[-1] == "Hangup"
    assert way.outcome is not None
    assert await outcome_of("CAlast") == way.outcome


def test_the_digit_limits_let_the_longest_right_entry_and_its_pound_through() -> None:
    """The carrier stops listening at numDigits: one more than the longest ID, PIN or
    extension, so the # typed after it ends the entry, and longer is never right."""
    patterns = {
        "ask_id": CONFERENCE_ID_PATTERN,
        "ask_pin": PIN_PATTERN,
        "ask_extension": EXTENSION_PATTERN,
    }
    for name, step in STEPS.items():
        longest = step.max_digits - 1
        assert patterns[name].fullmatch("9" * longest), name
        assert not patterns[name].fullmatch("9" * step.max_digits), name


def test_every_prompt_the_table_names_is_in_the_catalog() -> None:
    keys = {"goodbye", "language_offer"}
    for step in STEPS.values():
        keys.update([step.prompt, *([step.greeting] if step.greeting else [])])
        for way in step.ways.values():
            keys.update((*way.says, *way.last))
    assert keys - set(ivr_prompts.PROMPTS) == set()


def test_a_step_that_greets_offers_the_other_language_and_every_step_hears_silence() -> None:
    for step in STEPS.values():
        assert (step.greeting is not None) == ("other_language" in step.ways)
        assert "silence" in step.ways


async def test_a_first_answer_never_ends_a_call(conference: Carrier, settings: Settings) -> None:
    """First answers are kept per number (webhooks.answers) and never recorded: none may
    carry an outcome."""
    await reception()
    await extensions.add_extension("210", "ring-group", "Ventes", members=["201"])
    for extension in await Extension.all():
        for language in Language:
            reply = await routing.route(extension, language, settings)
            assert reply.outcome is None, (extension.number, extension.kind)
