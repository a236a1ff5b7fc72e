"""A meeting as the invitations see it: plain frozen values, no database rows.

The booking code reads its tables and builds these; the calendar and the e-mails are made
from them alone, so the same meeting always gives the same messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum, StrEnum
from zoneinfo import ZoneInfo


class Frequency(StrEnum):
    """How a series repeats: the three patterns every calendar program can show."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Weekday(Enum):
    """A day of the week, its value spelled as iCalendar's BYDAY does ("MO"); listed in
    date.weekday() order. A plain Enum: as a str its `index` would hide str.index."""

    MO = "MO"
    TU = "TU"
    WE = "WE"
    TH = "TH"
    FR = "FR"
    SA = "SA"
    SU = "SU"

    @property
    def index(self) -> int:
        """0 for Monday ... 6 for Sunday, as date.weekday() counts."""
        return list(Weekday).index(self)

    @classmethod
    def of(cls, day: date) -> Weekday:
        return list(cls)[day.weekday()]


@dataclass(frozen=True)
class RepeatRule:
    """A series: the pattern, and where it stops (after `count` meetings, or on `until`).

    It holds what a form or the CLI asked for, even a pattern some calendars cannot show
    (several days of the month, say): repeat.check_repeat refuses those with a sentence
    the organizer can act on, before any calendar is made.
    """

    frequency: Frequency
    # Weekly: the days it falls on.
    weekdays: tuple[Weekday, ...] = ()
    # Monthly: the day of the month it falls on (one only).
    month_days: tuple[int, ...] = ()
    count: int | None = None
    # The last day (in the meeting's zone) a meeting of the series may fall on.
    until: date | None = None


@dataclass(frozen=True)
class Organizer:
    name: str
    email: str


@dataclass(frozen=True)
class InviteeView:
    name: str
    email: str
    language: str  # en, fr or es: the language of everything they receive


@dataclass(frozen=True)
class MeetingView:
    # The iCalendar UID: the same in every message about this meeting, or calendars
    # show a second event.
    uid: str
    # iCalendar SEQUENCE: 0 at first, raised by the caller on every change of time,
    # duration, repeat or status and on every CANCEL.
    sequence: int
    subject: str
    organizer: Organizer
    details: str
    # The (first) start, in the meeting's IANA zone: a series keeps this wall-clock
    # time across daylight-saving changes.
    start: datetime
    duration: timedelta
    repeat: RepeatRule | None = None

    def __post_init__(self) -> None:
        # Programming errors, not input errors: the booking rules check what was typed.
        if not isinstance(self.start.tzinfo, ZoneInfo):
            raise ValueError("a meeting's start needs its IANA zone (a zoneinfo.ZoneInfo)")
        if self.duration <= timedelta(0):
            raise ValueError("a meeting lasts some time")
        if self.sequence < 0:
            raise ValueError("SEQUENCE starts at 0")

    @property
    def zone(self) -> ZoneInfo:
        assert isinstance(self.start.tzinfo, ZoneInfo)  # checked in __post_init__
        return self.start.tzinfo

    @property
    def end(self) -> datetime:
        """The end of the first meeting, in its zone. Added in UTC: wall-clock arithmetic
        would make a meeting across a daylight-saving change an hour short or long."""
        return (self.start.astimezone(UTC) + self.duration).astimezone(self.zone)


@dataclass(frozen=True)
class DialInNumber:
    e164: str  # "+33180000001"
    language: str  # the language callers on this number are greeted in (fr, es)


@dataclass(frozen=True)
class DialIn:
    """How to reach the meeting's room: every number routed to the conference server."""

    numbers: tuple[DialInNumber, ...]
    conference_id: str
    pin: str | None = None
