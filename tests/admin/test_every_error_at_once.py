"""A refused form shows every field's error from one submit, each beside its field and
all in the summary at the top, rather than one more per round trip (trial 14)."""

from __future__ import annotations

import re

from voiceapp.conferencing import rooms
from voiceapp.core.settings import Settings
from voiceapp.switchboard import conference_server, extensions

from .conftest import Browser, field_error, field_value

CONFERENCES = "/admin/conferences"
EXTENSIONS = "/admin/extensions"


def summary_links(page: str) -> list[str]:
    """The fields the error summary's entries link to, in order."""
    summary = page.split("data-error-summary", 1)[1].split("</div>", 1)[0]
    return re.findall(r'<li><a href="#([^"]+)">', summary)


async def test_a_room_with_three_mistakes_shows_all_three(
    admin: Browser, site_settings: Settings
) -> None:
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234")
    data = {"name": "Support", "conference_id": "1234", "pin": "12", "capacity": "999"}
    response = await admin.submit(CONFERENCES, "/admin/conferences/rooms", data)
    assert response.status_code == 400
    page = response.text
    assert field_error(page, "room-conference_id") == (
        "conference ID 1234 is already used by another room"
    )
    assert field_error(page, "room-pin") == (
        "PIN must be 4 to 12 digits (0-9), no letters or spaces"
    )
    assert field_error(page, "room-capacity") == (
        "capacity must be between 1 and 250 callers, got 999"
    )
    assert field_error(page, "room-name") == ""
    assert summary_links(page) == ["room-conference_id", "room-pin", "room-capacity"]
    assert field_value(page, "room-name") == "Support"  # what was typed stays


async def test_room_settings_show_every_error_in_french(
    admin: Browser, site_settings: Settings
) -> None:
    admin.client.headers["Accept-Language"] = "fr-FR,fr;q=0.9"
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234")
    await rooms.add_room(site_settings, name="Support", conference_id="5555")
    settings_page = "/admin/conferences/rooms/1234"
    data = {"name": "Ventes", "new_conference_id": "5555", "pin": "1", "capacity": "0"}
    response = await admin.submit(settings_page, settings_page, data)
    assert response.status_code == 400
    assert len(summary_links(response.text)) == 3
    assert "vous avez saisi 0" in field_error(response.text, "capacity")


async def test_a_user_on_a_taken_extension_with_a_bad_target_shows_both(
    admin: Browser,
) -> None:
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    data = {"extension": "201", "name": "Bruno", "forward_to": "abc"}
    response = await admin.submit(EXTENSIONS, "/admin/extensions/new/user", data)
    assert response.status_code == 400
    page = response.text
    assert field_error(page, "user-extension") == "extension 201 is already in use"
    # The forwarding error says a SIP URI would do too.
    assert field_error(page, "user-forward_to") == (
        "'abc' is not a phone number or a SIP URI; write a phone number with + and the "
        "country code, e.g. +33612345601, or a SIP URI, e.g. sip:alice@pbx.example.com"
    )
    assert summary_links(page) == ["user-extension", "user-forward_to"]
