"""A meeting's sittings: its series expanded, each one in UTC, for the overlap rule and
the reminders (the Occurrence rows).

A series is expanded in wall-clock time in the meeting's zone, as calendar programs
expand its RRULE beside a DTSTART with a TZID: a weekly 10:00 meeting in Paris is at
10:00 on both sides of the last Sunday of March (08:00 UTC in summer, 09:00 in winter).
A repeat falling in the hour the clocks skip is moved past it, and one in the hour they
show twice takes the first, as RFC 5545 says (zoneinfo's fold=0 does both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from itertools import islice
from typing import Literal

from dateutil import rrule

from voiceapp.core.errors import InvalidInput
from voiceapp.core.i18n import N_
from voiceapp.scheduling.meeting_view import Frequency, RepeatRule
from voiceapp.scheduling.repeat import MAX_OCCURRENCES, check_repeat

# As many meetings as a series may have however it ends (by count, repeat.check_repeat
# refuses more; by date, this module does), so the rows and the overlap check stay small.
MAX_SITTINGS = MAX_OCCURRENCES
_FREQUENCIES: dict[Frequency, Literal[0, 1, 2, 3, 4, 5, 6]] = {
    Frequency.DAILY: rrule.DAILY,
    Frequency.WEEKLY: rrule.WEEKLY,
    Frequency.MONTHLY: rrule.MONTHLY,
}


@dataclass(frozen=True)
class Sitting:
    """One meeting of a series (or the one meeting), in UTC."""

    starts_at: datetime
    ends_at: datetime


def local_starts(start: datetime, rule: RepeatRule | None) -> list[datetime]:
    """Every start of the series, wall-clock in `start`'s zone, the first being `start`.

    Refuses a pattern some calendar would show otherwise (repeat.check_repeat) and a
    series of more than MAX_SITTINGS meetings."""
    if rule is None:
        return [start]
    check_repeat(start, rule)
    zone = start.tzinfo
    until = None
    if rule.until is not None:
        until = datetime.combine(rule.until, time(23, 59, 59))
    series = rrule.rrule(
        _FREQUENCIES[rule.frequency],
        dtstart=start.replace(tzinfo=None),
        count=rule.count,
        until=until,
        byweekday=sorted({day.index for day in rule.weekdays}) or None,
        bymonthday=list(rule.month_days) or None,
    )
    starts: list[datetime] = list(islice(series, MAX_SITTINGS + 1))
    if len(starts) > MAX_SITTINGS:
        raise InvalidInput(
            N_(
                "a series has at most %(max)s meetings: choose an earlier last date "
                "or a number of meetings"
            ),
            params={"max": MAX_SITTINGS},
            field="repeat_until",
        )
    # The first keeps the fold the organizer chose (booking.resolve_start); the others
    # take fold=0, the first of a repeated hour.
    return [start] + [moment.replace(tzinfo=zone) for moment in starts[1:]]


def sittings(start: datetime, duration: timedelta, rule: RepeatRule | None) -> list[Sitting]:
    """The series' meetings in UTC, each lasting `duration` (elapsed time)."""
    found = []
    for local in local_starts(start, rule):
        begins = local.astimezone(UTC)
        found.append(Sitting(begins, begins + duration))
    return found
