"""The README's quick start, in a real browser: a server with nothing configured prints
a setup link; the link makes the first admin; `voiceapp call --url` needs no token."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from ..conftest import FR_NUMBER
from .browser_kit import CHROMIUM, DESKTOP, cli, run_commands, running_server, shot
from .conftest import PASSWORD, run_voiceapp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]
SETUP_LINK = re.compile(r"http://127\.0\.0\.1:\d+/admin/setup\?token=[\w-]+")


def printed_link(output: str) -> str:
    found = SETUP_LINK.search(output)
    assert found is not None, output
    return found.group(0)


async def test_a_newcomer_gets_in_with_the_printed_link_and_calls_with_nothing_set(
    tmp_path: Path, chromium: Browser, screenshots: Path
) -> None:
    with running_server(tmp_path, configured=False, with_admin=False) as server:
        link = printed_link(server.output())
        page = await chromium.new_page(viewport=DESKTOP, locale="en-GB")

        # The login page says how to get in.
        await page.goto(server.url + "/admin/")
        await expect(page.get_by_role("note")).to_contain_text("There is no admin account yet")

        await page.goto(link)
        await expect(
            page.get_by_role("heading", name="Create the first admin account")
        ).to_be_visible()
        await expect(page.get_by_text("At least 10 characters")).to_be_visible()
        await shot(page, screenshots, "setup")
        await page.get_by_label("Username").fill("office")
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_label("Password, again").fill(PASSWORD)
        await page.get_by_role("button", name="Create the account").click()
        await expect(page).to_have_url(server.url + "/admin/conferences")
        await expect(page.get_by_role("status")).to_contain_text(
            "your admin account office is ready"
        )

        # Used once: the same link is dead now.
        await page.goto(link)
        await expect(page.get_by_text("this setup link is dead")).to_be_visible()

        # The carrier token: kept by the server, found by `voiceapp call` on the same
        # database, with nothing in the environment.
        run_commands(
            server.env,
            [
                cli("bridge", "setup", "--extension", "800", "--language", "fr"),
                cli("numbers", "add", FR_NUMBER, "--extension", "800", "--language", "fr"),
                cli("rooms", "add", "--name", "Ventes", "--conference-id", "1234", "--pin", "4321"),
            ],
        )
        assert "TWILIO_AUTH_TOKEN" not in server.env
        call = run_voiceapp(
            server.env,
            "call",
            "--url",
            server.url,
            "--to",
            FR_NUMBER,
            "--digits",
            "1234#",
            "--digits",
            "4321#",
        )
        assert call.returncode == 0, call.stderr
        assert "☰ in conference" in call.stdout

        await asyncio.sleep(0.2)  # the access log line of the last request
        output = server.output()
        assert "a real carrier" in output.lower() and "TWILIO_AUTH_TOKEN" in output
        token = link.rsplit("=", 1)[1]
        # Printed once for the person at the terminal; the access log shows it redacted.
        assert output.count(token) == 1
        assert "/admin/setup?token=[redacted]" in output
