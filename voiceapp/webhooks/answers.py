"""Each worker's memory of the answers it gave: kept for `seconds`, then built again.

Two things are kept, both for VOICEAPP_DIRECTORY_CACHE_SECONDS (0 keeps nothing):

- `AnswerCache`: the first answer for each of our numbers. The first webhook of a call
  is the one the caller waits on, and for a given dialled number its TwiML is the same
  for every call (the greeting and the question; what differs comes on later webhooks).
  A number remapped, or a greeting replaced, reaches callers within that time. An
  unmapped number is never kept, so a number mapped a moment ago works at once.
- `RenderedReplies`: the TwiML of each reply of the call flow. A reply is a value (what
  to say, what comes next), and the same reply renders to the same TwiML, save that our
  audio files may appear or go (`voiceapp prompts render`, a greeting uploaded): that
  too reaches callers within the time kept. Rendering and serialising TwiML is about
  40% of a webhook's work in Python; a call flow has a few hundred distinct replies.

One build runs at a time per number, and while it runs callers get the answer that just
expired. Without that, every call arriving in the same instant would query the database
at once; under load those queries queue on the connection and each waits a full turn of
a busy event loop (measured: 1.2 s for 50 of them).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)

# Builds an answer for a number, or None when the number is not ours (nothing to keep).
Build = Callable[[], Awaitable[str | None]]
Clock = Callable[[], float]


class Kept:
    """Texts by key, each until `seconds` after it was put."""

    # Past this many keys the memory starts over rather than grow without bound.
    MAX_ENTRIES = 10_000

    def __init__(self, seconds: float, clock: Clock = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._entries: dict[Hashable, tuple[float, str]] = {}

    def fresh(self, key: Hashable) -> str | None:
        """The text kept for `key` while it has not expired."""
        kept = self._entries.get(key)
        if kept is not None and kept[0] > self.clock():
            return kept[1]
        return None

    def stale(self, key: Hashable) -> str | None:
        """The text kept for `key`, expired or not."""
        kept = self._entries.get(key)
        return kept[1] if kept is not None else None

    def put(self, key: Hashable, text: str) -> None:
        if self.seconds <= 0:
            return
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (self.clock() + self.seconds, text)

    def forget(self, key: Hashable) -> None:
        self._entries.pop(key, None)


class RenderedReplies:
    """The TwiML of each reply (with the accent it is said in), rendered once per time
    kept. `render` is only called when nothing fresh is kept."""

    def __init__(self, seconds: float, clock: Clock = time.monotonic) -> None:
        self._kept = Kept(seconds, clock)

    def twiml(self, reply: Hashable, render: Callable[[], str]) -> str:
        text = self._kept.fresh(reply)
        if text is None:
            text = render()
            self._kept.put(reply, text)
        return text


class AnswerCache:
    def __init__(self, seconds: float, clock: Clock = time.monotonic) -> None:
        self._kept = Kept(seconds, clock)
        self._building: dict[str, asyncio.Task[str | None]] = {}

    async def answer(self, called: str, build: Build) -> str | None:
        """The answer for `called`: kept, the one just expired while a fresh one is built,
        or built now (shared with any other call waiting for the same number)."""
        if self._kept.seconds <= 0:
            return await build()
        fresh = self._kept.fresh(called)
        if fresh is not None:
            return fresh
        kept = self._kept.stale(called)
        task = self._building.get(called)
        if task is None:
            task = asyncio.create_task(self._build(called, build))
            self._building[called] = task
            if kept is not None:
                # A refresh behind a kept answer: nobody awaits it, so this reports it.
                task.add_done_callback(self._report)
        if kept is not None:
            return kept
        return await task

    async def _build(self, called: str, build: Build) -> str | None:
        try:
            answer = await build()
            if answer is None:
                self._kept.forget(called)
            else:
                self._kept.put(called, answer)
            return answer
        finally:
            del self._building[called]

    @staticmethod
    def _report(task: asyncio.Task[str | None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("building a kept answer failed", exc_info=task.exception())
