"""The seat counter is checked against the seat rows, set right and the drift logged."""

from __future__ import annotations

import asyncio
import logging

import pytest

from voiceapp.conferencing import seat_counts
from voiceapp.core.db import database
from voiceapp.core.models import Room, Seat
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.emulator.inprocess import in_process_carrier

from .conftest import FR_NUMBER, provision_conference


async def test_a_drifted_counter_is_set_right_and_logged(
    conference: Carrier, caplog: pytest.LogCaptureFixture
) -> None:
    call = await conference.call(FR_NUMBER, digits=["5555#"], stay=True)
    room = await Room.get(conference_id="5555")
    # A counter written behind the seat SQL's back, as a whole-row save once did.
    await Room.filter(id=room.pk).update(seats_taken=7)
    with caplog.at_level(logging.ERROR, logger="voiceapp.conferencing.seat_counts"):
        drifts = await seat_counts.reconcile_seat_counts()
    assert drifts == [seat_counts.Drift(room.pk, 7, 1)]
    assert (await Room.get(pk=room.pk)).seats_taken == 1
    assert "counted 7 seats but holds 1" in caplog.text
    assert await seat_counts.reconcile_seat_counts() == []  # nothing left to set right
    await call.hangup()
    assert (await Room.get(pk=room.pk)).seats_taken == 0


async def test_reconciling_while_callers_come_and_go_finds_no_drift(conference: Carrier) -> None:
    """The check runs beside live traffic: it must never see a seat half taken or half
    freed and "correct" a counter that was right (PostgreSQL: the room's row lock)."""
    done = asyncio.Event()

    async def traffic() -> None:
        async def caller(n: int) -> None:
            for _ in range(4):
                call = await conference.call(
                    FR_NUMBER, caller=f"+3361{n:07d}", digits=["5555#"], stay=True
                )
                await call.hangup()

        try:
            await asyncio.gather(*(caller(n) for n in range(12)))
        finally:
            done.set()

    async def reconcile() -> list[seat_counts.Drift]:
        found: list[seat_counts.Drift] = []
        for _ in range(500):
            if done.is_set():
                break
            found += await seat_counts.reconcile_seat_counts()
            await asyncio.sleep(0)
        return found

    _, drifts = await asyncio.gather(traffic(), reconcile())
    assert drifts == []
    room = await Room.get(conference_id="5555")
    assert room.seats_taken == await Seat.filter(room=room).count() == 0


async def test_a_server_sets_drifted_counters_right_before_it_serves(settings: Settings) -> None:
    async with database(settings.database_url):
        await provision_conference(settings)
        await Room.filter(conference_id="5555").update(seats_taken=3)
    async with in_process_carrier(settings):
        assert (await Room.get(conference_id="5555")).seats_taken == 0
