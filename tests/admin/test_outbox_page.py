"""The Outbox page (admins only): the list with its state filter and pages, one message as
its recipient will see it, its HTML kept out of the admin page; and the Account page's
calendar feed address, made, rotated and turned off."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from voiceapp.accounts import profiles
from voiceapp.core.models import OutboxMessage, OutboxState
from voiceapp.core.settings import Settings
from voiceapp.mail import outbox
from voiceapp.scheduling import calendar_feed

from ..scheduling_kit import book, form, made_mail, provision_booking
from .conftest import PASSWORD, Browser, notices, open_browser

OUTBOX = "/admin/outbox"
HOSTILE = '<script>alert("pwned")</script>'


def message(to: str, subject: str, html: str | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(f"Hello {to}, this is {subject}.")
    if html is not None:
        mail.add_alternative(html, subtype="html")
    return mail


def listed(page: str) -> list[tuple[str, str]]:
    """(message id, state) of each row shown."""
    return re.findall(r'<tr data-message="(\d+)" data-state="(\w+)">', page)


async def test_the_list_filters_by_state_and_has_pages(admin: Browser) -> None:
    for n in range(30):
        await outbox.queue(message(f"p{n}@example.org", f"Message {n}"))
    ids = [row.pk for row in await OutboxMessage.all().order_by("id")]
    await OutboxMessage.filter(id__in=ids[:3]).update(
        state=OutboxState.SENT, attempts=1, sent_at=datetime.now(UTC)
    )
    await OutboxMessage.filter(id=ids[3]).update(
        state=OutboxState.FAILED, attempts=1, last_error="550 5.1.1 no such user"
    )
    page = (await admin.get(OUTBOX)).text
    rows = listed(page)
    assert [int(i) for i, _ in rows] == sorted(ids, reverse=True)[:25]  # the newest first
    assert "Page 1 of 2" in page
    assert "All (30)" in page and "Waiting (26)" in page and "Sent (3)" in page
    second = listed((await admin.get(OUTBOX, params={"page": "2"})).text)
    assert [int(i) for i, _ in second] == sorted(ids, reverse=True)[25:]
    sent = listed((await admin.get(OUTBOX, params={"state": "sent"})).text)
    assert sent == [(str(i), "sent") for i in reversed(ids[:3])]
    failed = (await admin.get(OUTBOX, params={"state": "failed"})).text
    assert listed(failed) == [(str(ids[3]), "failed")]
    assert "550 5.1.1 no such user" in failed
    # Odd queries show the whole list rather than fail.
    for odd in ({"state": "lost"}, {"page": "x"}, {"page": "999"}):
        assert (await admin.get(OUTBOX, params=odd)).status_code == 200
    # Without SMTP (as in the tests), the page says mail is waiting for a server.
    assert "No mail server is set" in page


async def test_a_message_as_its_recipient_will_see_it(
    admin: Browser, site_settings: Settings
) -> None:
    marie = await provision_booking(site_settings)
    await book(marie, form(people=["ana@example.com"], details="Café & croissants"))
    await made_mail()
    row = await OutboxMessage.get(recipient="ana@example.com")
    page = await admin.get(f"{OUTBOX}/{row.pk}")
    assert page.status_code == 200
    text = page.text
    assert "<dt>To</dt><dd>Ana Ruiz &lt;ana@example.com&gt;</dd>" in text
    assert re.search(r"<dt>Subject</dt><dd>[^<]*Revue d&#39;équipe</dd>", text)
    assert "Café &amp; croissants" in text  # the text part, decoded
    assert "METHOD:REQUEST" in text and "BEGIN:VEVENT" in text  # the calendar, as text
    assert "text/calendar; method=REQUEST" in text
    assert "invite.ics" in text  # the attachment, among the parts
    # The HTML part, framed from its own URL, sandboxed.
    frame = re.search(r'<iframe class="mail-html" id="mail-html" sandbox src="([^"]+)"', text)
    assert frame is not None
    part = await admin.get(frame.group(1))
    assert part.status_code == 200
    assert part.headers["content-type"].startswith("text/html")
    assert "Café &amp; croissants" in part.text


async def test_the_html_of_a_message_never_enters_the_admin_page(admin: Browser) -> None:
    hostile = f'<p>Hi</p>{HOSTILE}<img src="https://tracker.example/p.gif">'
    queued = await outbox.queue(message("eve@example.org", HOSTILE, hostile))
    assert queued is not None
    page = (await admin.get(f"{OUTBOX}/{queued.pk}")).text
    assert HOSTILE not in page and "tracker.example" not in page
    assert "&lt;script&gt;" in page  # the subject, shown as text
    listing = (await admin.get(OUTBOX)).text
    assert HOSTILE not in listing
    # The frame's document: no script, nothing fetched, only framed by our own pages.
    part = await admin.get(f"{OUTBOX}/{queued.pk}/html")
    policy = part.headers["content-security-policy"]
    assert policy.startswith("sandbox;")
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'self'" in policy
    assert part.headers["x-frame-options"] == "SAMEORIGIN"
    # A message without an HTML part has no frame, and its URL is a 404.
    plain = await outbox.queue(message("bob@example.org", "Plain"))
    assert plain is not None
    assert 'id="mail-html"' not in (await admin.get(f"{OUTBOX}/{plain.pk}")).text
    assert (await admin.get(f"{OUTBOX}/{plain.pk}/html")).status_code == 404
    assert (await admin.get(f"{OUTBOX}/999999")).status_code == 404


async def test_the_outbox_is_for_admins_only(admin: Browser, site_settings: Settings) -> None:
    queued = await outbox.queue(message("eve@example.org", "Secret"))
    assert queued is not None
    await profiles.create_account("ines", PASSWORD, profiles.Profile(role="organizer"))
    async with open_browser(site_settings) as browser:
        assert (await browser.log_in("ines", PASSWORD)).status_code == 303
        for path in (OUTBOX, f"{OUTBOX}/{queued.pk}", f"{OUTBOX}/{queued.pk}/html"):
            response = await browser.get(path)
            assert response.status_code == 403, path
            assert "Secret" not in response.text


# ---- the calendar feed, from the Account page -------------------------------------------------


async def feed_owner(url: str) -> str | None:
    """Whose feed the address opens (None: nobody's), as GET /calendar/<secret>.ics
    decides (web.calendar_route)."""
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    account = await calendar_feed.account_for(secret)
    return account.username if account is not None else None


@pytest.mark.parametrize("role", ["admin", "organizer"])
async def test_the_calendar_feed_address_is_made_rotated_and_turned_off(
    visitor: Browser, site_settings: Settings, role: str
) -> None:
    await provision_booking(site_settings)
    await profiles.update_account("marie", profiles.Profile(role=role))
    async with open_browser(site_settings) as browser:
        assert (await browser.log_in("marie", PASSWORD)).status_code == 303
        assert "You have no calendar feed yet." in (await browser.get("/admin/account")).text
        made = await browser.submit("/admin/account", "/admin/account/calendar", {})
        assert made.status_code == 200
        assert made.headers["cache-control"] == "no-store"
        first = re.search(
            r'id="feed-url" class="feed-url" type="text" readonly value="([^"]+)"', made.text
        )
        assert first is not None
        url = first.group(1)
        assert url.startswith(f"{site_settings.public_url}/calendar/") and url.endswith(".ics")
        assert await feed_owner(url) == "marie"
        # Shown once: the page afterwards says the feed is on, without the address.
        page = (await browser.get("/admin/account")).text
        assert "Your calendar feed is on." in page and url not in page
        rotated = await browser.submit("/admin/account", "/admin/account/calendar", {})
        second = re.search(r'readonly value="([^"]+)"', rotated.text)
        assert second is not None and second.group(1) != url
        assert await feed_owner(url) is None  # the old address stops working at once
        assert await feed_owner(second.group(1)) == "marie"
        off = await browser.submit("/admin/account", "/admin/account/calendar/off", {})
        assert off.status_code == 303
        page = (await browser.get("/admin/account")).text
        assert notices(page) == ["Your calendar feed is off: its address no longer works."]
        assert await feed_owner(second.group(1)) is None
