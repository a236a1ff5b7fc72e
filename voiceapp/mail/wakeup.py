"""The nudge from `outbox.queue` to this process's sender, so that new mail goes out at
once instead of at the sender's next look (a few seconds later)."""

from __future__ import annotations

import asyncio


class Wakeup:
    """An asyncio.Event for the sender's event loop. An Event belongs to the loop that
    first waits on it; the test suite runs one loop per test, so a new loop gets a new
    Event, and a nudge from another loop (or with no sender listening) is dropped."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def notify(self) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._event is not None and running is self._loop:
            self._event.set()

    async def wait(self, seconds: float) -> bool:
        """Wait for a nudge, `seconds` at most; whether one came."""
        running = asyncio.get_running_loop()
        if self._event is None or self._loop is not running:
            self._event, self._loop = asyncio.Event(), running
        try:
            async with asyncio.timeout(seconds):
                await self._event.wait()
        except TimeoutError:
            return False
        finally:
            self._event.clear()
        return True


# The one per process: `outbox.queue` notifies, `delivery_loop` waits.
wakeup = Wakeup()
