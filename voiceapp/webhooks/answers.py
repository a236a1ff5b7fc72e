"""Each worker's memory of the first answer for each of our numbers.

The first webhook of a call is the one the caller waits on, and for a given dialled number
its TwiML is the same for every call (the greeting and the question; what differs comes on
later webhooks). So each worker keeps the rendered answer for `seconds` and then builds
it again: a number remapped, or a greeting replaced, reaches callers within that time.
An unmapped number is never kept, so a number mapped a moment ago works at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class AnswerCache:
    # Past this many numbers the memory starts over rather than grow without bound.
    MAX_ENTRIES = 10_000

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._entries: dict[str, tuple[float, str]] = {}

    def get(self, called: str) -> str | None:
        kept = self._entries.get(called)
        if kept is None or kept[0] <= self.clock():
            return None
        return kept[1]

    def put(self, called: str, twiml: str) -> None:
        if self.seconds <= 0:
            return
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[called] = (self.clock() + self.seconds, twiml)
