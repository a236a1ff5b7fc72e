"""The virtual receptionist needs no name: added without one (the README's
`voiceapp extensions add --kind receptionist`), every page calls it by its kind in the
reader's language. A row from an earlier version, which stored the English label as its
name, reads the same (trial 14: "200 · Standard virtuel · Virtual receptionist")."""

from __future__ import annotations

import re

import pytest

from voiceapp.core.errors import Conflict
from voiceapp.core.models import Extension, ExtensionKind
from voiceapp.switchboard import conference_server, extensions

from .conftest import Browser, field_value

LABELS = {"en": "Virtual receptionist", "fr": "Standard virtuel", "es": "Recepcionista virtual"}


async def shown(admin: Browser, language: str) -> tuple[str, str, str]:
    """How the Extensions page lists extension 200, the Numbers page offers it, and the
    Extensions page's delete question names it, in `language`."""
    admin.client.headers["Accept-Language"] = language
    listed = re.search(
        r'data-extension="200">\s*<div>\s*<strong>([^<]*)</strong>',
        (await admin.get("/admin/extensions")).text,
    )
    offered = re.search(
        r'<option value="200"[^>]*>([^<]*)</option>', (await admin.get("/admin/numbers")).text
    )
    asked = (await admin.get("/admin/extensions/200/delete")).text
    assert listed is not None and offered is not None
    return listed.group(1), offered.group(1), asked


@pytest.mark.parametrize("stored", ["none given", "English default of old"])
async def test_an_unnamed_receptionist_shows_its_kind_translated(
    admin: Browser, stored: str
) -> None:
    await conference_server.setup_bridge("800", "fr")
    if stored == "none given":
        added = await extensions.add_extension("200", "receptionist")
        assert added.name == ""
    else:  # what `voiceapp extensions add --kind receptionist` stored before
        await Extension.create(
            number="200", kind=ExtensionKind.RECEPTIONIST, name="Virtual receptionist"
        )
    for language, label in LABELS.items():
        listed, offered, asked = await shown(admin, language)
        assert listed == f"200 · {label}"
        assert offered == f"200 · {label}"  # its kind once, not twice
        assert f"{label} " in asked
        if language != "en":
            assert "Virtual receptionist" not in listed + offered + asked
    # Its edit page offers no name to keep: empty, and none needed.
    page = (await admin.get("/admin/extensions/200")).text
    assert field_value(page, "name") == ""
    assert re.search(r'<input id="name"[^>]*required', page) is None


async def test_a_named_receptionist_keeps_its_name(admin: Browser) -> None:
    await extensions.add_extension("200", "receptionist", "Accueil")
    listed, offered, _ = await shown(admin, "es")
    assert (listed, offered) == ("200 · Accueil", "200 · Recepcionista virtual · Accueil")


async def test_the_form_sets_it_up_without_a_name_and_can_clear_one(admin: Browser) -> None:
    page = (await admin.get("/admin/extensions")).text
    assert field_value(page, "receptionist-name") == ""  # no English (or French) default
    data = {"extension": "200", "name": ""}
    response = await admin.submit("/admin/extensions", "/admin/extensions/new/receptionist", data)
    assert response.status_code == 303
    assert (await Extension.get(number="200")).name == ""
    await extensions.update_extension("200", extensions.ExtensionChange(name="Accueil"))
    edit = "/admin/extensions/200"
    response = await admin.submit(edit, edit, {"name": " "})
    assert response.status_code == 303
    assert (await Extension.get(number="200")).name == ""


async def test_taking_its_extension_names_it_without_empty_quotes(admin: Browser) -> None:
    """The conference server refused on the receptionist's extension says whose it is."""
    await extensions.add_extension("200", "receptionist")
    with pytest.raises(Conflict) as raised:
        await conference_server.setup_bridge("200", "fr")
    assert raised.value.message == "extension 200 is already used by the virtual receptionist"
    assert raised.value.in_language("fr") == (
        "le poste 200 est déjà utilisé par le standard virtuel"
    )
