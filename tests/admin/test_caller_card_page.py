"""The Caller's card page: the keypad menu in French, Spanish and English on one card,
whatever the reader's language; a room's numbers and conference ID when asked, never its
PINs; open to every account; printed on one A4 or Letter page (checked in Chromium)."""

from __future__ import annotations

import html
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.async_api import Browser as PlaywrightBrowser
from playwright.async_api import ViewportSize

from voiceapp.accounts import profiles
from voiceapp.admin import STATIC_DIR
from voiceapp.admin.caller_card import CARD_LANGUAGES, HOST, HOST_NOTE, TITLE
from voiceapp.conferencing import rooms
from voiceapp.conferencing.menu import ITEMS
from voiceapp.core.i18n import format_message, gettext
from voiceapp.core.models import Room
from voiceapp.core.settings import Settings
from voiceapp.switchboard import conference_server, numbers

from .browser_kit import CHROMIUM, log_in, running_server
from .conftest import PASSWORD, Browser, field_error

PAGE = "/admin/caller-card"
# Codes that must never reach the page, in any language, in any attribute.
PIN = "97531"
HOST_PIN = "86420"
NUMBERS = {"+33180000800": "fr", "+34910000800": "es"}
HEADINGS = {"fr": "Commandes du clavier", "es": "Comandos del teclado", "en": "Keypad commands"}
PIN_LINES = {
    "fr": "Code d'accès : communiqué par l'organisateur",
    "es": "Código de acceso: se lo facilita su anfitrión",
    "en": "PIN: given by your host",
}


def sections(page: str) -> dict[str, str]:
    """Each language's section of the card, by its lang attribute."""
    found = re.findall(
        r'<section class="card-language" lang="(\w+)" translate="no"[^>]*>(.*?)</section>',
        page,
        re.DOTALL,
    )
    return {language: html.unescape(body) for language, body in found}


def keys_in(section: str) -> list[tuple[str, str, bool]]:
    """(key, label, marked as the host's) for each key the section lists."""
    rows = re.findall(
        r'<li( class="host-only")?><kbd class="key">([^<]+)</kbd> <span class="label">'
        r'([^<]+)</span>(?: <span class="host">([^<]+)</span>)?</li>',
        section,
    )
    return [(key, label, bool(host_class) and bool(host)) for host_class, key, label, host in rows]


def menu_in(language: str, *, host_keys: bool = True) -> list[tuple[str, str, bool]]:
    return [
        (item.key, gettext(language, item.label), item.host_only)
        for item in ITEMS
        if host_keys or not item.host_only
    ]


async def office(settings: Settings, *, host_pin: str | None = HOST_PIN) -> None:
    """The conference server, two numbers to it, and a room with a PIN (and a host PIN)."""
    await conference_server.setup_bridge("800", "fr")
    for number, language in NUMBERS.items():
        await numbers.add_number(number, "800", language)
    await rooms.add_room(settings, name="Salle Azur", conference_id="1234", pin=PIN)
    await Room.filter(conference_id="1234").update(host_pin=host_pin)


@pytest.mark.parametrize("reader", ["en", "fr", "es"])
async def test_the_card_is_in_three_languages_whatever_the_readers(
    admin: Browser, reader: str
) -> None:
    page = (await admin.get(PAGE, headers={"Accept-Language": reader})).text
    assert f'<html lang="{reader}">' in page
    title = re.search(r"<h1>([^<]*)</h1>", page)
    assert title is not None and html.unescape(title.group(1)) == gettext(reader, TITLE)
    found = sections(page)
    assert list(found) == list(CARD_LANGUAGES) == ["fr", "es", "en"]
    for language, section in found.items():
        assert HEADINGS[language] in section  # the heading in the section's own language
        assert keys_in(section) == menu_in(language), language
        host = gettext(language, HOST)
        assert f'<span class="host">{host}</span>' in section
        assert format_message(language, HOST_NOTE, {"host": host}) in section
        assert '<kbd class="key">*</kbd>' in section
    assert "Appuyez sur" in found["fr"]
    assert "Pulse" in found["es"]
    assert "Press" in found["en"]
    # Without a room: no join line, nothing about a PIN.
    assert 'class="join"' not in page


async def test_a_rooms_card_has_its_numbers_and_id_and_never_a_pin(
    admin: Browser, site_settings: Settings
) -> None:
    await office(site_settings)
    response = await admin.get(PAGE, params={"room": "1234"}, headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    page = response.text
    assert PIN not in page and HOST_PIN not in page
    assert "Salle Azur" in page
    assert "☎ +33 1 80 00 08 00" in page and "☎ +34 910 00 08 00" in page
    assert '<span lang="es" translate="no">(Español)</span>' in page
    assert "<strong>1234</strong>" in page
    for language, section in sections(page).items():
        assert PIN_LINES[language] in section
        assert "1234" in section
        assert keys_in(section) == menu_in(language)
    assert "Call one of the numbers above, then type the conference ID 1234" in page
    # The chooser shows the room picked.
    assert '<option value="1234" selected>Salle Azur · 1234</option>' in page


async def test_a_room_without_a_host_pin_leaves_out_the_hosts_keys(
    admin: Browser, site_settings: Settings
) -> None:
    await office(site_settings, host_pin=None)
    page = (await admin.get(PAGE, params={"room": "1234"})).text
    for language, section in sections(page).items():
        assert keys_in(section) == menu_in(language, host_keys=False)
        assert 'class="host' not in section
    assert "This room has no host PIN" in page


async def test_a_room_without_a_pin_says_nothing_of_one(
    admin: Browser, site_settings: Settings
) -> None:
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(site_settings, name="Équipe Nord", conference_id="5555")
    page = (await admin.get(PAGE, params={"room": "5555"})).text
    for language, section in sections(page).items():
        assert PIN_LINES[language] not in section
    # No number reaches the conference server: the card says what to type once through.
    assert "When asked, type the conference ID 5555 followed by #." in page
    assert "No phone number reaches the conference server yet" in page


@pytest.mark.parametrize(
    ("room", "status", "message"),
    [
        ("9999", 404, "there is no room with conference ID 9999"),
        ("abc", 400, "conference ID"),
    ],
)
async def test_an_unknown_room_is_said_beside_the_chooser(
    admin: Browser, room: str, status: int, message: str
) -> None:
    response = await admin.get(PAGE, params={"room": room})
    assert response.status_code == status
    assert message in field_error(response.text, "card-room")
    assert len(sections(response.text)) == 3  # the card without a room, still printable


async def test_organizers_open_it_and_visitors_log_in_first(
    visitor: Browser, site_settings: Settings
) -> None:
    await office(site_settings)
    away = await visitor.get(PAGE, params={"room": "1234"})
    assert away.status_code == 303
    assert away.headers["location"].endswith(
        "/admin/login?next=%2Fadmin%2Fcaller-card%3Froom%3D1234"
    )
    await profiles.create_account("ines", PASSWORD, profiles.Profile(role="organizer"))
    assert (await visitor.log_in("ines")).status_code == 303
    page = await visitor.get(PAGE, params={"room": "1234"})
    assert page.status_code == 200
    assert len(sections(page.text)) == 3 and "Salle Azur" in page.text


async def test_each_room_links_to_its_card(admin: Browser, site_settings: Settings) -> None:
    await office(site_settings)
    page = (await admin.get("/admin/conferences")).text
    assert re.search(rf'href="[^"]*{PAGE}\?room=1234">Caller\'s card</a>', page)


async def test_printing_shows_the_card_alone() -> None:
    """The page links its own stylesheet, whose print rule hides all but the card."""
    css = (STATIC_DIR / "caller_card.css").read_text()
    printed = css[css.index("@media print") :]
    assert re.search(r"\.top, \.screen-only, [^{]*\{ display: none !important; \}", printed)
    assert "@page" in printed


async def test_the_page_links_its_print_stylesheet_and_script(admin: Browser) -> None:
    page = (await admin.get(PAGE)).text
    assert "/admin/static/caller_card.css" in page
    assert "/admin/static/caller_card.js" in page
    assert (await admin.get("/admin/static/caller_card.css")).status_code == 200
    # Script-free: the Print button stays hidden (nothing to click that does nothing).
    assert re.search(r"<button [^>]*data-print[^>]* hidden>", page)


# ---- printed, in Chromium ------------------------------------------------------------------

# What the print stylesheet's 12 mm margins leave of A4's width and Letter's height, in
# CSS pixels (96 a inch).
PRINTED_AREA = ViewportSize(
    width=round((210 - 24) / 25.4 * 96), height=round((279.4 - 24) / 25.4 * 96)
)
LONG_ROOM = "Réunion hebdomadaire de l'équipe commerciale Europe du Sud et Amérique latine (lundi)"


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
async def test_the_card_prints_on_one_page_a4_and_letter(
    chromium: PlaywrightBrowser, screenshots: Path, tmp_path: Path
) -> None:
    """The fullest card (a long room name, eight numbers, the host's keys) on one sheet
    of either paper size; the page's controls are not printed."""
    with running_server(tmp_path) as server:
        context = await chromium.new_context(locale="en-GB")
        tab = await context.new_page()
        await log_in(tab, server)
        token = await tab.locator('input[name="csrf_token"]').first.input_value()

        async def post(path: str, **form: str) -> None:
            response = await context.request.post(
                f"{server.url}/admin{path}", form={**form, "csrf_token": token}, max_redirects=0
            )
            assert response.status == 303, await response.text()

        await post("/conferences/server", extension="800", language="fr")
        await post("/conferences/rooms", name=LONG_ROOM, conference_id="123456789012", pin=PIN)
        # No form sets a host PIN yet in this test's reach: straight into the server's file.
        with sqlite3.connect(tmp_path / "e2e.sqlite3") as database:
            database.execute(
                "UPDATE room SET host_pin = ? WHERE conference_id = ?", (HOST_PIN, "123456789012")
            )
        for n in range(8):
            number = f"+3318000{n:04d}" if n % 2 else f"+3491000{n:04d}"
            await post("/numbers", number=number, extension="800", language="fr")
        await tab.goto(f"{server.url}{PAGE}?room=123456789012")
        assert await tab.locator("[data-print]").is_visible()  # script shows the button
        await tab.emulate_media(media="print")
        # The screenshot as the sheet is laid out: A4's width inside its margins.
        await tab.set_viewport_size(PRINTED_AREA)
        await tab.screenshot(path=str(screenshots / "caller-card-print.png"), full_page=True)
        assert not await tab.locator("header.top").is_visible()
        assert not await tab.locator("h1").is_visible()
        assert not await tab.locator("[data-print]").is_visible()
        assert await tab.locator(".caller-card").is_visible()
        for paper in ("A4", "Letter"):
            pdf = await tab.pdf(format=paper, print_background=False)
            (screenshots / f"caller-card-{paper}.pdf").write_bytes(pdf)
            pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
            assert pages == 1, f"{paper}: {pages} pages"
        await context.close()
