"""Each account's private calendar feed: /calendar/<secret>.ics, what calendar programs
subscribe to by URL (Google Calendar "From URL", Outlook "Subscribe from web", Apple
Calendar "New Calendar Subscription").

The secret is the whole of the feed's protection, as in Google's own "secret address":
32 random bytes, shown once when made; the database keeps only its SHA-256, so a copy
of the database does not open anyone's feed. Making a new one (rotating) ends the old
URL at once. Subscribers poll the URL; the feed is a plain VCALENDAR (METHOD:PUBLISH,
never REQUEST: it is a view of the calendar, not an invitation) with a VTIMEZONE for
every zone its events use.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from voiceapp.core.models import AdminUser, Meeting, MeetingStatus, Room
from voiceapp.scheduling import calendar as ical
from voiceapp.scheduling import meeting_rows, repeat, time_zones

TOKEN_BYTES = 32
# Meetings that ended this long ago still show, so this week's past meetings stay put.
KEEP_PAST = timedelta(days=90)
# How often subscribers should look again (Apple and Outlook read these; Google decides
# for itself, every few hours).
REFRESH = timedelta(hours=1)
PATH_PREFIX = "/calendar/"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_path(token: str) -> str:
    return f"{PATH_PREFIX}{token}.ics"


def feed_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + feed_path(token)


async def rotate(account: AdminUser) -> str:
    """A new secret for `account`'s feed; the old URL stops working now. Returns the new
    secret (put it in feed_url): this is the only time it can be read."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await AdminUser.filter(id=account.pk).update(calendar_token_hash=digest(token))
    return token


async def revoke(account: AdminUser) -> None:
    """No feed for `account` any more: its URL answers 404."""
    await AdminUser.filter(id=account.pk).update(calendar_token_hash=None)


def has_feed(account: AdminUser) -> bool:
    return account.calendar_token_hash is not None


async def account_for(token: str) -> AdminUser | None:
    """The account whose feed secret is `token`, or None.

    The lookup is by the secret's SHA-256, which a guesser cannot steer byte by byte, and
    the stored digest is then compared in constant time all the same."""
    if not 20 <= len(token) <= 100:
        return None
    wanted = digest(token)
    account = await AdminUser.get_or_none(calendar_token_hash=wanted)
    if account is None or not hmac.compare_digest(account.calendar_token_hash or "", wanted):
        return None
    return account


async def listed_meetings(account: AdminUser, now: datetime) -> list[Meeting]:
    """What the feed shows: the account's scheduled meetings, from recent past on."""
    return await Meeting.filter(
        organizer_id=account.pk, status=MeetingStatus.SCHEDULED, ends_at__gt=now - KEEP_PAST
    ).order_by("starts_at", "id")


async def feed(account: AdminUser, now: datetime | None = None) -> bytes:
    """The account's feed, as the .ics file subscribers read."""
    now = now or datetime.now(UTC)
    calendar = Calendar()
    calendar.add("PRODID", "-//voiceapp//calendar feed//EN")
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    name = account.display_name or account.username
    calendar.add("X-WR-CALNAME", f"{name}: conferences")
    calendar.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", REFRESH)
    meetings = await listed_meetings(account, now)
    # Each zone's VTIMEZONE once, right for every series in it (a one-off is in UTC).
    spans: dict[str, tuple[date, date]] = {}
    rooms = {room.pk: room for room in await Room.all()}
    numbers = await meeting_rows.dial_in_numbers()
    for meeting in meetings:
        view = meeting_rows.meeting_view(meeting, account.email or "")
        room = rooms.get(meeting.room_id)  # type: ignore[attr-defined]
        dial_in = meeting_rows.dial_in_with(numbers, room, meeting.conference_id)
        calendar.add_component(
            ical.feed_event(view, dial_in, account.language, stamp=meeting.updated_at)
        )
        if view.repeat is None:
            continue
        first, last = view.start.date(), repeat.latest_day(view.start, view.repeat)
        known = spans.get(view.zone.key)
        spans[view.zone.key] = (
            (min(known[0], first), max(known[1], last)) if known else (first, last)
        )
    for key, (first, last) in sorted(spans.items()):
        calendar.add_component(time_zones.vtimezone(ZoneInfo(key), first, last))
    return bytes(calendar.to_ical())
