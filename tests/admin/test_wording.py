"""Words a new user tripped over in French and Spanish (trial 14): a term the menu says
one way and a sentence another, a column heading that does not read before a date, and
"webhooks" left in a sentence meant for someone who never heard of them."""

from __future__ import annotations

import re

import pytest

from voiceapp.conferencing import rooms
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.switchboard import conference_server, numbers

from ..catalogs import extracted, read_catalog
from ..conftest import AUTH_TOKEN, FR_NUMBER, PUBLIC_URL
from .conftest import Browser


def translations(language: str) -> dict[str, str]:
    """Each message the code uses (singular form), and its translation's every form."""
    catalog = read_catalog(language)
    used = {
        found.message if isinstance(found.message, str) else found.message[0]
        for found in extracted()
    }
    found = {}
    for english in used:
        entry = catalog.get(english)
        if entry is not None:
            forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            found[english] = " ".join(forms)
    return found


def test_french_says_poste_as_the_menu_does() -> None:
    french = translations("fr")
    assert french["Extensions"] == "Postes"
    # "--extension" is an option to type and %(extension)s a placeholder, both as they
    # are; every other one is a "poste".
    stray = {
        english: text
        for english, text in french.items()
        if re.search(r"(?<![-(])\bextensions?\b", text, re.IGNORECASE)
    }
    assert stray == {}


@pytest.mark.parametrize("language", ["fr", "es"])
def test_no_webhooks_in_the_pages(language: str) -> None:
    assert [text for text in translations(language).values() if "webhook" in text.lower()] == []


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Arrived"), ("fr", "Arrivée"), ("es", "Entrada")]
)
async def test_the_live_column_reads_before_a_date(
    admin: Browser, site_settings: Settings, language: str, heading: str
) -> None:
    await conference_server.setup_bridge("800", "fr")
    await numbers.add_number(FR_NUMBER, "800", "fr")
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234")
    carrier = Carrier(admin.client, PUBLIC_URL, AUTH_TOKEN)
    call = await carrier.call(FR_NUMBER, caller="+33612345678", digits=["1234#"], stay=True)
    admin.client.headers["Accept-Language"] = language
    fragment = (await admin.get("/admin/live/rooms")).text
    assert f'<th scope="col">{heading}</th>' in fragment
    # The same words head each row's date on a phone, where the table stacks.
    assert re.search(rf'<td data-label="{heading}"><time ', fragment)
    await call.hangup()
