"""Playing a new message in Chromium updates the count of new messages above the list at
once, in the page's language, as it removes the message's "New" badge (trial 14: the
header said "2 new messages" until a reload)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from .browser_kit import CHROMIUM, PHONE, PLAY_FIRST, Server, cli, log_in, run_commands, shot
from .test_voicemail_browser import ALICE_NUMBER, leave_voicemail

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


async def test_playing_a_message_counts_it_heard_at_once(
    server: Server, chromium: Browser, screenshots: Path
) -> None:
    alice = ["--extension", "201", "--kind", "user", "--name", "Alice"]
    run_commands(
        server.env,
        [
            cli("extensions", "add", *alice, "--forward-to", "+33612345601"),
            cli("numbers", "add", ALICE_NUMBER, "--extension", "201"),
        ],
    )
    leave_voicemail(server, 2)
    leave_voicemail(server, 2)

    page = await chromium.new_page(viewport=PHONE, locale="en-GB")
    await log_in(page, server)  # it reads the English labels
    await page.goto(f"{server.url}/admin/voicemail")
    await page.locator("#language-choice").select_option("fr")
    await page.get_by_role("button", name="Change").click()
    count = page.get_by_text(re.compile(r"^\d+ nouveaux? messages?$"))
    await expect(count).to_have_text("2 nouveaux messages")
    played = await page.evaluate(PLAY_FIRST, "#messages")
    assert played["error"] is None, played
    await expect(page.locator("#messages li").first.locator(".badge")).to_have_count(0)
    await expect(count).to_have_text("1 nouveau message")  # no reload
    await shot(page, screenshots, "voicemail-count-fr")
    await page.reload()  # and the server agrees
    await expect(count).to_have_text("1 nouveau message")
