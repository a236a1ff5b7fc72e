"""The private calendar feed: /calendar/<secret>.ics lists one account's meetings as a
calendar programs subscribe to, answers 404 to any other secret, stops answering the old
URL once rotated, and never writes the secret to the access log."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from icalendar import Calendar
from starlette.applications import Starlette

from voiceapp.core.db import database
from voiceapp.core.models import AdminUser
from voiceapp.core.settings import Settings
from voiceapp.scheduling import calendar_feed
from voiceapp.scheduling.meeting_forms import RepeatForm
from voiceapp.web import access_log, calendar_route

from .scheduling_kit import NOW, book, cancel, form, organizer, provision_booking


@pytest.fixture
async def marie(settings: Settings) -> AsyncIterator[AdminUser]:
    async with database(settings.database_url):
        yield await provision_booking(settings)


@pytest.fixture
async def client(marie: AdminUser) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=calendar_route.routes)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://feed.test") as http:
        yield http


async def test_the_feed_lists_the_accounts_meetings(
    marie: AdminUser, client: httpx.AsyncClient
) -> None:
    weekly = await book(
        marie, form(people=["ana@example.com"], repeat=RepeatForm("weekly", count=4)), now=NOW
    )
    tokyo = await book(
        marie,
        form(
            room="5555",
            start="2027-03-16 18:00",
            time_zone="Asia/Tokyo",
            repeat=RepeatForm("daily", count=2),
        ),
        now=NOW,
    )
    single = await book(marie, form(start="2027-03-19 10:00"), now=NOW)
    dropped = await book(marie, form(start="2027-03-17 10:00"), now=NOW)
    await cancel(dropped.pk, now=NOW)
    paul = await organizer("paul", "paul@example.com")
    await book(paul, form(start="2027-03-18 10:00"), now=NOW)
    token = await calendar_feed.rotate(marie)

    response = await client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private, max-age=300"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "PUBLISH"  # a view of the calendar, not an invitation
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    # Marie's, not cancelled; not Paul's.
    assert set(events) == {weekly.uid, tokyo.uid, single.uid}
    assert events[weekly.uid].decoded("DTSTART").strftime("%Y-%m-%d %H:%M %Z") == (
        "2027-03-15 10:00 CET"
    )
    assert "FREQ=WEEKLY" in events[weekly.uid]["RRULE"].to_ical().decode()
    assert "ATTENDEE" not in events[weekly.uid]
    # A one-off is in UTC; every series' TZID has its VTIMEZONE, once.
    assert events[single.uid].decoded("DTSTART") == datetime(2027, 3, 19, 9, 0, tzinfo=UTC)
    zones = [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")]
    used = {e["DTSTART"].params.get("TZID") for e in calendar.walk("VEVENT")} - {None}
    assert sorted(zones) == sorted(used) == ["Asia/Tokyo", "Europe/Paris"]
    # The dial-in is in the description, in the account's language (French).
    assert "1234" in str(events[weekly.uid]["DESCRIPTION"])


async def test_recent_past_meetings_stay_in_the_feed(marie: AdminUser) -> None:
    meeting = await book(marie, form(), now=NOW)
    a_month_later = datetime(2027, 4, 15, tzinfo=UTC)
    a_year_later = datetime(2028, 3, 15, tzinfo=UTC)
    assert [m.pk for m in await calendar_feed.listed_meetings(marie, a_month_later)] == [meeting.pk]
    assert await calendar_feed.listed_meetings(marie, a_year_later) == []


async def test_wrong_secrets_and_rotation_answer_404(
    marie: AdminUser, client: httpx.AsyncClient
) -> None:
    # No feed made yet: nothing opens, not even an empty secret.
    for path in ("/calendar/.ics", "/calendar/x.ics", "/calendar/" + "A" * 43 + ".ics"):
        assert (await client.get(path)).status_code == 404
    old = await calendar_feed.rotate(marie)
    assert (await client.get(calendar_feed.feed_path(old))).status_code == 200
    assert (await client.get(calendar_feed.feed_path(old[:-1] + "x"))).status_code == 404
    assert (await client.get(f"/calendar/{old}.ICS")).status_code == 404
    new = await calendar_feed.rotate(marie)
    assert new != old
    assert (await client.get(calendar_feed.feed_path(old))).status_code == 404
    assert (await client.get(calendar_feed.feed_path(new))).status_code == 200
    # Only a digest is kept: the secret itself is nowhere in the database row.
    account = await AdminUser.get(id=marie.pk)
    assert account.calendar_token_hash == calendar_feed.digest(new)
    assert new not in (account.calendar_token_hash or "")
    await calendar_feed.revoke(marie)
    assert (await client.get(calendar_feed.feed_path(new))).status_code == 404


def test_the_url_is_built_on_the_public_url() -> None:
    assert calendar_feed.feed_url("https://voice.example.test/", "abc") == (
        "https://voice.example.test/calendar/abc.ics"
    )


def test_the_access_log_never_shows_the_secret(caplog: pytest.LogCaptureFixture) -> None:
    """uvicorn's access line, through the filter the app installs on its logger."""
    access_log.install()
    logger = logging.getLogger(access_log.ACCESS_LOGGER)
    secret = "sFoDCbBP49AZwYCZ2UTzzz701D3EODVKA1cg-3A6-H0"
    with caplog.at_level(logging.INFO, logger=access_log.ACCESS_LOGGER):
        logger.info(
            '%s - "%s %s HTTP/%s" %d',
            "192.0.2.1:5000",
            "GET",
            f"/calendar/{secret}.ics?x=1",
            "1.1",
            200,
        )
    assert secret not in caplog.text
    assert '"GET /calendar/[redacted]?x=1 HTTP/1.1" 200' in caplog.text
