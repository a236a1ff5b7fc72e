"""What a change in a conference sets off, carried out after it and in order.

A carrier changes a conference at once (a REST request is answered with the new state)
and tells the app afterwards: its status callbacks arrive later, one after another, and a
caller taken out of the room goes on only once the app has been told. Each conference has
one `Deliveries`: steps queued in the order of the changes, run one at a time by a task of
its own, so that no caller and no REST request waits on the app, and the app never hears
of two changes out of order.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Step = Callable[[], Awaitable[None]]


class Deliveries:
    def __init__(self) -> None:
        self._steps: deque[Step] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def put(self, step: Step) -> None:
        self._steps.append(step)
        self._idle.clear()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run())

    def then(self, action: Callable[[], None]) -> None:
        """Queue something instantaneous (a line in a transcript, a caller let go)."""

        async def step() -> None:
            action()

        self.put(step)

    async def flush(self) -> None:
        """Return once every step queued so far has been carried out. A caller cancelled
        meanwhile (Ctrl-C) does not cancel the steps: the app is told all the same."""
        await asyncio.shield(self._idle.wait())

    async def _run(self) -> None:
        while self._steps:
            step = self._steps.popleft()
            try:
                await step()
            except Exception:  # one failed delivery must not stop the ones after it
                log.exception("emulator: a conference's delivery failed")
        self._idle.set()
