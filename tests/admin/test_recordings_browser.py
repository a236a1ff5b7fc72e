"""End to end with no carrier: `voiceapp call` into a recorded room, the emulator records
the conference and reports it, and the Recordings page in headless Chromium, opened from
the room's link on the Conferences page, plays it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, ViewportSize, expect

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

NUMBER = "+33180000800"


def viewport(size: dict[str, int]) -> ViewportSize:
    return ViewportSize(width=size["width"], height=size["height"])


pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


async def test_a_recorded_conference_plays_in_the_page(
    server: Server, chromium: Browser, screenshots: Path
) -> None:
    env = server.env
    run_commands(
        env,
        [
            cli("bridge", "setup", "--extension", "800", "--language", "fr"),
            cli("numbers", "add", NUMBER, "--extension", "800"),
            cli("rooms", "add", "--name", "Salle Azur", "--conference-id", "1234", "--record"),
        ],
    )
    out = run_cli(env, "call", "--to", NUMBER, "--digits", "1234#", "--stay", "3")
    assert "1234" in out

    page = await chromium.new_page(viewport=viewport(DESKTOP), locale="en-GB")
    await log_in(page, server)
    room = page.locator('#rooms li[data-conference-id="1234"]')
    await room.get_by_role("link", name="Recordings").click()
    await page.wait_for_url(server.url + "/admin/recordings?room=1234")
    recording = page.locator("#recordings li").first
    await expect(recording).to_contain_text("Salle Azur")
    await expect(recording).to_contain_text("Conference ID 1234")

    played = await page.evaluate(PLAY_FIRST, "#recordings")
    assert played["error"] is None, played
    assert played["duration"] == pytest.approx(3, abs=1.05)
    await shot(page, screenshots, "recordings")

    # Deleted, after the confirmation page.
    await recording.get_by_role("link", name="Delete").click()
    await page.get_by_role("button", name="Yes, delete").click()
    await expect(page.locator(".notice")).to_contain_text("(Salle Azur) is deleted.")
    await expect(page.locator("#recordings li")).to_have_count(0)
    assert list((Path(env["VOICEAPP_MEDIA_DIR"]) / "recordings").glob("*.wav")) == []

    await page.set_viewport_size(viewport(PHONE))
    await page.reload()
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
