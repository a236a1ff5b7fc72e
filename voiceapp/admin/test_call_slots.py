"""Each worker's test calls: one emulated carrier for them all, and how many each admin has.

One Carrier per worker (TestCallCarrier), so that two test calls to one room are in one
conference as on a carrier, with an account of its own whose REST API it serves on
loopback and registers in the database while the worker runs: the Live page's controls
reach a test call through the AccountSid its webhooks carry. It starts with the worker's
first test call and stops with the worker (stop_emulator, from the app's lifespan).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from contextlib import AsyncExitStack
from typing import cast

import httpx
from starlette.applications import Starlette

from voiceapp.carrier import accounts
from voiceapp.core.settings import Settings
from voiceapp.emulator.carrier import Carrier
from voiceapp.emulator.rest_api import serving_rest_api
from voiceapp.emulator.sids import random_account_sid

log = logging.getLogger(__name__)

# Test calls at once per admin in one worker: enough to hear a room with two callers, too
# few to fill rooms from the page.
MAX_CALLS_PER_ADMIN = 2


class TestCallCarrier:
    """This worker's emulated carrier for its test calls: one Carrier, so that two test
    calls to one room are in one conference as on a carrier, and its REST API, served and
    registered (carrier.accounts) while the worker runs."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self) -> None:
        self._carrier: Carrier | None = None
        self._running = AsyncExitStack()
        self._starting = asyncio.Lock()

    async def carrier(self, app: Starlette, settings: Settings) -> Carrier:
        async with self._starting:
            if self._carrier is None:
                self._carrier = await self._start(app, settings)
            return self._carrier

    async def _start(self, app: Starlette, settings: Settings) -> Carrier:
        # A fault of ours reaches the emulator as a 500, as it would reach a carrier,
        # and the transcript says what the caller would hear then.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url=settings.public_url)
        await self._running.enter_async_context(client)
        carrier = Carrier(
            client,
            settings.public_url,
            settings.auth_token,
            media_dir=settings.media_dir,
            account_sid=random_account_sid(),
        )
        try:
            api_url = await self._running.enter_async_context(serving_rest_api(carrier))
            await accounts.register_emulator(carrier.account_sid, api_url)
        except Exception:  # the test calls work all the same, out of the Live controls' reach
            log.exception("test calls: cannot serve or register the emulator's REST API")
        else:
            self._running.push_async_callback(accounts.forget_emulator, carrier.account_sid)
        return carrier

    async def stop(self) -> None:
        async with self._starting:
            self._carrier = None
            await self._running.aclose()


class CallSlots:
    """This worker's test calls: how many each admin has, and the carrier they go through."""

    def __init__(self) -> None:
        self.by_admin: Counter[int] = Counter()
        self.network = TestCallCarrier()

    def claim(self, admin_id: int) -> bool:
        if self.by_admin[admin_id] >= MAX_CALLS_PER_ADMIN:
            return False
        self.by_admin[admin_id] += 1
        return True

    def release(self, admin_id: int) -> None:
        self.by_admin[admin_id] -= 1
        if self.by_admin[admin_id] <= 0:
            del self.by_admin[admin_id]


def call_slots(app: Starlette) -> CallSlots:
    slots = getattr(app.state, "test_calls", None)
    if slots is None:
        slots = app.state.test_calls = CallSlots()
    return cast(CallSlots, slots)


async def stop_emulator(app: Starlette) -> None:
    """The worker stops: so does its test calls' carrier (REST API, registration)."""
    slots = getattr(app.state, "test_calls", None)
    if slots is not None:
        await cast(CallSlots, slots).network.stop()
