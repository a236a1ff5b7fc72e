"""In headless Chromium against the real server: an admin opens a queued message on the
Outbox page and sees its HTML version as the recipient will, inside a frame where the
message's own script does not run and nothing is fetched from elsewhere."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.async_api import Browser, Request, Response, expect

from voiceapp.core.db import database
from voiceapp.mail import outbox

from .browser_kit import CHROMIUM, DESKTOP, Server, log_in, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]

# What a hostile message would try: run script in the admin's page (or in its own frame,
# to reach the page above it), and fetch a tracking image from elsewhere.
HOSTILE = (
    '<html><body style="background:#fffbe6"><h1 style="color:#0a5">Hola Ana</h1>'
    "<script>try { parent.document.body.dataset.pwned = 'parent' } catch (e) {}"
    "document.body.dataset.ran = 'yes'</script>"
    '<img src="http://tracker.invalid/pixel.gif" alt="">'
    "</body></html>"
)


async def queue_hostile(server: Server) -> None:
    message = EmailMessage()
    message["To"] = "Ana Ruiz <ana@example.com>"
    message["Subject"] = "Invitación: revisión"
    message.set_content("Hola Ana")
    message.add_alternative(HOSTILE, subtype="html")
    async with database(server.env["VOICEAPP_DATABASE_URL"]):
        row = await outbox.queue(message)
    assert row is not None


async def test_a_messages_html_shows_in_a_frame_that_can_do_nothing(
    server: Server, chromium: Browser, screenshots: Path
) -> None:
    await queue_hostile(server)
    page = await chromium.new_page(viewport=DESKTOP, locale="en-GB")
    # Requests to elsewhere that got past the browser, and those the policy stopped.
    elsewhere: list[str] = []
    blocked: list[str] = []

    def answered(response: Response) -> None:
        if not response.url.startswith(server.url):
            elsewhere.append(response.url)

    def failed(request: Request) -> None:
        if not request.url.startswith(server.url) and request.failure == "csp":
            blocked.append(request.url)

    page.on("response", answered)
    page.on("requestfailed", failed)
    await log_in(page, server)
    await page.goto(f"{server.url}/admin/outbox")
    await page.get_by_role("link", name="Invitación: revisión").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Invitación: revisión")
    frame = page.frame_locator("#mail-html")
    # Shown with its own styles, as a mail program would...
    await expect(frame.get_by_role("heading", name="Hola Ana")).to_have_css(
        "color", "rgb(0, 170, 85)"
    )
    # ...but its script ran neither in the frame nor in the admin's page, and the
    # image from elsewhere was never asked for.
    await expect(frame.locator("body")).not_to_have_attribute("data-ran", "yes")
    assert await page.evaluate("document.body.dataset.pwned") is None
    for _ in range(50):  # the frame's image is asked for after the frame loads
        if blocked:
            break
        await asyncio.sleep(0.1)
    assert blocked == ["http://tracker.invalid/pixel.gif"]
    assert elsewhere == []
    await expect(page.locator("#mail-text")).to_contain_text("Hola Ana")
    await shot(page, screenshots, "outbox-message-desktop")
