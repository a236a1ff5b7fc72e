"""PIN guessing across calls, end to end through the emulator: counted per caller number
and per room over a sliding window, refused past the limit even with the right PIN, and
logged with CallSid and caller number but never the digits typed."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from voiceapp import ivr_prompts
from voiceapp.conferencing import seats
from voiceapp.core.models import Attempt, Language, Seat
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier, EmulatedCall
from voiceapp.emulator.inprocess import in_process_carrier

from .conftest import FR_NUMBER, make_settings, provision_conference

# Twelve digits: a CallSid (random hex) cannot contain them by chance, so finding them in
# the log means the digits were logged.
WRONG_PIN = "987654321098"
RIGHT_PIN = "4321"
GUESSER = "+33699000001"


@pytest.fixture
async def guarded(database_url: str, settings: Settings) -> AsyncIterator[Carrier]:
    """The conference, with a per-caller limit of 6 and a per-room limit of 9."""
    strict = make_settings(
        database_url,
        VOICEAPP_PIN_MAX_FAILURES_PER_CALLER="6",
        VOICEAPP_PIN_MAX_FAILURES_PER_ROOM="9",
    )
    async with in_process_carrier(strict) as carrier:
        await provision_conference(strict)
        yield carrier


def heard(key: str) -> str:
    return ivr_prompts.text(key, Language.FR)


async def guess(carrier: Carrier, caller: str, *pins: str) -> EmulatedCall:
    entries = ["1234#", *(f"{pin}#" for pin in pins)]
    return await carrier.call(FR_NUMBER, caller=caller, digits=entries, stay=True)


async def test_caller_locked_out_across_calls_even_with_right_pin(
    guarded: Carrier, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    first = await guess(guarded, GUESSER, WRONG_PIN, WRONG_PIN, WRONG_PIN)
    second = await guess(guarded, GUESSER, WRONG_PIN, WRONG_PIN, WRONG_PIN)
    for call in (first, second):
        assert call.said.count(heard("wrong_pin")) == 3
        assert heard("too_many_attempts") in call.said
    refused = await guess(guarded, GUESSER, RIGHT_PIN)
    assert heard("locked_out") in refused.said
    assert refused.conference is None
    assert not await Seat.exists(call_sid=refused.call_sid)

    failures = [r.getMessage() for r in caplog.records if "wrong PIN" in r.getMessage()]
    assert len(failures) == 6
    for call, lines in ((first, failures[:3]), (second, failures[3:])):
        assert all(f"call_sid={call.call_sid}" in line for line in lines)
        assert all(f"caller={GUESSER}" in line for line in lines)
    refusal = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refusal and f"call_sid={refused.call_sid}" in refusal[0]
    assert f"caller={GUESSER}" in refusal[0]
    assert WRONG_PIN not in caplog.text
    assert RIGHT_PIN not in caplog.text

    # Another caller is not locked out by this one's guesses (6 < the room's 9).
    other = await guess(guarded, "+33699000002", RIGHT_PIN)
    assert other.conference is not None
    await other.hangup()


async def test_room_locked_out_for_a_guesser_who_changes_number(guarded: Carrier) -> None:
    for n in range(3):
        call = await guess(guarded, f"+3369900010{n}", WRONG_PIN, WRONG_PIN, WRONG_PIN)
        assert heard("too_many_attempts") in call.said
    colleague = await guess(guarded, "+33699000200", RIGHT_PIN)
    assert heard("locked_out") in colleague.said
    assert colleague.conference is None


async def test_lockout_ends_when_failures_leave_the_window(
    guarded: Carrier, settings: Settings
) -> None:
    for _ in range(2):
        await guess(guarded, GUESSER, WRONG_PIN, WRONG_PIN, WRONG_PIN)
    assert heard("locked_out") in (await guess(guarded, GUESSER, RIGHT_PIN)).said
    # Age only the three oldest failures past the window: 3 recent ones remain, under 6.
    await age(await failures(3), settings)
    call = await guess(guarded, GUESSER, RIGHT_PIN)
    assert call.conference is not None
    await call.hangup()


async def test_refused_tries_do_not_make_the_lockout_last(
    guarded: Carrier, settings: Settings
) -> None:
    """Only compared PINs count: a guesser who keeps calling while locked out does not
    keep the lockout going once the failures that caused it have left the window."""
    for _ in range(2):
        await guess(guarded, GUESSER, WRONG_PIN, WRONG_PIN, WRONG_PIN)
    counted = await failures()
    assert len(counted) == 6
    for _ in range(6):
        assert heard("locked_out") in (await guess(guarded, GUESSER, WRONG_PIN)).said
    assert await failures() == counted
    await age(counted, settings)
    call = await guess(guarded, GUESSER, RIGHT_PIN)
    assert call.conference is not None
    await call.hangup()
    assert await failures() == counted  # the right PIN is not counted as a failure


async def failures(oldest: int | None = None) -> list[int]:
    """The counted failures of GUESSER's number, oldest first."""
    rows = Attempt.filter(key=f"pin:caller:{GUESSER}").order_by("attempted_at", "id")
    if oldest is not None:
        rows = rows.limit(oldest)
    return list(await rows.values_list("id", flat=True))


async def age(rows: list[int], settings: Settings) -> None:
    """Move these failures out of the window, as time would."""
    aged = seats.now() - timedelta(seconds=settings.pin_window_seconds + 1)
    await Attempt.filter(id__in=rows).update(attempted_at=aged)
