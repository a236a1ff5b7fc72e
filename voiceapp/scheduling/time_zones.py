"""The VTIMEZONE a series carries beside its DTSTART;TZID, written so Outlook reads it.

icalendar's Timezone.from_tzinfo (what Calendar.add_missing_timezones uses) lists every
daylight-saving change as an RDATE. Outlook ignores RDATE in a VTIMEZONE: it shifts the
summer meetings of a winter-started series by an hour and names the zone "West-Central
Africa". Google and Outlook themselves write one yearly RRULE per observance ("last
Sunday of March at 02:00"). So: find the zone's changes around the meeting, and when each
kind repeats every year on the same weekday of the same month, write that rule; a zone
whose changes follow no such rule (Morocco's, which stop for Ramadan) gets them listed as
RDATEs, right for every other program. (from_tzinfo also misses some of those changes:
Casablanca's of February 2027, with icalendar 7.3.)
"""

from __future__ import annotations

import calendar as month_calendar
import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_DAY = timedelta(days=1)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class _Change:
    """One change of a zone's offset: the instant, the offsets around it, what follows."""

    at: datetime  # UTC
    offset_from: timedelta
    offset_to: timedelta
    is_dst: bool
    name: str

    @property
    def onset(self) -> datetime:
        """The local time it happens at, in the offset before it (as VTIMEZONE's DTSTART)."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    @property
    def kind(self) -> tuple[timedelta, timedelta, bool, str]:
        return (self.offset_from, self.offset_to, self.is_dst, self.name)


def vtimezone(zone: ZoneInfo, first: date, last: date) -> Timezone:
    """A VTIMEZONE for `zone`, right for meetings from `first` to `last`.

    The observances start the year before `first`, so the one in force at the first
    meeting has begun by then (a winter start needs last autumn's change).
    """
    # A copy: the caller adds it to a calendar, and the cached one must stay as it is.
    return copy.deepcopy(_vtimezone(zone.key, first.year - 1, last.year + 1))


@lru_cache(maxsize=256)
def _vtimezone(key: str, first_year: int, last_year: int) -> Timezone:
    zone = ZoneInfo(key)
    changes = _changes(zone, first_year, last_year)
    timezone = Timezone()
    timezone.add("TZID", key)
    by_kind: dict[tuple[timedelta, timedelta, bool, str], list[_Change]] = {}
    for change in changes:
        by_kind.setdefault(change.kind, []).append(change)
    rules = [_yearly_rule(group, first_year, last_year) for group in by_kind.values()]
    if changes and all(rule is not None for rule in rules):
        for group, rule in zip(by_kind.values(), rules, strict=True):
            observance = _observance(group[0], group[0].onset)
            observance.add("RRULE", rule)
            timezone.add_component(observance)
        return timezone
    # No change in these years (Asia/Tokyo): one observance. Changes that follow no
    # yearly rule: the offset in force from the first year on, then every change listed
    # by its date (RDATE), which all programs but Outlook read.
    moment = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(zone)
    offset = moment.utcoffset() or timedelta(0)
    initial = _Change(moment, offset, offset, False, moment.tzname() or "")
    timezone.add_component(_observance(initial, initial.onset))
    for group in by_kind.values():
        observance = _observance(group[0], group[0].onset)
        if len(group) > 1:
            observance.add("RDATE", [change.onset for change in group[1:]])
        timezone.add_component(observance)
    return timezone


def _observance(change: _Change, onset: datetime) -> TimezoneStandard | TimezoneDaylight:
    observance = TimezoneDaylight() if change.is_dst else TimezoneStandard()
    observance.add("DTSTART", onset)
    observance.add("TZOFFSETFROM", change.offset_from)
    observance.add("TZOFFSETTO", change.offset_to)
    if change.name:
        observance.add("TZNAME", change.name)
    return observance


def _yearly_rule(group: list[_Change], first_year: int, last_year: int) -> dict[str, object] | None:
    """FREQ=YEARLY;BYMONTH=m;BYDAY=nDD when every change of the group, one a year, falls
    on the same weekday of the same month at the same time; None when they do not."""
    onsets = [change.onset for change in group]
    if [onset.year for onset in onsets] != list(range(first_year, last_year + 1)):
        return None
    month, weekday, clock = onsets[0].month, onsets[0].weekday(), onsets[0].time()
    if any((o.month, o.weekday(), o.time()) != (month, weekday, clock) for o in onsets):
        return None
    for nth in (-1, (onsets[0].day - 1) // 7 + 1):
        if all(_nth_weekday(o.year, month, weekday, nth) == o.day for o in onsets):
            return {"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": f"{nth}{_WEEKDAYS[weekday]}"}
    return None


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> int:
    """The day of the month of its nth `weekday` (-1: the last one)."""
    days = [
        week[weekday] for week in month_calendar.monthcalendar(year, month) if week[weekday] != 0
    ]
    return days[nth - 1] if nth > 0 else days[nth]


def _changes(zone: ZoneInfo, first_year: int, last_year: int) -> list[_Change]:
    """Every change of `zone`'s offset, DST flag or name in those years, to the second."""
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    days = (datetime(last_year + 1, 1, 1, tzinfo=UTC) - start).days
    moments = [start + day * _DAY for day in range(days + 1)]
    changes = []
    for before, after in pairwise(moments):
        if _state(zone, before) != _state(zone, after):
            changes.append(_change_between(zone, before, after))
    return changes


def _state(zone: ZoneInfo, moment: datetime) -> tuple[timedelta | None, timedelta | None, str]:
    local = moment.astimezone(zone)
    return (local.utcoffset(), local.dst(), local.tzname() or "")


def _change_between(zone: ZoneInfo, before: datetime, after: datetime) -> _Change:
    """Bisect a day in which the zone changed, down to the second it did."""
    was = _state(zone, before)
    low, high = before, after  # state(low) == was != state(high)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if _state(zone, middle) == was:
            low = middle
        else:
            high = middle
    local_before, local_after = low.astimezone(zone), high.astimezone(zone)
    offset_from = local_before.utcoffset() or timedelta(0)
    offset_to = local_after.utcoffset() or timedelta(0)
    return _Change(
        at=high,
        offset_from=offset_from,
        offset_to=offset_to,
        # DAYLIGHT is the observance that moves clocks forward. tzdata flags Irish winter
        # time as DST ("negative DST"); calendar programs, Outlook's model included, read
        # DAYLIGHT as the summer hour and shift the hour after each change otherwise.
        is_dst=offset_to > offset_from,
        name=local_after.tzname() or "",
    )
