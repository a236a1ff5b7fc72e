"""End to end, in headless Chromium set to Mexico City's time zone, against the real server
with a real SMTP server (aiosmtpd): an organizer with contacts and a group opens Invite &
Schedule, finds the computer's zone detected and shown, types a participant in (adding and
removing a row), picks a contact and a whole group, books, and finds the meeting on the
Upcoming list at the time she typed, in that zone; the invitations arrive."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from ..conftest import ES_NUMBER, FR_NUMBER
from ..mail_server import MailServer
from ..scheduling_kit import calendar_part
from .browser_kit import CHROMIUM, DESKTOP, Command, Server, cli, running_server, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]

ZONE = "America/Mexico_City"
ORGANIZER = ("ines", "ines password 1234", "ines@example.com", "Inés García")


def the_office() -> list[Command]:
    """A bridge reached by a French and a Spanish number, room 1234 (PIN 4321), and Inés,
    an organizer writing in French, whose contacts are Ana and Luis (Spanish), both in
    her group Socios, and Zoé (not in it)."""
    username, password, email, name = ORGANIZER
    contacts = [
        ("Ana Ruiz", "ana@example.com", "es"),
        ("Luis Gil", "luis@example.com", "es"),
        ("Zoé Martin", "zoe@example.com", "fr"),
    ]
    return [
        cli("bridge", "setup", "--extension", "800", "--language", "fr"),
        cli("numbers", "add", FR_NUMBER, "--extension", "800", "--language", "fr"),
        cli("numbers", "add", ES_NUMBER, "--extension", "800", "--language", "es"),
        cli("rooms", "add", "--name", "Ventas", "--conference-id", "1234", "--pin", "4321"),
        cli(
            *("admin", "create-user", username, "--password-stdin", "--role", "organizer"),
            *("--email", email, "--name", name, "--language", "fr"),
            stdin=password + "\n",
        ),
        *(
            cli(
                *("contacts", "add", "--owner", username, "--name", contact_name),
                *("--email", contact_email, "--language", language),
            )
            for contact_name, contact_email, language in contacts
        ),
        cli(
            *("groups", "add", "--owner", username, "--name", "Socios"),
            *("--member", "ana@example.com", "--member", "luis@example.com"),
        ),
    ]


def language(message: EmailMessage) -> str | None:
    """The language a message is written in (Content-Language, on any part)."""
    for part in message.walk():
        if part["Content-Language"]:
            return str(part["Content-Language"])
    return None


async def log_in_as_organizer(page: Page, server: Server) -> None:
    username, password, _, _ = ORGANIZER
    await page.goto(server.url + "/admin/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(server.url + "/admin/meetings")  # an organizer's first page


async def wait_for_account_zone(page: Page, server: Server) -> None:
    """The pages' own script (timezone.js) gives a new account the browser's zone on its
    first page: wait until it is saved, so the lists are in it."""
    for _ in range(40):
        await page.goto(server.url + "/admin/account")
        if ZONE in (await page.locator("#current-time-zone").text_content() or ""):
            return
        await asyncio.sleep(0.25)
    raise AssertionError("the account never got the browser's time zone")


async def test_an_organizer_schedules_from_the_page_in_her_browsers_zone(
    tmp_path: Path, chromium: Browser, mail_server: MailServer, screenshots: Path
) -> None:
    smtp = {"VOICEAPP_SMTP_URL": mail_server.url, "VOICEAPP_MAIL_FROM": "bridge@example.test"}
    with running_server(tmp_path, settings=smtp, commands=the_office()) as server:
        context = await chromium.new_context(
            timezone_id=ZONE, locale="en-GB", viewport=DESKTOP, accept_downloads=False
        )
        page = await context.new_page()
        await log_in_as_organizer(page, server)
        await wait_for_account_zone(page, server)

        await page.get_by_role("link", name="Meetings").click()
        await page.get_by_role("link", name="Invite and schedule").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Invite and schedule")
        # The zone this computer runs in, detected, shown and changeable.
        await expect(page.get_by_label("Time zone")).to_have_value(ZONE)
        await expect(page.locator("#zone-detected")).to_be_visible()
        # The details start with the room's dial-in block; the organizer as she is named.
        await expect(page.get_by_label("Details")).to_have_value(re.compile(r"1234.*4321", re.S))
        await expect(page.get_by_label("Organizer, as invitations name you")).to_have_value(
            "Inés García"
        )

        day = (datetime.now(UTC) + timedelta(days=30)).astimezone(ZoneInfo(ZONE)).date()
        await page.get_by_label("Subject").fill("Revisión trimestral")
        await page.get_by_label("Date", exact=True).fill(day.isoformat())
        await page.get_by_label("Start time").fill("09:30")
        await page.get_by_label("Duration, in minutes").fill("45")

        # A participant typed in; a row added and removed again with the page's buttons.
        await page.locator("#invitee-name-1").fill("Cleo Martin")
        await page.locator("#invitee-email-1").fill("cleo@example.org")
        rows = page.locator("[data-rows] [data-row]")
        await expect(rows).to_have_count(3)
        await page.get_by_role("button", name="Add a participant").click()
        await expect(rows).to_have_count(4)
        await rows.nth(3).get_by_label("E-mail").fill("nobody@example.org")
        await rows.nth(3).get_by_role("button", name="Remove").click()
        await expect(rows).to_have_count(3)
        # A contact, and a whole group (Ana is in it too: invited once).
        await page.get_by_label("Ana Ruiz").check()
        await page.get_by_label("Socios").check()
        # Repeat fields show for their pattern only.
        await expect(page.locator("#repeat_weekdays")).to_be_hidden()
        await page.get_by_label("Repeat", exact=True).select_option("weekly")
        await expect(page.locator("#repeat_weekdays")).to_be_visible()
        await page.get_by_label("Repeat", exact=True).select_option("none")
        await expect(page.get_by_label("Reminder by e-mail")).to_have_value("15")
        await shot(page, screenshots, "schedule-form-desktop")

        await page.get_by_role("button", name="Book and send the invitations").click()
        await page.wait_for_url(server.url + "/admin/meetings")
        await expect(page.locator(".notice")).to_have_text(
            "Revisión trimestral is booked; its invitation is on its way to 3 people."
        )
        meeting = page.locator(".meeting", has_text="Revisión trimestral")
        await expect(meeting).to_have_count(1)
        # At the time typed, in the browser's zone (Mexico City: CST all year).
        when = meeting.locator(".when")
        await expect(when).to_contain_text("9:30")
        await expect(when).to_contain_text("CST")
        await expect(when).not_to_contain_text("booked as")
        await meeting.get_by_text("3 invitees").click()
        await expect(meeting.locator("[data-invitee]")).to_have_count(3)
        await shot(page, screenshots, "meetings-upcoming-desktop")

        # The invitations arrive, one per invitee in their language, and her confirmation.
        received = await mail_server.wait_for(4, seconds=30)
        by_recipient = {mail.recipients[0]: mail.message for mail in received}
        assert set(by_recipient) == {
            "cleo@example.org",
            "ana@example.com",
            "luis@example.com",
            "ines@example.com",
        }
        for email in ("cleo@example.org", "ana@example.com", "luis@example.com"):
            calendar = calendar_part(by_recipient[email])
            assert calendar is not None and str(calendar["METHOD"]) == "REQUEST"
            (event,) = calendar.walk("VEVENT")
            start = event.decoded("DTSTART")
            assert start.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None) == datetime(
                day.year, day.month, day.day, 9, 30
            )
        assert calendar_part(by_recipient["ines@example.com"]) is None  # not a REQUEST
        languages = {email: language(message) for email, message in by_recipient.items()}
        assert languages == {
            "cleo@example.org": "fr",  # not a contact: the organizer's language
            "ana@example.com": "es",
            "luis@example.com": "es",
            "ines@example.com": "fr",
        }
        await context.close()
