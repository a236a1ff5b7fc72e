"""Each worker's memory of the first answer for each of our numbers.

The first webhook of a call is the one the caller waits on, and for a given dialled number
its TwiML is the same for every call (the greeting and the question; what differs comes on
later webhooks). So each worker keeps the rendered answer for `seconds` and then builds
it again: a number remapped, or a greeting replaced, reaches callers within that time.
An unmapped number is never kept, so a number mapped a moment ago works at once.

One build runs at a time per number, and while it runs callers get the answer that just
expired. Without that, every call arriving in the same instant would query the database
at once; under load those queries queue on the connection and each waits a full turn of
a busy event loop (measured: 1.2 s for 50 of them).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# Builds an answer for a number, or None when the number is not ours (nothing to keep).
Build = Callable[[], Awaitable[str | None]]


class AnswerCache:
    # Past this many numbers the memory starts over rather than grow without bound.
    MAX_ENTRIES = 10_000

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._entries: dict[str, tuple[float, str]] = {}
        self._building: dict[str, asyncio.Task[str | None]] = {}

    async def answer(self, called: str, build: Build) -> str | None:
        """The answer for `called`: kept, the one just expired while a fresh one is built,
        or built now (shared with any other call waiting for the same number)."""
        if self.seconds <= 0:
            return await build()
        kept = self._entries.get(called)
        if kept is not None and kept[0] > self.clock():
            return kept[1]
        task = self._building.get(called)
        if task is None:
            task = asyncio.create_task(self._build(called, build))
            self._building[called] = task
            if kept is not None:
                # A refresh behind a kept answer: nobody awaits it, so this reports it.
                task.add_done_callback(self._report)
        if kept is not None:
            return kept[1]
        return await task

    async def _build(self, called: str, build: Build) -> str | None:
        try:
            answer = await build()
            if answer is None:
                self._entries.pop(called, None)
            else:
                if len(self._entries) >= self.MAX_ENTRIES:
                    self._entries.clear()
                self._entries[called] = (self.clock() + self.seconds, answer)
            return answer
        finally:
            del self._building[called]

    @staticmethod
    def _report(task: asyncio.Task[str | None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("building a kept answer failed", exc_info=task.exception())
