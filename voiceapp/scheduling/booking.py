"""The booking rules on what is typed: a meeting's start, time zone, length, reminder,
subject, and how many people its room holds.

Each rule refuses with a sentence naming the form field at fault (`field=`), so the CLI
prints it on one line and the page shows it beside the field. The rule that reads other
meetings (a room booked twice) is in room_holds, run under the room's lock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from voiceapp.accounts.admins import check_time_zone
from voiceapp.core.errors import InvalidInput
from voiceapp.core.i18n import N_, N_plural

MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 12 * 60
# The longest lead time a reminder may have: a week.
MAX_REMINDER_MINUTES = 7 * 24 * 60
SUBJECT_MAX = 200  # the column's size (models.Meeting.subject)
DETAILS_MAX = 10_000
# How a start is typed: the form's date and time joined by a space (the CLI's --start),
# or by a T (what a browser's datetime-local field sends).
START_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")


class Fold(StrEnum):
    """Which of the two moments a wall-clock time names in the hour the clocks go back."""

    # The earlier one, still on summer time.
    FIRST = "first"
    # The later one, after the clocks went back.
    SECOND = "second"


class AmbiguousStart(InvalidInput):
    """A start time that happens twice: the caller must choose `Fold.FIRST` or `SECOND`.
    `offsets` are the two UTC offsets, in that order, for a page to offer the choice."""

    def __init__(self, local: datetime, zone: ZoneInfo, offsets: tuple[str, str]) -> None:
        super().__init__(
            # Translators: %(start)s is a date and time (2026-10-25 02:30), %(zone)s a time
            # zone name, %(first)s and %(second)s UTC offsets (UTC+02:00).
            N_(
                "%(start)s happens twice in %(zone)s, when the clocks go back (at "
                "%(first)s, then at %(second)s): choose the first or the second"
            ),
            params={
                "start": local.strftime("%Y-%m-%d %H:%M"),
                "zone": zone.key,
                "first": offsets[0],
                "second": offsets[1],
            },
            field="start",
        )
        self.offsets = offsets


def parse_local_start(raw: str, *, field: str = "start") -> datetime:
    """The wall-clock start as typed ("2026-12-07 10:00"), without a zone."""
    text = " ".join(raw.split())
    for pattern in START_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise InvalidInput(
        # Translators: %(typed)s is what was typed, in quotes; keep YYYY-MM-DD HH:MM as is.
        N_("the start must be a date and time written YYYY-MM-DD HH:MM, got %(typed)s"),
        params={"typed": repr(raw[:40])},
        field=field,
    )


def parse_zone(raw: str, *, field: str = "time_zone") -> ZoneInfo:
    return ZoneInfo(check_time_zone(raw, field=field))


def parse_fold(raw: str | None, *, field: str = "fold") -> Fold | None:
    if raw is None or not raw.strip():
        return None
    try:
        return Fold(raw.strip().lower())
    except ValueError:
        raise InvalidInput(
            # Translators: first and second are the values to type: keep them as they are.
            N_("the start's repeated hour is chosen with first or second, not %(typed)s"),
            params={"typed": repr(raw[:20])},
            field=field,
        ) from None


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def resolve_start(
    local: datetime, zone: ZoneInfo, fold: Fold | None, *, now: datetime | None = None
) -> datetime:
    """`local` (naive, wall-clock) as a moment in `zone`.

    Refused when the clocks skip that time (the spring-forward hour: nobody's clock ever
    shows it) and, unless `fold` says which, when they show it twice (the autumn hour);
    but a repeated time already past at `now` both times is refused as past at once:
    choosing between two past times would only lead to that.
    """
    earlier = local.replace(tzinfo=zone, fold=0)
    later = local.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    # Where the offsets differ the time is either skipped or repeated; a skipped one
    # comes back from UTC as another wall-clock time.
    if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise InvalidInput(
            # Translators: %(start)s is a date and time, %(zone)s a time zone name.
            N_(
                "%(start)s does not exist in %(zone)s: the clocks skip that hour when "
                "they go forward; choose another time"
            ),
            params={"start": local.strftime("%Y-%m-%d %H:%M"), "zone": zone.key},
            field="start",
        )
    if fold is None:
        if now is not None:
            check_future(later, now)  # the later one past: both are
        raise AmbiguousStart(local, zone, (_offset(earlier), _offset(later)))
    return later if fold is Fold.SECOND else earlier


def check_future(start: datetime, now: datetime) -> None:
    # To the minute: a start typed as the current minute is not in the past yet.
    if start < now.replace(second=0, microsecond=0):
        raise InvalidInput(
            N_("the start is in the past: choose a later date or time"), field="start"
        )


def _whole_number(raw: int | str, message: str, field: str) -> int:
    try:
        return int(str(raw).strip())
    except ValueError:
        raise InvalidInput(message, params={"typed": repr(str(raw)[:20])}, field=field) from None


def check_duration(raw: int | str, *, field: str = "duration") -> int:
    """The length in minutes: 5 minutes to 12 hours."""
    minutes = _whole_number(
        raw,
        # Translators: %(typed)s is what was typed, in quotes.
        N_("the duration is a number of minutes, got %(typed)s"),
        field,
    )
    if not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        raise InvalidInput(
            N_(
                "a meeting lasts %(min)s minutes to %(max_hours)s hours "
                "(%(max)s minutes), not %(minutes)s minutes"
            ),
            params={
                "min": MIN_DURATION_MINUTES,
                "max_hours": MAX_DURATION_MINUTES // 60,
                "max": MAX_DURATION_MINUTES,
                "minutes": minutes,
            },
            field=field,
        )
    return minutes


def check_reminder(raw: int | str | None, *, field: str = "reminder") -> int | None:
    """Minutes before each meeting that invitees are reminded; None or 0: no reminder."""
    if raw is None or str(raw).strip() in ("", "none"):
        return None
    minutes = _whole_number(
        raw, N_("the reminder is a number of minutes before the start, got %(typed)s"), field
    )
    if minutes == 0:
        return None
    if not 0 < minutes <= MAX_REMINDER_MINUTES:
        raise InvalidInput(
            N_("a reminder goes out 1 to %(max)s minutes (a week) before the start"),
            params={"max": MAX_REMINDER_MINUTES},
            field=field,
        )
    return minutes


def check_subject(raw: str, *, field: str = "subject") -> str:
    text = " ".join(raw.split())
    if not text:
        raise InvalidInput(N_("the subject must not be empty"), field=field)
    if len(text) > SUBJECT_MAX:
        raise InvalidInput(
            N_("the subject must be at most %(max)s characters"),
            params={"max": SUBJECT_MAX},
            field=field,
        )
    return text


def check_details(raw: str, *, field: str = "details") -> str:
    # Line breaks are kept: the dial-in block is laid out on lines.
    text = "\n".join(line.rstrip() for line in raw.strip().splitlines())
    if len(text) > DETAILS_MAX:
        raise InvalidInput(
            N_("the details must be at most %(max)s characters"),
            params={"max": DETAILS_MAX},
            field=field,
        )
    return text


def check_capacity(room_name: str, capacity: int, invitees: int) -> None:
    """The invitees and the organizer must all fit in the room at once."""
    if invitees + 1 > capacity:
        raise InvalidInput(
            N_plural(
                "room %(room)s holds %(count)s caller: %(invitees)s invitees and the "
                "organizer do not fit; choose a larger room or invite fewer people",
                "room %(room)s holds %(count)s callers: %(invitees)s invitees and the "
                "organizer do not fit; choose a larger room or invite fewer people",
            ),
            params={"room": room_name, "count": capacity, "invitees": invitees},
            field="invitees",
        )
