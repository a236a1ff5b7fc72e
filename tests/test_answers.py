"""Each worker's memory of its answers: the first per dialled number, and the TwiML of
each reply of the call flow (webhooks/answers.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from tortoise import connections

from voiceapp.conferencing import call_flow
from voiceapp.conferencing.replies import Line
from voiceapp.core.models import Language
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.emulator.inprocess import in_process_carrier
from voiceapp.switchboard import numbers
from voiceapp.webhooks.answers import AnswerCache, Kept, RenderedReplies

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


class Builds:
    """A build function that counts its calls and can be held until released."""

    def __init__(self, answer: str | None = "<Response/>") -> None:
        self.answer = answer
        self.count = 0
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self) -> str | None:
        self.count += 1
        await self.release.wait()
        return self.answer


async def test_kept_until_expiry_then_served_stale_while_rebuilt() -> None:
    clock = Clock()
    answers = AnswerCache(5, clock)
    build = Builds("<Response>v1</Response>")
    assert await answers.answer(FR_NUMBER, build) == "<Response>v1</Response>"
    assert await answers.answer(FR_NUMBER, build) == "<Response>v1</Response>"
    assert build.count == 1
    clock.now += 5
    build.answer = "<Response>v2</Response>"
    build.release.clear()
    # Expired: the caller gets the last answer at once while one fresh build runs.
    assert await answers.answer(FR_NUMBER, build) == "<Response>v1</Response>"
    assert await answers.answer(FR_NUMBER, build) == "<Response>v1</Response>"
    build.release.set()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert await answers.answer(FR_NUMBER, build) == "<Response>v2</Response>"
    assert build.count == 2


async def test_callers_arriving_together_share_one_build() -> None:
    answers = AnswerCache(5, Clock())
    build = Builds()
    build.release.clear()
    waiting = [asyncio.create_task(answers.answer(FR_NUMBER, build)) for _ in range(50)]
    await asyncio.sleep(0)
    build.release.set()
    assert await asyncio.gather(*waiting) == ["<Response/>"] * 50
    assert build.count == 1


async def test_zero_seconds_builds_every_time_and_unmapped_is_not_kept() -> None:
    off = AnswerCache(0, Clock())
    build = Builds()
    await off.answer(FR_NUMBER, build)
    await off.answer(FR_NUMBER, build)
    assert build.count == 2
    answers = AnswerCache(5, Clock())
    unmapped = Builds(answer=None)
    assert await answers.answer(FR_NUMBER, unmapped) is None
    assert await answers.answer(FR_NUMBER, unmapped) is None
    assert unmapped.count == 2


async def broken() -> str | None:
    raise ConnectionError("database down")


async def test_a_failed_build_reaches_its_caller_once(caplog: pytest.LogCaptureFixture) -> None:
    answers = AnswerCache(5, Clock())
    with pytest.raises(ConnectionError):
        await answers.answer(FR_NUMBER, broken)
    # The caller's webhook logs it with the CallSid; the cache does not log it again.
    assert "building a kept answer failed" not in caplog.text
    # Nothing half-built is left behind: the next call builds again.
    assert await answers.answer(FR_NUMBER, Builds()) == "<Response/>"


async def test_a_failed_refresh_keeps_the_answer_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    answers = AnswerCache(5, clock)
    assert await answers.answer(FR_NUMBER, Builds()) == "<Response/>"
    clock.now += 5
    assert await answers.answer(FR_NUMBER, broken) == "<Response/>"
    for _ in range(3):
        await asyncio.sleep(0)
    assert "building a kept answer failed" in caplog.text


async def test_memory_is_bounded() -> None:
    answers = AnswerCache(5, Clock())
    for n in range(Kept.MAX_ENTRIES + 1):
        await answers.answer(f"+3318000{n:05d}", Builds())
    assert len(answers._kept._entries) <= Kept.MAX_ENTRIES


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
    await numbers.remove_number(FR_NUMBER)
    before = await cached.call(FR_NUMBER)
    assert before.said == [NOT_IN_SERVICE]
    await numbers.add_number(FR_NUMBER, "800", "fr")
    after = await cached.call(FR_NUMBER)
    assert after.said[0] == GREETING


def test_a_reply_is_rendered_once_while_kept_then_again() -> None:
    clock = Clock()
    replies = RenderedReplies(5, clock)
    renders: list[str] = []

    def render() -> str:
        renders.append("rendered")
        return f"<Response>{len(renders)}</Response>"

    joined = call_flow.goodbye(Language.FR, Line("room_full"))
    assert replies.twiml((joined, None), render) == "<Response>1</Response>"
    # The same reply built anew (a value, not the same object) is the same key.
    again = call_flow.goodbye(Language.FR, Line("room_full"))
    assert replies.twiml((again, None), render) == "<Response>1</Response>"
    # Another accent, or another count, is another answer.
    assert replies.twiml((again, "fr-CA"), render) == "<Response>2</Response>"
    counted = Line("participants", (("count", 3),))
    assert replies.twiml((call_flow.goodbye(Language.FR, counted), None), render) == (
        "<Response>3</Response>"
    )
    clock.now += 5
    assert replies.twiml((again, None), render) == "<Response>4</Response>"


def test_replies_are_not_kept_when_the_time_kept_is_zero() -> None:
    replies = RenderedReplies(0, Clock())
    texts = iter(["<Response>a</Response>", "<Response>b</Response>"])
    reply = call_flow.goodbye(Language.ES)
    assert replies.twiml((reply, None), lambda: next(texts)) == "<Response>a</Response>"
    assert replies.twiml((reply, None), lambda: next(texts)) == "<Response>b</Response>"


async def test_kept_replies_give_callers_the_same_words(
    cached: Carrier, carrier: Carrier, settings: Settings
) -> None:
    """The same calls with everything kept and with nothing kept hear the same."""
    await provision_conference(settings)
    for digits in (["5555#"], ["1234#", "5555#"], ["*", "5555#"]):
        kept = [await cached.call(FR_NUMBER, digits=digits) for _ in range(2)]
        fresh = await carrier.call(FR_NUMBER, digits=digits)
        assert kept[0].said == kept[1].said == fresh.said
