"""In Chromium, at desktop and phone size: after a failed submit, even of a form at the
bottom of a long Conferences page, the error summary is on screen and has the focus, and
its link takes the focus to the field at fault. Without script, the summary still gets
the focus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from .browser_kit import CHROMIUM, DESKTOP, PHONE, Server, cli, log_in, running_server, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


# Enough rooms that the conference server's form is far below the first screen.
LONG_CONFERENCES_PAGE = (
    cli("bridge", "setup", "--extension", "800", "--language", "fr"),
    *(cli("rooms", "add", "--name", f"Room {n}", "--conference-id", f"10{n}") for n in range(8)),
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """The real server, its Conferences page long (LONG_CONFERENCES_PAGE)."""
    with running_server(tmp_path, commands=LONG_CONFERENCES_PAGE) as running:
        yield running


async def focused_id(page: Page) -> str:
    return str(await page.evaluate("document.activeElement ? document.activeElement.id : ''"))


async def submit_a_bad_pin(page: Page, server: Server) -> None:
    """The add-room form, with a letter in the PIN."""
    await page.goto(server.url + "/admin/conferences")
    form = page.locator("section", has=page.get_by_role("heading", name="Add a room"))
    await form.get_by_label("Name").fill("Ventes")
    await form.get_by_label("Conference ID").fill("1234")
    await form.get_by_label("PIN (optional)", exact=True).fill("12x4")
    await form.get_by_role("button", name="Add the room").click()
    await page.wait_for_load_state("load")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_the_summary_is_in_view_focused_and_links_to_the_field(
    server: Server, chromium: Browser, screenshots: Path, viewport: dict[str, int]
) -> None:
    page = await chromium.new_page(viewport=viewport, locale="en-GB")  # type: ignore[arg-type]
    await log_in(page, server)
    size = "desktop" if viewport == DESKTOP else "phone"

    # The add-room form.
    await submit_a_bad_pin(page, server)
    summary = page.locator("#error-summary")
    await expect(summary).to_be_in_viewport()
    await expect(summary).to_be_focused()
    assert await focused_id(page) == "error-summary"
    await expect(summary).to_have_attribute("role", "alert")
    await expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    link = summary.get_by_role("link")
    await expect(link).to_have_text(
        "PIN (optional): PIN must be 4 to 12 digits (0-9), no letters or spaces"
    )
    # Beside the field as well, with what was typed.
    pin_field = page.locator("#room-pin")
    await expect(page.locator("#room-pin-error")).to_contain_text("PIN must be 4 to 12 digits")
    await expect(pin_field).to_have_value("12x4")
    await expect(page.locator("#room-name")).to_have_value("Ventes")
    await shot(page, screenshots, f"error-summary-room-{size}")
    await link.click()
    await expect(pin_field).to_be_focused()
    assert await focused_id(page) == "room-pin"
    await expect(pin_field).to_be_in_viewport()

    # The conference server's form, at the bottom of the page below the rooms: the
    # summary is still at the top, and its link scrolls down to the field, label and all.
    await page.goto(server.url + "/admin/conferences")
    extension = page.locator("#server-extension")
    await expect(extension).not_to_be_in_viewport()
    await extension.fill("8a")
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_load_state("load")
    await expect(summary).to_be_in_viewport()
    await expect(summary).to_be_focused()
    await expect(extension).not_to_be_in_viewport()
    await summary.get_by_role("link").click()
    await expect(extension).to_be_focused()
    await expect(extension).to_be_in_viewport()
    server_card = page.locator("section", has=page.get_by_role("heading", name="Conference server"))
    await expect(server_card.get_by_text("Extension", exact=True)).to_be_in_viewport()
    await expect(extension).to_have_value("8a")


async def test_without_script_the_summary_still_gets_the_focus(
    server: Server, chromium: Browser
) -> None:
    context = await chromium.new_context(
        viewport=DESKTOP,  # type: ignore[arg-type]
        locale="en-GB",
        java_script_enabled=False,
    )
    page = await context.new_page()
    await log_in(page, server)
    await submit_a_bad_pin(page, server)
    summary = page.locator("#error-summary")
    await expect(summary).to_be_in_viewport()
    await expect(summary).to_be_focused()  # its autofocus attribute
    await context.close()
