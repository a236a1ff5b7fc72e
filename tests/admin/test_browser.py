"""End to end, as an office manager would do it: in headless Chromium against the real
server, log in, create a room with a PIN, map a number to the conference server, then
place a call with the carrier emulator and watch the caller appear on the Live page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from voiceapp.emulator.inprocess import remote_carrier

from ..conftest import AUTH_TOKEN, FR_NUMBER
from .browser_kit import CHROMIUM, PHONE, Server, shot
from .conftest import PASSWORD, USERNAME

CALLER = "+33612345678"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


async def test_office_manager_sets_up_a_room_and_a_caller_joins_it(
    server: Server, chromium: Browser, screenshots: Path
) -> None:
    page = await chromium.new_page(viewport=PHONE, locale="en-GB")

    # /admin/ without a session goes to the login page; log in.
    await page.goto(server.url + "/admin/")
    await expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    await page.get_by_label("Username").fill(USERNAME)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(server.url + "/admin/conferences")

    # Set up the conference server on extension 800, then a room with a PIN.
    await page.get_by_label("Extension", exact=True).fill("800")
    await page.get_by_label("Default language").select_option("fr")
    await page.get_by_role("button", name="Set up the conference server").click()
    await expect(page.get_by_role("status")).to_have_text(
        "The conference server is on extension 800."
    )
    await page.get_by_label("Name").fill("Ventes")
    await page.get_by_label("Conference ID").fill("1234")
    await page.get_by_label("PIN (optional)", exact=True).fill("12x4")  # a typo first
    await page.get_by_role("button", name="Add the room").click()
    await expect(page.locator("#room-pin-error")).to_contain_text("PIN must be 4 to 12 digits")
    await expect(page.get_by_label("Name")).to_have_value("Ventes")  # kept as typed
    await page.get_by_label("PIN (optional)", exact=True).fill("4321")
    await page.get_by_role("button", name="Add the room").click()
    await expect(page.get_by_role("status")).to_have_text("Room Ventes added.")
    await shot(page, screenshots, "conferences")

    # A user extension, so the number can be moved from it to the conference server.
    await page.get_by_role("link", name="Extensions").click()
    add_user = page.locator("details", has_text="Add a user")
    await add_user.locator("summary").click()
    await add_user.get_by_label("Extension").fill("201")
    await add_user.get_by_label("Name").fill("Alice")
    await add_user.get_by_label("Forwarding number").fill("+33612345601")
    await add_user.get_by_role("button", name="Add").click()
    await expect(page.get_by_role("status")).to_have_text("Extension 201 added.")

    # Add the number to Alice, then map it to the conference server with the drop-down.
    await page.get_by_role("link", name="Numbers").click()
    add_number = page.locator("section", has=page.get_by_role("heading", name="Add a number"))
    await add_number.get_by_label("Phone number").fill(FR_NUMBER)
    await add_number.get_by_label("Destination").select_option("201")
    await add_number.get_by_label("Language").select_option("fr")
    await add_number.get_by_role("button", name="Add the number").click()
    row = page.locator(f'li[data-number="{FR_NUMBER}"]')
    await row.get_by_text("Edit").click()  # each number's form opens on demand
    await row.get_by_label("Destination").select_option(label="800 · Conference server")
    await row.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text(f"{FR_NUMBER} now reaches extension 800.")
    await shot(page, screenshots, "numbers")

    # The Live page is open when the call comes in; it updates without a reload.
    await page.get_by_role("link", name="Live").click()
    ventes = page.locator('section[data-conference-id="1234"]')
    await expect(ventes).to_contain_text("Nobody is in this room.")
    await page.evaluate("window.reloadMarker = 'still the same page'")

    async with remote_carrier(server.url, AUTH_TOKEN) as carrier:
        call = await carrier.call(FR_NUMBER, caller=CALLER, digits=["1234#", "4321#"], stay=True)
        assert "Veuillez saisir le code d'accès, suivi de la touche dièse." in call.said
        assert "Vous allez rejoindre la conférence 1 2 3 4." in call.said
        assert call.conference is not None and call.conference.participants == [call.call_sid]

        await expect(ventes.locator("tr.caller")).to_contain_text(CALLER, timeout=15_000)
        await expect(ventes).to_contain_text("1 of 10 caller")
        assert await page.evaluate("window.reloadMarker") == "still the same page"
        await shot(page, screenshots, "live")

        await call.hangup()
    await expect(ventes).to_contain_text("Nobody is in this room.", timeout=15_000)

    # The call history has it: caller, number dialled, room, outcome.
    await page.get_by_role("link", name="Call history").click()
    first = page.locator("#calls tbody tr").first
    for text in (CALLER, FR_NUMBER, "Ventes", "Joined"):
        await expect(first).to_contain_text(text)
    await shot(page, screenshots, "history")
