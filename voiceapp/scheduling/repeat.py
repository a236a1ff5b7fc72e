"""The repeat patterns a series may use, and how iCalendar's RRULE writes them.

Outlook shows daily, weekly on chosen days and monthly on one day of the month; any
other RRULE turns the invitation into an attachment named "not supported calendar
message.ics". So those three are all a series may be, and the few shapes in which
calendar programs read one pattern differently are refused as well, with a sentence
saying what to choose instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from voiceapp.core.errors import InvalidInput
from voiceapp.core.i18n import N_
from voiceapp.scheduling.meeting_view import Frequency, RepeatRule, Weekday

# Outlook's "End after" accepts at most 999 occurrences.
MAX_OCCURRENCES = 999
# A day past the 28th is missing from some months: RFC 5545 (Google, Apple) skips those
# months, Outlook moves the meeting to the month's last day. Up to the 28th they agree.
LAST_SAFE_MONTH_DAY = 28
# The longest gap between two meetings of each pattern, to bound a series by its count.
_LONGEST_STEP = {
    Frequency.DAILY: timedelta(days=1),
    Frequency.WEEKLY: timedelta(days=7),
    Frequency.MONTHLY: timedelta(days=31),
}


def parse_frequency(typed: str) -> Frequency:
    """The pattern named in a form or on the command line ("weekly")."""
    try:
        return Frequency(typed.strip().lower())
    except ValueError:
        raise InvalidInput(
            # Translators: %(typed)s is what was asked for, in quotes (e.g. 'yearly').
            N_(
                "a meeting can repeat daily, weekly or monthly (what every calendar "
                "program shows), not %(typed)s"
            ),
            params={"typed": repr(typed)},
            field="repeat",
        ) from None


def check_repeat(start: datetime, rule: RepeatRule) -> None:
    """Refuse a series that some calendar program would not show as it was meant.

    `start` is the first meeting's start in its zone. The first meeting must itself fall
    on the pattern: RFC 5545 counts a DTSTART off the pattern as an extra meeting, while
    Outlook moves it to the first day that fits.
    """
    _check_end(start, rule)
    if rule.frequency is Frequency.DAILY:
        if rule.weekdays or rule.month_days:
            raise InvalidInput(
                N_("a daily repeat falls on every day: choose weekly to pick the days"),
                field="repeat",
            )
    elif rule.frequency is Frequency.WEEKLY:
        if rule.month_days:
            raise InvalidInput(
                N_("a weekly repeat falls on days of the week, not days of the month"),
                field="repeat_month_day",
            )
        if not rule.weekdays:
            raise InvalidInput(
                N_("choose the days of the week a weekly repeat falls on"),
                field="repeat_weekdays",
            )
        if Weekday.of(start.date()) not in rule.weekdays:
            raise InvalidInput(
                N_("the first meeting must fall on one of the days of the week it repeats on"),
                field="repeat_weekdays",
            )
    else:
        _check_monthly(start, rule)


def _check_end(start: datetime, rule: RepeatRule) -> None:
    if (rule.count is None) == (rule.until is None):
        raise InvalidInput(
            N_("a repeat ends after a number of meetings or on a last date: give one of the two"),
            field="repeat_count",
        )
    if rule.count is not None and not 1 <= rule.count <= MAX_OCCURRENCES:
        raise InvalidInput(
            N_("a repeat can have 1 to %(max)s meetings, not %(count)s"),
            params={"max": MAX_OCCURRENCES, "count": rule.count},
            field="repeat_count",
        )
    if rule.until is not None and rule.until < start.date():
        raise InvalidInput(
            N_("the repeat's last date is before the first meeting"), field="repeat_until"
        )


def _check_monthly(start: datetime, rule: RepeatRule) -> None:
    if rule.weekdays:
        raise InvalidInput(
            N_("a monthly repeat falls on a day of the month, not on days of the week"),
            field="repeat_weekdays",
        )
    if len(rule.month_days) != 1:
        raise InvalidInput(
            N_("a monthly repeat falls on exactly one day of the month"),
            field="repeat_month_day",
        )
    (day,) = rule.month_days
    if not 1 <= day <= LAST_SAFE_MONTH_DAY:
        raise InvalidInput(
            N_(
                "a monthly repeat can fall on days 1 to %(last)s only: calendar programs "
                "disagree about the months that have no day %(day)s"
            ),
            params={"last": LAST_SAFE_MONTH_DAY, "day": day},
            field="repeat_month_day",
        )
    if day != start.day:
        raise InvalidInput(
            N_(
                "a monthly repeat falls on the day of the month of the first meeting "
                "(%(start_day)s), not on day %(day)s"
            ),
            params={"start_day": start.day, "day": day},
            field="repeat_month_day",
        )


def until_utc(until: date, zone: ZoneInfo) -> datetime:
    """UNTIL for a series whose DTSTART has a TZID: RFC 5545 wants it in UTC. The end
    of the last day in the meeting's zone, so a meeting on that day still counts."""
    return datetime.combine(until, time(23, 59, 59), tzinfo=zone).astimezone(UTC)


def rrule(start: datetime, rule: RepeatRule) -> dict[str, Any]:
    """The RRULE's parts, as icalendar's vRecur takes them (checked first)."""
    check_repeat(start, rule)
    parts: dict[str, Any] = {"FREQ": rule.frequency.upper()}
    if rule.frequency is Frequency.WEEKLY:
        # In week order, each day once, as calendar programs write it themselves.
        parts["BYDAY"] = [day.value for day in sorted(set(rule.weekdays), key=_weekday_index)]
    elif rule.frequency is Frequency.MONTHLY:
        parts["BYMONTHDAY"] = list(rule.month_days)
    if rule.count is not None:
        parts["COUNT"] = rule.count
    else:
        assert rule.until is not None  # one of the two, checked above
        assert isinstance(start.tzinfo, ZoneInfo)
        parts["UNTIL"] = until_utc(rule.until, start.tzinfo)
    return parts


def latest_day(start: datetime, rule: RepeatRule | None) -> date:
    """A day on or after the series' last meeting (not necessarily that day): how far
    ahead the calendar's time-zone description must be right."""
    if rule is None:
        return start.date()
    if rule.until is not None:
        return rule.until
    assert rule.count is not None
    return start.date() + _LONGEST_STEP[rule.frequency] * rule.count


def _weekday_index(day: Weekday) -> int:
    return day.index
