"""The Conferences page: the conference server, rooms, settings, deletion rules."""

from __future__ import annotations

import httpx

from voiceapp.conferencing import rooms
from voiceapp.core.models import Bridge, Room
from voiceapp.core.settings import Settings
from voiceapp.media.greetings import replace_greeting
from voiceapp.switchboard import numbers

from ..test_greetings import pcm_wav
from .conftest import Browser, banner, field_error, field_value, notices

PAGE = "/admin/conferences"


async def set_up(admin: Browser, extension: str = "800", language: str = "fr") -> None:
    response = await admin.submit(
        PAGE, "/admin/conferences/server", {"extension": extension, "language": language}
    )
    assert response.status_code == 303


async def save_settings(admin: Browser, conference_id: str, **fields: str) -> httpx.Response:
    page = f"/admin/conferences/rooms/{conference_id}"
    return await admin.submit(page, page, fields)


async def add_room(admin: Browser, **fields: str) -> str:
    response = await admin.submit(PAGE, "/admin/conferences/rooms", fields)
    return response.text if response.status_code != 303 else ""


async def test_set_up_the_conference_server_choosing_its_extension(admin: Browser) -> None:
    page = await admin.get(PAGE)
    assert "There is no conference server yet" in page.text
    assert 'action="https://voice.example.test/admin/conferences/rooms"' not in page.text
    await set_up(admin, "850", "es")
    current = await rooms.require_bridge()
    assert current.extension.number == "850"
    assert current.default_language == "es"
    page = await admin.get(PAGE)
    assert notices(page.text) == ["The conference server is on extension 850."]
    assert "Callers reach the conference server on extension 850." in page.text


async def test_bad_extension_is_shown_beside_its_field_with_what_was_typed(admin: Browser) -> None:
    response = await admin.submit(
        PAGE, "/admin/conferences/server", {"extension": "8a", "language": "es"}
    )
    assert response.status_code == 400
    assert (
        field_error(response.text, "server-extension")
        == "extension must be 2 to 6 digits, got '8a'"
    )
    assert field_value(response.text, "server-extension") == "8a"
    assert '<option value="es" selected>' in response.text
    assert not await Bridge.exists()


async def test_add_room_with_pin(admin: Browser) -> None:
    await set_up(admin)
    assert (
        await add_room(admin, name="Ventes", conference_id="1234", pin="4321", capacity="8") == ""
    )
    room = await Room.get(conference_id="1234")
    assert (room.name, room.pin, room.capacity) == ("Ventes", "4321", 8)
    page = (await admin.get(PAGE)).text
    assert "Room Ventes added." in notices(page)
    assert "Conference ID 1234" in page and "PIN set" in page
    assert "4321" not in page  # the PIN itself is never shown


async def test_room_form_errors_keep_the_typed_values(admin: Browser) -> None:
    await set_up(admin)
    page = await add_room(admin, name="Ventes", conference_id="1234", pin="12ab", capacity="8")
    assert field_error(page, "room-pin") == "PIN must be 4 to 12 digits (0-9), no letters or spaces"
    assert field_value(page, "room-name") == "Ventes"
    assert field_value(page, "room-conference_id") == "1234"
    assert field_value(page, "room-pin") == "12ab"
    assert field_value(page, "room-capacity") == "8"
    assert field_error(page, "room-name") == ""
    page = await add_room(admin, name="Ventes", conference_id="12", capacity="8")
    assert "conference ID must be 3 to 12 digits" in field_error(page, "room-conference_id")
    page = await add_room(admin, name="Ventes", conference_id="123", capacity="900")
    assert "capacity must be between 1 and 250" in field_error(page, "room-capacity")
    page = await add_room(admin, name="  ", conference_id="123", capacity="9")
    assert field_error(page, "room-name") == "room name must not be empty"
    assert not await Room.exists()


async def test_duplicate_conference_id_is_refused(admin: Browser) -> None:
    await set_up(admin)
    await add_room(admin, name="Ventes", conference_id="1234")
    page = await add_room(admin, name="Support", conference_id="1234")
    assert "already used by another room" in field_error(page, "room-conference_id")


async def test_ten_room_limit_is_enforced_with_a_clear_message(
    admin: Browser, site_settings: Settings
) -> None:
    await set_up(admin)
    for n in range(site_settings.max_rooms):
        await rooms.add_room(site_settings, name=f"Room {n}", conference_id=f"10{n}")
    page = (await admin.get(PAGE)).text
    assert "The conference server holds at most 10 rooms. Delete one to add another." in page
    response = await admin.submit(
        PAGE, "/admin/conferences/rooms", {"name": "Eleventh", "conference_id": "999"}
    )
    assert response.status_code == 409
    assert banner(response.text) == (
        "the conference server already has 10 rooms, the most it can hold; delete one first"
    )
    assert field_value(response.text, "room-name") == "Eleventh"
    assert await Room.all().count() == 10


async def test_settings_change_id_and_pin(admin: Browser, site_settings: Settings) -> None:
    await set_up(admin)
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234", pin="4321")
    page = await admin.get("/admin/conferences/rooms/1234")
    assert field_value(page.text, "new_conference_id") == "1234"
    assert field_value(page.text, "pin") == ""
    response = await save_settings(
        admin, "1234", name="Ventes Sud", new_conference_id="4444", pin="999888", capacity="12"
    )
    assert response.status_code == 303
    room = await Room.get(conference_id="4444")
    assert (room.name, room.pin, room.capacity) == ("Ventes Sud", "999888", 12)
    # An empty PIN field keeps the PIN; the checkbox removes it.
    keep = {"name": "Ventes Sud", "new_conference_id": "4444", "pin": "", "capacity": "12"}
    await save_settings(admin, "4444", **keep)
    assert (await Room.get(conference_id="4444")).pin == "999888"
    await save_settings(admin, "4444", **keep, clear_pin="yes")
    assert (await Room.get(conference_id="4444")).pin is None


async def test_settings_errors_are_beside_their_fields(
    admin: Browser, site_settings: Settings
) -> None:
    await set_up(admin)
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234")
    await rooms.add_room(site_settings, name="Support", conference_id="5555")
    response = await save_settings(
        admin, "1234", name="Ventes", new_conference_id="5555", pin="", capacity="10"
    )
    assert response.status_code == 409
    assert "already used by another room" in field_error(response.text, "new_conference_id")
    assert field_value(response.text, "new_conference_id") == "5555"
    response = await save_settings(
        admin, "1234", name="Ventes", new_conference_id="1234", pin="1", capacity="10"
    )
    assert response.status_code == 400
    assert "PIN must be 4 to 12 digits" in field_error(response.text, "pin")
    assert (await admin.get("/admin/conferences/rooms/777")).status_code == 404


async def test_delete_room_after_confirmation(admin: Browser, site_settings: Settings) -> None:
    await set_up(admin)
    room = await rooms.add_room(site_settings, name="Ventes", conference_id="1234")
    recording, _ = await replace_greeting(room, pcm_wav(), site_settings)
    confirm = await admin.get("/admin/conferences/rooms/1234/delete")
    assert "Delete room Ventes?" in confirm.text
    assert await Room.exists(conference_id="1234")  # asking is not deleting
    response = await admin.submit(
        "/admin/conferences/rooms/1234/delete", "/admin/conferences/rooms/1234/delete", {}
    )
    assert response.status_code == 303
    assert not await Room.exists(conference_id="1234")
    assert "Room Ventes deleted." in notices((await admin.get(PAGE)).text)
    assert not (site_settings.media_dir / recording).exists()  # its greeting went with it


async def test_deleting_the_server_is_refused_naming_rooms_and_numbers(
    admin: Browser, site_settings: Settings
) -> None:
    await set_up(admin)
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234")
    await rooms.add_room(site_settings, name="Support", conference_id="5555")
    await numbers.add_number("+33180000001", "800", "fr")
    await numbers.add_number("+34910000001", "800", "es")
    action = "/admin/conferences/server/delete"
    response = await admin.submit(action, action, {})
    assert response.status_code == 409
    assert banner(response.text) == (
        "the conference server (extension 800) is in use; delete its rooms first: "
        "Ventes (1234), Support (5555); map these numbers elsewhere first: "
        "+33180000001, +34910000001"
    )
    assert await Bridge.exists()
    for conference_id in ("1234", "5555"):
        await rooms.remove_room(conference_id)
    for number in ("+33180000001", "+34910000001"):
        await numbers.remove_number(number)
    assert (await admin.submit(action, action, {})).status_code == 303
    assert not await Bridge.exists()
    assert (await admin.get(action)).status_code == 404
