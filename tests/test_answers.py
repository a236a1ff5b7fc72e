"""Each worker's memory of the first answer per dialled number (webhooks/answers.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tortoise import connections

from voiceapp import directory
from voiceapp.emulator import Carrier
from voiceapp.emulator.inprocess import in_process_carrier
from voiceapp.settings import Settings
from voiceapp.webhooks.answers import AnswerCache

from .conftest import FR_NUMBER, make_settings, provision_conference

GREETING = "Bienvenue sur le service de conférence."
NOT_IN_SERVICE = "Le numéro que vous avez composé n'est pas en service."


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def cached(settings: Settings) -> AsyncIterator[Carrier]:
    """The app with the answer cache on (5 s), as deployed."""
    cached_settings = make_settings(settings.database_url, VOICEAPP_DIRECTORY_CACHE_SECONDS="5")
    async with in_process_carrier(cached_settings) as carrier:
        yield carrier


def test_entries_expire_and_zero_seconds_keeps_nothing() -> None:
    clock = Clock()
    answers = AnswerCache(5, clock)
    answers.put("+33180000001", "<Response/>")
    assert answers.get("+33180000001") == "<Response/>"
    clock.now += 5
    assert answers.get("+33180000001") is None
    off = AnswerCache(0, clock)
    off.put("+33180000001", "<Response/>")
    assert off.get("+33180000001") is None


def test_memory_is_bounded() -> None:
    answers = AnswerCache(5, Clock())
    for n in range(AnswerCache.MAX_ENTRIES + 1):
        answers.put(f"+3318000{n:05d}", "<Response/>")
    assert len(answers._entries) <= AnswerCache.MAX_ENTRIES


async def test_a_kept_answer_needs_no_database(cached: Carrier, settings: Settings) -> None:
    await provision_conference(settings)
    first = await cached.call(FR_NUMBER)
    assert first.said[0] == GREETING
    # The directory is gone: only the kept answer can greet the next caller.
    await connections.get("default").execute_script(
        "ALTER TABLE phone_number RENAME TO phone_number_gone"
    )
    second = await cached.call(FR_NUMBER)
    assert second.said[0] == GREETING


async def test_an_unmapped_number_is_never_kept(cached: Carrier, settings: Settings) -> None:
    await provision_conference(settings)
    await directory.remove_number(FR_NUMBER)
    before = await cached.call(FR_NUMBER)
    assert before.said == [NOT_IN_SERVICE]
    await directory.add_number(FR_NUMBER, "800", "fr")
    after = await cached.call(FR_NUMBER)
    assert after.said[0] == GREETING
