"""Freeing the seats whose hang-up never reached us, and only those.

The carrier tells us a caller left through callbacks (participant-leave, conference-end,
the call's status callback) that it sends once and never retries. When all of them are
lost (the database was unreachable while they came, say), the seat would stay taken
forever; when only the participant-join is lost, the seat must NOT be freed, since the
caller is in the conference. So a seat is freed by one of two rules, never by a guess:

- the carrier says the call is over: with REST credentials (TWILIO_ACCOUNT_SID), each seat
  whose join was not confirmed within VOICEAPP_SEAT_HOLD_SECONDS, and each joined seat,
  is checked against the carrier's Calls API at every housekeeping round;
- the call cannot still be on: its time limit (<Dial timeLimit>, VOICEAPP_CALL_TIME_LIMIT)
  has passed since the seat was taken, and the carrier hangs up every call at its limit.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import Q, Subquery

from voiceapp.carrier.rest import CALL_OVER, CarrierApi, CarrierError
from voiceapp.conferencing import seats
from voiceapp.core.models import EmulatedCarrier, Seat, SeatState
from voiceapp.core.settings import Settings

log = logging.getLogger(__name__)

# Calls asked about at once: a full bridge (10 rooms of 10) is checked in a few round trips
# without opening a hundred connections to the carrier.
CONCURRENT_CHECKS = 8


@dataclass(frozen=True)
class CarrierCheck:
    asked: int = 0  # seats whose call the carrier was asked about
    freed: int = 0  # seats freed because the carrier said the call is over
    unanswered: int = 0  # seats left as they were: the carrier could not say


async def release_overdue(settings: Settings) -> int:
    return await seats.release_overdue(settings.seat_overdue_seconds)


async def check_with_carrier(api: CarrierApi, settings: Settings) -> CarrierCheck:
    """Ask the carrier about every seat that a lost callback could have left behind, and
    free those whose call is over (or unknown to the carrier)."""
    unconfirmed_since = seats.now() - timedelta(seconds=settings.seat_hold_seconds)
    to_check = (
        await Seat.filter(
            Q(state__in=(SeatState.JOINED, SeatState.IN_MENU, SeatState.REMOVED))
            | Q(state=SeatState.RESERVED, reserved_at__lt=unconfirmed_since)
        )
        # Not the calls of a built-in emulator (test calls): unknown to the carrier,
        # which would have their seats freed mid-call.
        .exclude(account_sid__in=Subquery(EmulatedCarrier.all().values("account_sid")))
        .values_list("call_sid", flat=True)
    )
    if not to_check:
        return CarrierCheck()
    limit = asyncio.Semaphore(CONCURRENT_CHECKS)

    async def check(call_sid: str) -> bool | None:
        """True: freed; False: the call is on; None: the carrier could not say."""
        async with limit:
            try:
                status = await api.call_status(call_sid)
            except CarrierError as failure:
                log.warning("seat of call %s not checked: %s", call_sid, failure)
                return None
        if status is not None and status not in CALL_OVER:
            return False
        if not await seats.release_seat(call_sid):
            return False  # freed meanwhile by its own callback
        log.warning(
            "seat of call %s freed: the carrier says the call is %s, its hang-up never reached us",
            call_sid,
            status or "unknown",
        )
        return True

    results = await asyncio.gather(*(check(str(call_sid)) for call_sid in to_check))
    return CarrierCheck(
        asked=len(results),
        freed=sum(1 for result in results if result),
        unanswered=sum(1 for result in results if result is None),
    )
