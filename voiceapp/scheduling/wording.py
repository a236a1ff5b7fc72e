"""Dates, times, durations and repeats written for a reader's language, with babel.

Times are always given in the meeting's own zone, with its UTC offset and the zone's
name, so an invitee elsewhere can tell what it means for them:
"lundi 7 décembre 2026 à 10:00 (UTC+01:00, heure : France)".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    format_date,
    format_datetime,
    format_time,
    format_timedelta,
    get_date_format,
    get_day_names,
    get_time_format,
    get_timezone_location,
)
from babel.lists import format_list
from babel.units import format_unit

from voiceapp.core.i18n import N_, N_plural, format_message
from voiceapp.scheduling.meeting_view import Frequency, RepeatRule

# Zones babel can only call "unknown region": shown by their name alone.
_UTC_ZONES = {"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Etc/Zulu", "Universal"}


def labelled(label: str, value: str, language: str) -> str:
    """A label and its value: "Duration: 45 min", "Durée : 45 min" (French spaces its colon)."""
    return format_message(
        language,
        # Translators: a label and its value, as in "Duration: 45 min".
        N_("%(label)s: %(value)s"),
        {"label": label, "value": value},
    )


def when_text(start: datetime, language: str) -> str:
    """The full date and time in the start's own zone, with its offset and zone name."""
    return f"{date_time_text(start, language)} ({zone_text(start, language)})"


def date_time_text(moment: datetime, language: str) -> str:
    """The full date and the time: "lundi 7 décembre 2026 à 10:00"."""
    locale = Locale.parse(language)
    # CLDR's "at" form of the date-time pattern where the language has one (fr, en);
    # the plain one otherwise (es).
    glue = locale.datetime_formats_relative.get("full") or locale.datetime_formats["full"]
    pattern = glue.replace("{1}", get_date_format("full", locale).pattern).replace(
        "{0}", get_time_format("short", locale).pattern
    )
    return format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=locale)


def date_text(day: date, language: str) -> str:
    return format_date(day, "full", locale=language)


def time_text(clock: time, language: str) -> str:
    return format_time(clock, "short", locale=language)


def offset_text(moment: datetime) -> str:
    """The offset as UTC+01:00, spelled so in every language (CLDR says GMT in some)."""
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_text(moment: datetime, language: str) -> str:
    """The offset at that moment and the zone's name: "UTC+01:00, heure : France"."""
    zone = moment.tzinfo
    key = zone.key if isinstance(zone, ZoneInfo) else None
    if key is None or key in _UTC_ZONES:
        return offset_text(moment)
    return f"{offset_text(moment)}, {get_timezone_location(zone, locale=language)}"


def duration_text(duration: timedelta, language: str) -> str:
    """Hours and minutes ("1 h 30 min"), never rounded as format_timedelta does."""
    minutes = int(duration.total_seconds()) // 60
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(format_unit(hours, "duration-hour", length="short", locale=language))
    if minutes or not hours:
        parts.append(format_unit(minutes, "duration-minute", length="short", locale=language))
    return " ".join(parts)


def lead_time_text(lead: timedelta, language: str) -> str:
    """How long until a meeting: "in 15 minutes", "dans 1 heure", "dentro de 1 día"."""
    return format_timedelta(lead, add_direction=True, threshold=1.0, locale=language)


def repeat_text(rule: RepeatRule, language: str) -> str:
    """The series in words: "Every week on Monday and Thursday, until Friday, May 1, 2026"."""
    if rule.frequency is Frequency.DAILY:
        pattern = format_message(language, N_("Every day"))
    elif rule.frequency is Frequency.WEEKLY:
        names = get_day_names("wide", locale=language)
        days = [names[day.index] for day in sorted(set(rule.weekdays), key=lambda d: d.index)]
        pattern = format_message(
            language,
            # Translators: %(days)s lists days of the week ("Monday and Thursday").
            N_("Every week on %(days)s"),
            {"days": format_list(days, locale=language)},
        )
    else:
        pattern = format_message(
            language,
            # Translators: %(day)s is a day of the month, 1 to 28.
            N_("Every month on day %(day)s"),
            {"day": ", ".join(str(day) for day in rule.month_days)},
        )
    if rule.count is not None:
        return format_message(
            language,
            N_plural("%(pattern)s, %(count)s meeting", "%(pattern)s, %(count)s meetings"),
            {"pattern": pattern, "count": rule.count},
        )
    assert rule.until is not None
    return format_message(
        language,
        N_("%(pattern)s, until %(date)s"),
        {"pattern": pattern, "date": date_text(rule.until, language)},
    )
