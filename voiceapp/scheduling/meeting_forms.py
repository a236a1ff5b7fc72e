"""A meeting as a form or the CLI gives it: text as typed, checked into values here.

MeetingForm is a new meeting; MeetingChange the fields of an existing one to change
(None leaves a field as it is). Every error names its field, as the page's form does:
room, subject, details, organizer_name, start, fold, time_zone, duration, repeat,
repeat_weekdays, repeat_month_day, repeat_count, repeat_until, reminder, invitees,
contacts, groups, uninvite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from voiceapp.core.errors import InvalidInput
from voiceapp.core.i18n import N_
from voiceapp.core.names import NAME_MAX
from voiceapp.scheduling.guest_lists import Person
from voiceapp.scheduling.meeting_view import Frequency, RepeatRule, Weekday
from voiceapp.scheduling.repeat import parse_frequency

# The page's default, and the CLI's: invitees are reminded a quarter of an hour before.
DEFAULT_REMINDER_MINUTES = 15


@dataclass(frozen=True)
class RepeatForm:
    """How a series repeats, as typed. `frequency` none (or empty), daily, weekly or
    monthly. Weekly without days falls on the first meeting's weekday; monthly without
    a day on the first meeting's day of the month. It ends after `count` meetings or on
    `until` (YYYY-MM-DD), one of the two."""

    frequency: str = "none"
    weekdays: Sequence[str] = ()  # "MO", "TH" (or one "MO,TH")
    month_day: int | str | None = None
    count: int | str | None = None
    until: str | None = None


@dataclass(frozen=True)
class MeetingForm:
    room: str  # its conference ID
    subject: str
    start: str  # "YYYY-MM-DD HH:MM", wall-clock in time_zone
    duration: int | str  # minutes
    time_zone: str  # IANA, e.g. Europe/Paris
    details: str = ""
    # How invitations name the organizer; empty: the account's display name (or username).
    organizer_name: str = ""
    # When the start happens twice (the clocks go back): "first" or "second".
    fold: str | None = None
    people: Sequence[str | Person] = ()
    contact_ids: Sequence[int] = ()
    groups: Sequence[str] = ()
    repeat: RepeatForm = field(default_factory=RepeatForm)
    reminder: int | str | None = DEFAULT_REMINDER_MINUTES  # minutes; None or 0: none


@dataclass(frozen=True)
class MeetingChange:
    """What to change in a meeting; None (or empty) leaves it as it is."""

    room: str | None = None
    subject: str | None = None
    details: str | None = None
    organizer_name: str | None = None
    start: str | None = None
    fold: str | None = None
    time_zone: str | None = None
    duration: int | str | None = None
    repeat: RepeatForm | None = None
    # Minutes; "0" or "none": no reminder any more.
    reminder: int | str | None = None
    invite: Sequence[str | Person] = ()
    invite_contact_ids: Sequence[int] = ()
    invite_groups: Sequence[str] = ()
    uninvite: Sequence[str] = ()  # e-mail addresses


def check_organizer_name(raw: str, fallback: str, *, field: str = "organizer_name") -> str:
    text = " ".join(raw.split()) or fallback
    if len(text) > NAME_MAX:
        raise InvalidInput(
            N_("the organizer's name must be at most %(max)s characters"),
            params={"max": NAME_MAX},
            field=field,
        )
    return text


def parse_weekdays(raw: Sequence[str], *, field: str = "repeat_weekdays") -> tuple[Weekday, ...]:
    days: list[Weekday] = []
    for item in raw:
        for token in item.replace(" ", ",").split(","):
            if not token:
                continue
            try:
                day = Weekday(token.strip().upper()[:2])
            except ValueError:
                raise InvalidInput(
                    # Translators: MO TU WE TH FR SA SU are the codes to type, as they are.
                    N_("%(typed)s is not a day of the week: use MO, TU, WE, TH, FR, SA or SU"),
                    params={"typed": repr(token[:20])},
                    field=field,
                ) from None
            if day not in days:
                days.append(day)
    return tuple(days)


def _number(raw: int | str, field: str) -> int:
    try:
        return int(str(raw).strip())
    except ValueError:
        raise InvalidInput(
            # Translators: %(typed)s is what was typed, in quotes.
            N_("%(typed)s is not a whole number"),
            params={"typed": repr(str(raw)[:20])},
            field=field,
        ) from None


def _optional_number(raw: int | str | None, field: str) -> int | None:
    """None when nothing was typed."""
    if raw is None or str(raw).strip() == "":
        return None
    return _number(raw, field)


def parse_repeat(form: RepeatForm, start: datetime) -> RepeatRule | None:
    """The series `form` asks for, starting at `start` (its checks are repeat's and
    occurrences', run when the series is expanded); None for a single meeting."""
    if not form.frequency.strip() or form.frequency.strip().lower() == "none":
        return None
    frequency = parse_frequency(form.frequency)
    weekdays = parse_weekdays(form.weekdays)
    day = _optional_number(form.month_day, "repeat_month_day")
    month_days = (day,) if day is not None else ()
    if frequency is Frequency.WEEKLY and not weekdays:
        weekdays = (Weekday.of(start.date()),)
    if frequency is Frequency.MONTHLY and not month_days:
        month_days = (start.day,)
    count = _optional_number(form.count, "repeat_count")
    until = None
    if form.until is not None and form.until.strip():
        try:
            until = date.fromisoformat(form.until.strip())
        except ValueError:
            raise InvalidInput(
                # Translators: keep YYYY-MM-DD as it is.
                N_("the repeat's last date must be written YYYY-MM-DD, got %(typed)s"),
                params={"typed": repr(form.until[:20])},
                field="repeat_until",
            ) from None
    return RepeatRule(
        frequency=frequency, weekdays=weekdays, month_days=month_days, count=count, until=until
    )


def moved_along(rule: RepeatRule | None, before: datetime, after: datetime) -> RepeatRule | None:
    """A series whose first meeting moves from `before` to `after`, its days following:
    weekly on the start's own weekday, or monthly on its day of the month, stays so
    (a Monday series moved to a Tuesday repeats on Tuesdays). Other days stay as chosen."""
    if rule is None:
        return None
    if rule.frequency is Frequency.WEEKLY and rule.weekdays == (Weekday.of(before.date()),):
        return RepeatRule(rule.frequency, (Weekday.of(after.date()),), (), rule.count, rule.until)
    if rule.frequency is Frequency.MONTHLY and rule.month_days == (before.day,):
        return RepeatRule(rule.frequency, (), (after.day,), rule.count, rule.until)
    return rule
