"""End to end, in headless Chromium against the real server: the admin makes an organizer
on the Accounts page; the organizer, on a phone, imports a CSV file, reads the report,
makes a group of two contacts, and finds the admins' pages closed to them."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from .browser_kit import CHROMIUM, DESKTOP, PHONE, Server, log_in, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]

ORGANIZER_PASSWORD = "organizer password 42"
CSV = (
    "name;email;language\n"
    "Ana Ruiz;ana@example.com;es\n"
    "Bruno Díaz;bruno@example.com;fr\n"
    "Carla;carla@;en\n"
)


async def test_an_organizer_imports_contacts_and_makes_a_group(
    server: Server, chromium: Browser, screenshots: Path, tmp_path: Path
) -> None:
    desk = await chromium.new_page(viewport=DESKTOP, locale="en-GB")
    await log_in(desk, server)
    await desk.get_by_role("link", name="Accounts").click()
    await desk.get_by_text("Add an account").click()
    await desk.get_by_label("Username").fill("ines")
    await desk.get_by_label("Password").fill(ORGANIZER_PASSWORD)
    await desk.get_by_label("Role").select_option("organizer")
    await desk.get_by_label("Display name").fill("Inés García")
    await desk.get_by_role("button", name="Add the account").click()
    await expect(desk.locator(".notice")).to_have_text(
        "Account ines added: give them their password in person."
    )
    await expect(desk.locator('[data-account="ines"] [data-role]')).to_have_text("Organizer")

    phone = await chromium.new_page(viewport=PHONE, locale="en-GB")
    await phone.goto(server.url + "/admin/login")
    await phone.get_by_label("Username").fill("ines")
    await phone.get_by_label("Password").fill(ORGANIZER_PASSWORD)
    await phone.get_by_role("button", name="Log in").click()
    await expect(phone).to_have_url(server.url + "/admin/meetings")  # an organizer's first page
    await expect(phone.locator("nav a")).to_have_text(["Meetings", "Contacts", "Groups"])
    await phone.get_by_role("link", name="Contacts").click()

    file = tmp_path / "people.csv"
    file.write_text(CSV, encoding="utf-8")
    await phone.get_by_label("File", exact=True).set_input_files(file)
    await phone.get_by_role("button", name="Import", exact=True).click()
    await expect(phone.locator('[data-count="added"]')).to_have_text("2")
    await expect(phone.locator("#report-skipped tbody td")).to_have_text(
        ["Line 4", "'carla@' is not a valid e-mail address, e.g. ana@example.com"]
    )
    await shot(phone, screenshots, "contacts-import-report-phone")

    await phone.get_by_role("link", name="Groups").click()
    await phone.get_by_label("Group name").fill("Partners")
    await phone.get_by_label("Ana Ruiz").check()
    await phone.get_by_label("Bruno Díaz").check()
    await phone.get_by_role("button", name="Add the group").click()
    await expect(phone.locator('[data-group="Partners"] .meta')).to_have_text(
        "Ana Ruiz, Bruno Díaz"
    )

    response = await phone.goto(server.url + "/admin/numbers")
    assert response is not None and response.status == 403
    await expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Only admins can open this page"
    )
    await phone.get_by_role("link", name="Back to your pages").click()
    await expect(phone).to_have_url(server.url + "/admin/meetings")
