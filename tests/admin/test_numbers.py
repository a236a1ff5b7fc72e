"""The Numbers page: add, map with the drop-down, language, remove."""

from __future__ import annotations

import re

import httpx

from voiceapp.core.models import PhoneNumber
from voiceapp.core.settings import Settings
from voiceapp.media.greetings import replace_greeting
from voiceapp.switchboard import conference_server, extensions

from ..test_greetings import pcm_wav
from .conftest import Browser, field_error, field_value, notices

PAGE = "/admin/numbers"


async def add(admin: Browser, number: str, extension: str, language: str) -> httpx.Response:
    data = {"number": number, "extension": extension, "language": language}
    return await admin.submit(PAGE, PAGE, data)


async def remap(admin: Browser, number: str, extension: str, language: str) -> httpx.Response:
    return await admin.submit(
        PAGE, f"/admin/numbers/{number}", {"extension": extension, "language": language}
    )


async def destination(e164: str) -> str:
    number = await PhoneNumber.get(e164=e164).select_related("extension")
    return number.extension.number


async def seed_extensions() -> None:
    await conference_server.setup_bridge("800", "fr")
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    await extensions.add_extension("300", "ring-group", "Sales", members=["201"])
    await extensions.add_extension("100", "receptionist", "Reception")


async def test_drop_down_offers_every_kind_of_destination(admin: Browser) -> None:
    await seed_extensions()
    page = (await admin.get(PAGE)).text
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page)
    assert options == [
        ("100", "100 · Virtual receptionist · Reception"),
        ("201", "201 · User · Alice"),
        ("300", "300 · Ring group · Sales"),
        ("800", "800 · Conference server"),
    ]


async def test_add_numbers_several_to_one_extension(admin: Browser) -> None:
    await seed_extensions()
    for number, language in (("+33 1 80 00 00 01", "fr"), ("+34910000001", "es")):
        response = await admin.submit(
            PAGE, PAGE, {"number": number, "extension": "800", "language": language}
        )
        assert response.status_code == 303
    rows = await PhoneNumber.all().order_by("e164").select_related("extension")
    assert [(n.e164, n.extension.number, n.language) for n in rows] == [
        ("+33180000001", "800", "fr"),
        ("+34910000001", "800", "es"),
    ]
    page = (await admin.get(PAGE)).text
    assert notices(page) == ["+34910000001 now reaches extension 800."]
    assert 'data-number="+33180000001"' in page and 'data-number="+34910000001"' in page


async def test_add_number_errors_keep_what_was_typed(admin: Browser) -> None:
    await seed_extensions()
    response = await add(admin, "0180000001", "201", "es")
    assert response.status_code == 400
    assert "write it with + and the country code" in field_error(response.text, "add-number")
    assert field_value(response.text, "add-number") == "0180000001"
    add_form = response.text[response.text.index('id="add-number-title"') :]
    assert '<option value="201" selected>' in add_form
    assert '<option value="es" selected>' in add_form
    await add(admin, "+33180000001", "800", "fr")
    duplicate = await add(admin, "+33180000001", "201", "fr")
    assert duplicate.status_code == 409
    assert "already mapped" in field_error(duplicate.text, "add-number")
    bad_language = await add(admin, "+33180000002", "800", "de")
    assert "language must be one of fr, es" in field_error(bad_language.text, "add-language")


async def test_remap_a_number_and_change_its_language(admin: Browser) -> None:
    await seed_extensions()
    await add(admin, "+33180000001", "800", "fr")
    response = await remap(admin, "+33180000001", "300", "es")
    assert response.status_code == 303
    number = await PhoneNumber.get(e164="+33180000001").select_related("extension")
    assert (number.extension.number, number.language) == ("300", "es")
    page = (await admin.get(PAGE)).text
    row = page[page.index('data-number="+33180000001"') :]
    assert '<option value="300" selected>' in row


async def test_remap_to_a_missing_extension_shows_the_error_in_that_row(admin: Browser) -> None:
    await seed_extensions()
    await add(admin, "+33180000001", "800", "fr")
    response = await remap(admin, "+33180000001", "999", "fr")
    assert response.status_code == 404
    assert field_error(response.text, "n1-extension") == "there is no extension 999"
    assert await destination("+33180000001") == "800"


async def test_remove_a_number_after_confirmation(admin: Browser, site_settings: Settings) -> None:
    await seed_extensions()
    await add(admin, "+33180000001", "800", "fr")
    number = await PhoneNumber.get(e164="+33180000001")
    recording, _ = await replace_greeting(number, pcm_wav(), site_settings)
    confirm = await admin.get("/admin/numbers/+33180000001/delete")
    assert "Remove +33180000001?" in confirm.text
    action = "/admin/numbers/+33180000001/delete"
    assert (await admin.submit(action, action, {})).status_code == 303
    assert not await PhoneNumber.exists()
    assert (await admin.get(action)).status_code == 404
    assert not (site_settings.media_dir / recording).exists()  # its greeting went with it


async def test_page_without_extensions_says_to_make_one(admin: Browser) -> None:
    page = (await admin.get(PAGE)).text
    assert "Set up the conference server or an extension first" in page
