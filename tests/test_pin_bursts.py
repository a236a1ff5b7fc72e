"""Wrong PINs fired all at once, through the emulator and the real database: however many
arrive together, no more are compared with the room's PIN than the limit allows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from voiceapp import ivr_prompts
from voiceapp.conferencing import rooms
from voiceapp.core.models import Language, Room
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier, EmulatedCall

from .conftest import FR_NUMBER

WRONG_PIN = "9876"
RIGHT_PIN = "4321"


def heard(key: str) -> str:
    return ivr_prompts.text(key, Language.FR)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every PIN compared with a room's, as the call flow asks `rooms.pin_matches`."""
    compared: list[str] = []
    matches = rooms.pin_matches

    def counting(room: Room, typed: str) -> bool:
        compared.append(typed)
        return matches(room, typed)

    monkeypatch.setattr(rooms, "pin_matches", counting)
    yield compared


async def burst(carrier: Carrier, callers: list[str]) -> list[EmulatedCall]:
    """One call per caller, all at once, each typing the room's ID then one wrong PIN."""
    return await asyncio.gather(
        *(carrier.call(FR_NUMBER, caller=c, digits=["1234#", f"{WRONG_PIN}#"]) for c in callers)
    )


def assert_every_call_answered(calls: list[EmulatedCall]) -> None:
    errors = [str(event) for call in calls for event in call.events if event.kind == "error"]
    assert errors == []
    for call in calls:
        assert (heard("wrong_pin") in call.said) != (heard("locked_out") in call.said)


async def test_150_numbers_at_once_compare_at_most_the_room_limit(
    conference: Carrier, settings: Settings, counted: list[str]
) -> None:
    """A guesser who changes number every call, 150 calls at once (room limit 30)."""
    calls = await burst(conference, [f"+336990{i:05d}" for i in range(150)])
    assert_every_call_answered(calls)
    wrong = sum(heard("wrong_pin") in call.said for call in calls)
    limit = settings.pin_max_failures_per_room
    assert len(counted) <= limit, f"{len(counted)} of 150 PINs compared, limit {limit}"
    assert wrong == len(counted)


async def test_40_calls_at_once_from_one_number_compare_at_most_its_limit(
    conference: Carrier, settings: Settings, counted: list[str]
) -> None:
    calls = await burst(conference, ["+33699000001"] * 40)
    assert_every_call_answered(calls)
    limit = settings.pin_max_failures_per_caller
    compared = len(counted)
    assert compared <= limit, f"{compared} of 40 PINs compared, limit {limit}"
    # The failures that were compared are all that count: the refused calls add none, so
    # the right PIN gets in unless the limit was reached. (Counted before this last call,
    # whose own PIN is compared too when it is let in.)
    last = await conference.call(
        FR_NUMBER, caller="+33699000001", digits=["1234#", f"{RIGHT_PIN}#"]
    )
    assert (heard("locked_out") in last.said) == (compared >= limit)
