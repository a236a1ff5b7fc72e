"""End to end with no carrier: `voiceapp call --answer no-answer` leaves a voicemail
through the emulator, and the Voicemail page in headless Chromium plays it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from .browser_kit import (
    CHROMIUM,
    DESKTOP,
    PHONE,
    PLAY_FIRST,
    Server,
    cli,
    log_in,
    run_cli,
    run_commands,
    shot,
)

ALICE_NUMBER = "+33180000201"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def leave_voicemail(server: Server, seconds: int) -> None:
    out = run_cli(
        server.env,
        "call",
        "--to",
        ALICE_NUMBER,
        "--answer",
        "no-answer",
        "--message-seconds",
        str(seconds),
    )
    assert f"beep; the caller leaves a {seconds} s message" in out


async def test_a_voicemail_left_with_the_emulator_plays_in_the_page(
    server: Server, chromium: Browser, screenshots: Path
) -> None:
    env = server.env
    alice = ["--extension", "201", "--kind", "user", "--name", "Alice"]
    run_commands(
        env,
        [
            cli("extensions", "add", *alice, "--forward-to", "+33612345601"),
            cli("numbers", "add", ALICE_NUMBER, "--extension", "201"),
        ],
    )
    leave_voicemail(server, 3)

    page = await chromium.new_page(viewport=DESKTOP, locale="en-GB")
    await log_in(page, server)
    await page.get_by_role("link", name="Voicemail").click()
    message = page.locator("#messages li").first
    await expect(message).to_contain_text("For extension 201 · Alice")
    await expect(message.locator(".badge")).to_have_text("New")
    await page.reload()  # showing the page fetched nothing (preload="none"): still new
    await expect(message.locator(".badge")).to_have_text("New")

    played = await page.evaluate(PLAY_FIRST, "#messages")
    assert played["error"] is None, played
    assert played["readyState"] >= 1
    assert played["duration"] == pytest.approx(3, abs=0.05)
    await expect(message.locator(".badge")).to_have_count(0)  # heard, at once
    await shot(page, screenshots, "voicemail")

    # Heard for good: the server marked it when the player asked for the first byte.
    await page.reload()
    await expect(page.locator("#messages li").first.locator(".badge")).to_have_count(0)

    # A second message whose recording vanishes after the page is shown: the player
    # fails, and the note beside it says why (the server's sentence, not a blank player).
    leave_voicemail(server, 2)
    await page.reload()
    newest = page.locator("#messages li").first
    await expect(newest.locator(".badge")).to_have_text("New")
    for recording in (Path(env["VOICEAPP_MEDIA_DIR"]) / "recordings").glob("*.wav"):
        if recording.stat().st_size < 40_000:  # the 2 s one (32 kB), not the 3 s one
            recording.unlink()
    failed = await page.evaluate(PLAY_FIRST, "#messages")
    assert failed["error"] is not None
    await expect(newest.locator(".audio-note")).to_contain_text(
        "This recording is kept by the carrier, and no carrier account is set"
    )

    # On a phone the page fits the screen's width, the player included.
    await page.set_viewport_size(PHONE)
    await page.reload()
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    await shot(page, screenshots, "voicemail-phone")
