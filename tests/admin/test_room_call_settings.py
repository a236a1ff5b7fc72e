"""The room forms' "During the call" settings: the host PIN and the boxes to tick, each
with its help text; every box kept as ticked through a save and a refused submit; each
refusal beside its field and in the summary at the top; the room list says which
settings are on; the host PIN is never shown back, like the PIN."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest

from voiceapp.conferencing import rooms
from voiceapp.core.models import Room
from voiceapp.core.settings import Settings
from voiceapp.switchboard import conference_server

from .conftest import Browser, field_error, field_value, notices
from .test_error_summary import summary_of

PAGE = "/admin/conferences"
SETTINGS = "/admin/conferences/rooms/1234"
LABELS = {
    "wait_for_host": "Wait for the host",
    "end_with_host": "End the call when the host leaves",
    "tones": "Entry and exit tones",
    "muted_on_entry": "Participants join muted",
    "record": "Record the call",
}
NEEDS_PIN = (
    "set a PIN first: callers to a room without one are never asked for a code, "
    "so none could type the host PIN"
)


class _FormReader(HTMLParser):
    """What a browser would post from one form of a page: its text fields as they show,
    its ticked boxes."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.data: dict[str, str | list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = found.get("action", "").endswith(self.action)
        elif tag == "input" and self.inside and found.get("name") != "csrf_token":
            if found.get("type") == "checkbox":
                if "checked" in found:
                    self.data[found["name"]] = found["value"]
            else:
                self.data[found["name"]] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def form_data(page: str, action: str) -> dict[str, str | list[str]]:
    reader = _FormReader(action)
    reader.feed(page)
    return reader.data


def ticked(page: str, field_id: str) -> bool:
    found = re.search(rf'<input id="{re.escape(field_id)}"[^>]*>', page)
    assert found is not None, f"no box #{field_id}"
    return " checked" in found.group(0)


def add_form(page: str) -> str:
    found = re.search(
        r'<form method="post" action="[^"]*/admin/conferences/rooms">.*?</form>', page, re.S
    )
    assert found is not None
    return found.group(0)


def assert_beside_and_on_top(page: str, field_id: str, label: str, message: str) -> None:
    assert field_error(page, field_id) == message
    assert (f"#{field_id}", f"{label}: {message}") in summary_of(page).entries
    field = re.search(rf'<input id="{re.escape(field_id)}"[^>]*>', page)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert f"{field_id}-error" in field.group(0)  # aria-describedby: the error is read out


async def save(admin: Browser, data: dict[str, str | list[str]]) -> httpx.Response:
    return await admin.submit(SETTINGS, SETTINGS, data)


# ---- adding a room ------------------------------------------------------------------------


async def test_the_add_form_groups_the_settings_under_a_heading_with_help(admin: Browser) -> None:
    await conference_server.setup_bridge("800", "fr")
    form = add_form((await admin.get(PAGE)).text)
    # Folded under its name, so that the form's button stays in a phone's first screen.
    heading = form.index('<summary id="room-call-settings-title">During the call</summary>')
    assert 'role="group" aria-labelledby="room-call-settings-title"' in form
    assert form.index('<input id="room-host_pin"') > heading
    assert field_value(form, "room-host_pin") == ""
    for name, label in LABELS.items():
        assert re.search(
            rf'<label for="room-{name}">{label}</label>\s*'
            rf'<small class="hint" id="room-{name}-hint">\w',
            form,
        )
        assert form.index(f'<input id="room-{name}"') > heading
    # Tones are on in a new room, as in any conference; nothing else is.
    assert {name: ticked(form, f"room-{name}") for name in LABELS} == {
        "wait_for_host": False,
        "end_with_host": False,
        "tones": True,
        "muted_on_entry": False,
        "record": False,
    }


async def test_add_a_room_with_every_setting(admin: Browser) -> None:
    await conference_server.setup_bridge("800", "fr")
    data = form_data((await admin.get(PAGE)).text, "/admin/conferences/rooms")
    data.update(name="Amphi", conference_id="1234", pin="4321", host_pin="86420")
    data.update(wait_for_host="yes", end_with_host="yes", muted_on_entry="yes", record="yes")
    del data["tones"]
    response = await admin.submit(PAGE, "/admin/conferences/rooms", data)
    assert response.status_code == 303
    room = await Room.get(conference_id="1234")
    assert (room.pin, room.host_pin, room.tones) == ("4321", "86420", False)
    assert (room.wait_for_host, room.end_with_host, room.muted_on_entry, room.record) == (
        True,
        True,
        True,
        True,
    )
    page = (await admin.get(PAGE)).text
    assert "Room Amphi added." in notices(page)
    card = re.search(r'<li class="row" data-conference-id="1234">.*?</li>', page, re.S)
    assert card is not None
    on = re.search(r'<div class="meta call-settings-on">([^<]*)</div>', card.group(0))
    assert on is not None
    assert on.group(1) == (
        "Host PIN set · Waits for the host · Ends when the host leaves · No tones · "
        "Participants join muted · Recorded"
    )
    assert "86420" not in page and "4321" not in page


async def test_a_plain_room_says_nothing_of_its_call_settings(
    admin: Browser, site_settings: Settings
) -> None:
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234")
    assert "call-settings-on" not in (await admin.get(PAGE)).text


async def test_add_form_refusals_are_beside_their_fields_and_keep_the_boxes(admin: Browser) -> None:
    await conference_server.setup_bridge("800", "fr")
    data: dict[str, str | list[str]] = {
        "name": "Amphi",
        "conference_id": "1234",
        "pin": "",
        "host_pin": "9999",
        "record": "yes",
    }
    response = await admin.submit(PAGE, "/admin/conferences/rooms", data)
    assert response.status_code == 400
    assert_beside_and_on_top(response.text, "room-host_pin", "Host PIN (optional)", NEEDS_PIN)
    # As typed: the host PIN is shown back as the PIN is, the boxes as they were ticked.
    assert field_value(response.text, "room-host_pin") == "9999"
    assert ticked(response.text, "room-record") and not ticked(response.text, "room-tones")

    data = {
        "name": "Amphi",
        "conference_id": "1234",
        "pin": "4321",
        "wait_for_host": "yes",
        "capacity": "0",
    }
    response = await admin.submit(PAGE, "/admin/conferences/rooms", data)
    assert response.status_code == 400
    assert_beside_and_on_top(
        response.text,
        "room-wait_for_host",
        "Wait for the host",
        "waiting for the host needs a host PIN: without one nobody is the host, "
        "and callers would wait forever",
    )
    # Every refusal at once, in the order the page shows the fields.
    assert [target for target, _ in summary_of(response.text).entries] == [
        "#room-capacity",
        "#room-wait_for_host",
    ]
    assert ticked(response.text, "room-wait_for_host")
    assert not await Room.exists()


# ---- a room's settings page -----------------------------------------------------------------


async def test_the_settings_page_never_shows_the_host_pin(
    admin: Browser, site_settings: Settings
) -> None:
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(
        site_settings, name="Ventes", conference_id="1234", pin="4321", host_pin="86420"
    )
    page = (await admin.get(SETTINGS)).text
    assert "86420" not in page and "4321" not in page
    assert field_value(page, "host_pin") == ""
    assert "4 to 12 digits; empty: keep the current host PIN" in page
    assert '<label for="clear_host_pin">Remove the host PIN</label>' in page
    assert '<summary id="call-settings-title">During the call</summary>' in page
    # An empty field keeps the host PIN; the box removes it.
    assert (await save(admin, form_data(page, SETTINGS))).status_code == 303
    assert (await Room.get(conference_id="1234")).host_pin == "86420"
    assert (
        await save(admin, {**form_data(page, SETTINGS), "clear_host_pin": "yes"})
    ).status_code == 303
    assert (await Room.get(conference_id="1234")).host_pin is None
    page = (await admin.get(SETTINGS)).text
    assert "clear_host_pin" not in page
    assert (
        "not the PIN: whoever types it instead of the PIN is the host; empty: no host PIN" in page
    )


@pytest.mark.parametrize("name", list(LABELS))
async def test_every_box_round_trips(admin: Browser, site_settings: Settings, name: str) -> None:
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(
        site_settings, name="Ventes", conference_id="1234", pin="4321", host_pin="9999"
    )
    for _ in range(2):  # flip it, then flip it back
        page = (await admin.get(SETTINGS)).text
        before = {
            column: getattr(await Room.get(conference_id="1234"), column) for column in LABELS
        }
        assert {column: ticked(page, column) for column in LABELS} == before
        data = form_data(page, SETTINGS)
        if before[name]:
            del data[name]
        else:
            data[name] = "yes"
        response = await save(admin, data)
        assert response.status_code == 303, field_error(response.text, name)
        after = {column: getattr(await Room.get(conference_id="1234"), column) for column in LABELS}
        assert after == {**before, name: not before[name]}  # that box, and only it
    assert ticked((await admin.get(SETTINGS)).text, name) == (name == "tones")


async def test_settings_refusals_are_beside_their_fields(
    admin: Browser, site_settings: Settings
) -> None:
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(
        site_settings,
        name="Ventes",
        conference_id="1234",
        pin="4321",
        host_pin="9999",
        wait_for_host=True,
    )
    data = form_data((await admin.get(SETTINGS)).text, SETTINGS)

    response = await save(admin, {**data, "clear_pin": "yes"})
    assert response.status_code == 400
    assert_beside_and_on_top(
        response.text,
        "pin",
        "New PIN",
        "remove the host PIN too, or keep the PIN: callers to a room without a PIN are "
        "never asked for a code",
    )
    response = await save(admin, {**data, "pin": "9999"})
    assert_beside_and_on_top(
        response.text, "pin", "New PIN", "the PIN must be different from the room's host PIN"
    )
    response = await save(admin, {**data, "host_pin": "4321"})
    assert_beside_and_on_top(
        response.text,
        "host_pin",
        "New host PIN",
        "the host PIN must be different from the room's PIN",
    )
    # Every refusal at once.
    response = await save(
        admin, {**data, "host_pin": "5678", "clear_host_pin": "yes", "capacity": "999"}
    )
    assert_beside_and_on_top(
        response.text,
        "host_pin",
        "New host PIN",
        "type a new host PIN or remove the host PIN, not both",
    )
    assert "capacity must be between 1 and 250" in field_error(response.text, "capacity")
    assert ticked(response.text, "clear_host_pin") and ticked(response.text, "wait_for_host")
    response = await save(admin, {**data, "clear_host_pin": "yes"})
    assert_beside_and_on_top(
        response.text,
        "host_pin",
        "New host PIN",
        "this room waits for the host: keep the host PIN, or stop waiting for the host",
    )
    room = await Room.get(conference_id="1234")
    assert (room.pin, room.host_pin, room.wait_for_host, room.capacity) == (
        "4321",
        "9999",
        True,
        10,
    )

    # Each in the reader's language.
    admin.client.headers["Accept-Language"] = "fr"
    response = await save(admin, {**data, "host_pin": "4321"})
    assert field_error(response.text, "host_pin") == (
        "le code d'accès organisateur doit être différent du code d'accès de la salle"
    )
    assert "Pendant l'appel" in response.text
    admin.client.headers["Accept-Language"] = "es"
    response = await save(admin, {**data, "host_pin": "4321"})
    assert field_error(response.text, "host_pin") == (
        "el código de acceso de anfitrión debe ser distinto del código de acceso de la sala"
    )
    assert "Durante la llamada" in response.text
