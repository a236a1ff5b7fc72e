"""After a failed submit, every admin form's page starts with a summary of what went wrong
(role="alert", focusable, each entry a link to its field), the message stays beside the
field and the values stay as typed. At the room limit the add-room form says so as a
warning and cannot be used; a new PIN and "Remove the PIN" at once is refused."""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from voiceapp.conferencing import rooms
from voiceapp.core.errors import InvalidInput
from voiceapp.core.models import Room
from voiceapp.core.settings import Settings
from voiceapp.switchboard import conference_server, extensions, numbers

from .conftest import Browser, banner, field_error, field_value, run_voiceapp

CONFERENCES = "/admin/conferences"


@dataclass
class Summary:
    """The error summary of a page, as a browser sees it."""

    attributes: dict[str, str | None] = field(default_factory=dict)
    entries: list[tuple[str, str]] = field(default_factory=list)  # (link target or "", text)


class _Reader(HTMLParser):
    """Every element id on a page, and its error summary's entries."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.summary: Summary | None = None
        self._depth = 0  # inside the summary's <div>, how many <div>s deep
        self._entry: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "div" and "data-error-summary" in found:
            self.summary = Summary(attributes=found)
            self._depth = 1
        elif tag == "div" and self._depth:
            self._depth += 1
        elif tag == "li" and self._depth:
            self._entry = ("", [])
        elif tag == "a" and self._entry is not None:
            self._entry = (str(found.get("href", "")), self._entry[1])

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._depth:
            self._depth -= 1
        elif tag == "li" and self._entry is not None and self.summary is not None:
            target, text = self._entry
            self.summary.entries.append((target, " ".join("".join(text).split())))
            self._entry = None

    def handle_data(self, data: str) -> None:
        if self._entry is not None:
            self._entry[1].append(data)


def read(page: str) -> _Reader:
    reader = _Reader()
    reader.feed(page)
    return reader


def summary_of(page: str) -> Summary:
    found = read(page).summary
    assert found is not None, "no error summary on the page"
    return found


def assert_summarised(page: str, field_id: str, label: str) -> None:
    """The page's summary, at its top, links to the field with this id (which is on the
    page, once) and says what is wrong with it, as the message beside the field does."""
    reader = read(page)
    assert reader.summary is not None, "no error summary on the page"
    attributes = reader.summary.attributes
    assert attributes["role"] == "alert"
    assert attributes["tabindex"] == "-1"  # focusable by script (forms.js), not by Tab
    assert "autofocus" in attributes  # focused without script too
    beside = field_error(page, field_id)
    assert beside, f"no error beside #{field_id}"
    assert (f"#{field_id}", f"{label}: {beside}") in reader.summary.entries
    assert reader.ids.count(field_id) == 1
    # At the top: before the page's heading and every form in it.
    assert page.index("data-error-summary") < page.index("<h1")
    assert re.search(rf'id="{re.escape(field_id)}"[^>]*aria-describedby="{field_id}-error"', page)


def assert_no_summary(page: str) -> None:
    assert read(page).summary is None


# ---- every form ------------------------------------------------------------------------


async def test_a_page_without_errors_has_no_summary(admin: Browser) -> None:
    assert_no_summary((await admin.get(CONFERENCES)).text)


async def test_bridge_setup(admin: Browser) -> None:
    response = await admin.submit(
        CONFERENCES, "/admin/conferences/server", {"extension": "8a", "language": "es"}
    )
    assert response.status_code == 400
    assert_summarised(response.text, "server-extension", "Extension")
    assert field_value(response.text, "server-extension") == "8a"
    assert '<option value="es" selected>' in response.text


async def test_add_room(admin: Browser) -> None:
    await conference_server.setup_bridge("800", "fr")
    data = {"name": "Ventes", "conference_id": "1234", "pin": "12ab", "capacity": "8"}
    response = await admin.submit(CONFERENCES, "/admin/conferences/rooms", data)
    assert response.status_code == 400
    assert_summarised(response.text, "room-pin", "PIN (optional)")
    assert summary_of(response.text).entries == [
        ("#room-pin", "PIN (optional): PIN must be 4 to 12 digits (0-9), no letters or spaces")
    ]
    for name, value in data.items():
        assert field_value(response.text, f"room-{name}") == value


async def test_room_settings(admin: Browser, site_settings: Settings) -> None:
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234")
    page = "/admin/conferences/rooms/1234"
    data = {"name": "Ventes Sud", "new_conference_id": "1234", "pin": "", "capacity": "999"}
    response = await admin.submit(page, page, data)
    assert response.status_code == 400
    assert_summarised(response.text, "capacity", "Capacity")
    assert field_value(response.text, "name") == "Ventes Sud"
    assert field_value(response.text, "capacity") == "999"


async def test_add_number(admin: Browser) -> None:
    await conference_server.setup_bridge("800", "fr")
    data = {"number": "0612345678", "extension": "800", "language": "es"}
    response = await admin.submit("/admin/numbers", "/admin/numbers", data)
    assert response.status_code == 400
    assert_summarised(response.text, "add-number", "Phone number")
    assert field_value(response.text, "add-number") == "0612345678"


async def test_change_a_number(admin: Browser) -> None:
    await conference_server.setup_bridge("800", "fr")
    await numbers.add_number("+33180000001", "800", "fr")
    action = "/admin/numbers/+33180000001"
    response = await admin.submit("/admin/numbers", action, {"extension": "800", "language": "de"})
    assert response.status_code == 400
    # The row's own fields, whatever their place in the list.
    assert_summarised(response.text, "n1-language", "Language")


async def test_delete_confirmation_refused(admin: Browser) -> None:
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    await numbers.add_number("+33180000001", "201", "fr")
    action = "/admin/extensions/201/delete"
    response = await admin.submit(action, action, {})
    assert response.status_code == 409
    # A refusal about no field: in the summary, without a link.
    assert summary_of(response.text).entries == [
        (
            "",
            "extension 201 is still reached by +33180000001; map that number elsewhere first",
        )
    ]
    assert banner(response.text).startswith("extension 201 is still reached")


async def test_add_a_user(admin: Browser) -> None:
    data = {"extension": "201", "name": "Alice", "forward_to": "06 12"}
    response = await admin.submit("/admin/extensions", "/admin/extensions/new/user", data)
    assert response.status_code == 400
    assert_summarised(response.text, "user-forward_to", "Forwarding number")
    assert field_value(response.text, "user-name") == "Alice"
    assert field_value(response.text, "user-forward_to") == "06 12"
    # The form is in a <details>: open, so the field the summary links to is in view.
    assert re.search(r"<details open>\s*<summary[^>]*>Add a user</summary>", response.text)


async def test_add_a_ring_group(admin: Browser) -> None:
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    data = {"extension": "210", "name": "Ventes"}
    response = await admin.submit("/admin/extensions", "/admin/extensions/new/ring-group", data)
    assert response.status_code == 400
    # The members are a group of boxes: the summary links to their fieldset.
    assert_summarised(response.text, "ring-group-members", "Members")
    assert field_value(response.text, "ring-group-name") == "Ventes"


async def test_edit_an_extension(admin: Browser) -> None:
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    page = "/admin/extensions/201"
    response = await admin.submit(page, page, {"name": "Alice", "forward_to": "nowhere"})
    assert response.status_code == 400
    assert_summarised(response.text, "forward_to", "Forwarding number")
    assert field_value(response.text, "forward_to") == "nowhere"


async def test_login(visitor: Browser) -> None:
    response = await visitor.log_in(password="wrong password")
    assert response.status_code == 400
    assert summary_of(response.text).entries == [("", "Wrong username or password.")]
    assert field_value(response.text, "username") == "alice"
    assert field_value(response.text, "password") is None  # never sent back


async def test_the_summary_speaks_the_page_language(admin: Browser) -> None:
    await conference_server.setup_bridge("800", "fr")
    data = {"name": "Ventes", "conference_id": "12", "pin": "", "capacity": "8"}
    for language, heading, entry in [
        (
            "fr",
            "Il y a un problème",
            "Numéro de conférence : le numéro de conférence doit comporter de 3 à 12 chiffres",
        ),
        (
            "es",
            "Hay un problema",
            "Número de conferencia: el número de conferencia debe tener de 3 a 12 dígitos",
        ),
    ]:
        admin.client.headers["Accept-Language"] = language
        response = await admin.submit(CONFERENCES, "/admin/conferences/rooms", data)
        assert heading in response.text
        [(target, text)] = summary_of(response.text).entries
        assert target == "#room-conference_id"
        assert text.startswith(entry), text


async def test_what_was_typed_is_escaped_in_the_summary(admin: Browser) -> None:
    """The domain's message repeats what was typed: markup in it stays text."""
    await conference_server.setup_bridge("800", "fr")
    data = {"name": "Ventes", "conference_id": '<img src=x onerror="alert(1)">'}
    response = await admin.submit(CONFERENCES, "/admin/conferences/rooms", data)
    assert response.status_code == 400
    assert "<img" not in response.text
    [(target, text)] = summary_of(response.text).entries
    assert target == "#room-conference_id"
    assert text.endswith("""got '<img src=x onerror="alert(1)">'""")


# ---- the room limit --------------------------------------------------------------------


def add_room_form(page: str) -> str:
    found = re.search(
        r'<form method="post" action="[^"]*/admin/conferences/rooms">.*?</form>', page, re.S
    )
    assert found is not None
    return found.group(0)


async def test_at_the_room_limit_the_add_form_warns_and_is_disabled(
    admin: Browser, site_settings: Settings
) -> None:
    await conference_server.setup_bridge("800", "fr")
    for n in range(site_settings.max_rooms - 1):
        await rooms.add_room(site_settings, name=f"Room {n}", conference_id=f"10{n}")
    page = (await admin.get(CONFERENCES)).text
    assert "holds at most" not in page
    assert "disabled" not in add_room_form(page)

    await rooms.add_room(site_settings, name="Last", conference_id="999")
    page = (await admin.get(CONFERENCES)).text
    warning = re.search(r'<p class="([^"]*)" id="room-limit">([^<]*)</p>', page)
    assert warning is not None
    assert warning.group(1).split() == ["warning", "limit"]  # not the success notice style
    assert html.unescape(warning.group(2)) == (
        "The conference server holds at most 10 rooms. Delete one to add another."
    )
    assert 'class="notice"' not in page
    # One disabled fieldset holds every field and the button: none can be used.
    form = add_room_form(page)
    opened = form.index('<fieldset class="plain" disabled aria-describedby="room-limit">')
    assert form.count("<fieldset") == 1 and form.count("</fieldset>") == 1
    inside = form[opened : form.index("</fieldset>")]
    # Name, ID, PIN, capacity; the host PIN and the 5 boxes of "During the call".
    assert inside.count('<input id="room-') == 10
    assert "<button" in inside
    assert "<button" not in form.replace(inside, "")


async def test_past_the_limit_the_refusal_is_in_the_summary(
    admin: Browser, site_settings: Settings
) -> None:
    await conference_server.setup_bridge("800", "fr")
    for n in range(site_settings.max_rooms):
        await rooms.add_room(site_settings, name=f"Room {n}", conference_id=f"10{n}")
    response = await admin.submit(
        CONFERENCES, "/admin/conferences/rooms", {"name": "Eleventh", "conference_id": "555"}
    )
    assert response.status_code == 409
    # The limit is the server's, not the ID's: no link to a field that cannot be used.
    assert summary_of(response.text).entries == [
        ("", "the conference server already has 10 rooms, the most it can hold; delete one first")
    ]
    assert field_error(response.text, "room-conference_id") == ""
    assert field_value(response.text, "room-name") == "Eleventh"


# ---- a new PIN and "Remove the PIN" at once ---------------------------------------------


async def test_a_new_pin_and_remove_the_pin_is_an_error(
    admin: Browser, site_settings: Settings
) -> None:
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234", pin="4321")
    page = "/admin/conferences/rooms/1234"
    data = {
        "name": "Ventes",
        "new_conference_id": "1234",
        "pin": "5678",
        "clear_pin": "yes",
        "capacity": "10",
    }
    response = await admin.submit(page, page, data)
    assert response.status_code == 400
    assert field_error(response.text, "pin") == "type a new PIN or remove the PIN, not both"
    assert_summarised(response.text, "pin", "New PIN")
    assert field_value(response.text, "pin") == "5678"
    assert re.search(r'<input id="clear_pin"[^>]* checked>', response.text)
    assert (await Room.get(conference_id="1234")).pin == "4321"  # nothing changed

    admin.client.headers["Accept-Language"] = "fr"
    response = await admin.submit(page, page, data)
    assert field_error(response.text, "pin") == (
        "saisissez un nouveau code d'accès ou supprimez le code d'accès, pas les deux"
    )


async def test_the_rule_is_the_domains(admin: Browser, site_settings: Settings) -> None:
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234", pin="4321")
    with pytest.raises(InvalidInput, match="not both") as refused:
        await rooms.update_room(site_settings, "1234", rooms.RoomChange(pin="5678", clear_pin=True))
    assert refused.value.field == "pin"
    assert (await Room.get(conference_id="1234")).pin == "4321"
    # Each alone still works.
    await rooms.update_room(site_settings, "1234", rooms.RoomChange(pin="5678"))
    assert (await Room.get(conference_id="1234")).pin == "5678"
    await rooms.update_room(site_settings, "1234", rooms.RoomChange(clear_pin=True))
    assert (await Room.get(conference_id="1234")).pin is None


def test_the_cli_refuses_pin_and_no_pin_together() -> None:
    done = run_voiceapp(dict(os.environ), "rooms", "update", "1234", "--pin", "5678", "--no-pin")
    assert done.returncode != 0
    assert "--no-pin: not allowed with argument --pin" in done.stderr
