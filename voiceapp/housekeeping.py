"""The server's periodic upkeep: seats whose hang-up was lost, seat counters, old rows,
meeting reminders.

It runs in every worker: once before the worker serves (without the carrier's checks,
which could keep it waiting for a slow API), then every VOICEAPP_HOUSEKEEPING_SECONDS,
with some jitter so that workers started together do not all run at once. Every step is
atomic and safe to run in several workers at the same time; the one that costs requests
to the carrier runs in one worker per period (`claim`). A step that fails (the database
may be away for a while) ends the round: one line in the log, and the next round tries
again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from voiceapp.carrier import rest
from voiceapp.conferencing import seat_counts, seat_upkeep
from voiceapp.core import attempt_limits
from voiceapp.core.models import HousekeepingRound
from voiceapp.core.settings import Settings
from voiceapp.scheduling import reminders

log = logging.getLogger(__name__)

# One round's step: a name for the log, and the work.
Step = tuple[str, Callable[[], Awaitable[object]]]


def steps(settings: Settings, carrier: rest.CarrierApi | None) -> list[Step]:
    # The seat counters first: on SQLite they are checked through the inline connection
    # (sqlite_inline), whose failure to open the database leaves nothing behind. The ORM's
    # SQLite client, once its first connection failed, waits for ever on its own lock
    # (tortoise-orm 1.1.9): a round whose first step failed goes no further.
    found: list[Step] = [
        ("seat counters", seat_counts.reconcile_seat_counts),
        ("seats past the call time limit", lambda: seat_upkeep.release_overdue(settings)),
    ]
    if carrier is not None:
        found.append(
            (
                "seats checked with the carrier",
                lambda: _once_per_period(
                    "carrier_check",
                    settings,
                    lambda: seat_upkeep.check_with_carrier(carrier, settings),
                ),
            )
        )
    found.append(("old PIN and login tries", lambda: attempt_limits.prune_expired(settings)))
    # Each reminder is keyed in the outbox: every worker may run this, each goes out once.
    found.append(("meeting reminders", lambda: reminders.queue_due(settings.mail_from)))
    return found


async def claim(job: str, period_seconds: float) -> bool:
    """Whether this worker is the one to run `job` now: the one whose conditional UPDATE
    moved its due time, so that N workers make one round of it per period, not N."""
    now = datetime.now(UTC)
    await HousekeepingRound.get_or_create(name=job, defaults={"due_at": now})
    moved = await HousekeepingRound.filter(name=job, due_at__lte=now).update(
        due_at=now + timedelta(seconds=period_seconds)
    )
    return moved == 1


async def _once_per_period(
    job: str, settings: Settings, work: Callable[[], Awaitable[object]]
) -> object:
    # A little under the period: a worker's jittered sleep may end early.
    if await claim(job, 0.75 * settings.housekeeping_seconds):
        return await work()
    return None


async def tidy(settings: Settings, carrier: rest.CarrierApi | None) -> bool:
    """One round of every step; False when one failed and the round stopped there."""
    for name, work in steps(settings, carrier):
        try:
            await work()
        except Exception as failure:  # one line; the next round tries again
            log.warning("housekeeping: %s failed: %s", name, type(failure).__name__)
            return False
    return True


async def at_start(settings: Settings) -> None:
    """The round a worker runs before it serves: what needs only the database."""
    await tidy(settings, None)


async def keep_house(settings: Settings) -> None:
    """Run `tidy` every housekeeping period, the carrier's checks included, until
    cancelled."""
    carrier = rest.CarrierApi(settings) if rest.configured(settings) else None
    if carrier is None:
        log.info(
            "TWILIO_ACCOUNT_SID is not set: a seat whose hang-up callbacks were all lost "
            "is freed only after the call time limit (%s s)",
            settings.call_time_limit_seconds,
        )
    try:
        while True:
            period = settings.housekeeping_seconds
            await asyncio.sleep(random.uniform(0.8 * period, 1.2 * period))  # noqa: S311
            await tidy(settings, carrier)
    finally:
        if carrier is not None:
            await carrier.close()
