"""A refused form comes back in the page's language: the domain's message beside its
field (or on top), translated like the labels around it, with the values as typed."""

from __future__ import annotations

from voiceapp.switchboard import conference_server, extensions, numbers

from .conftest import Browser, banner, field_error, field_value


async def test_french_page_shows_the_field_error_in_french(admin: Browser) -> None:
    admin.client.headers["Accept-Language"] = "fr-FR,fr;q=0.9"
    await conference_server.setup_bridge("800", "fr")
    data = {"name": "Ventes", "conference_id": "1234", "pin": "12ab", "capacity": "8"}
    response = await admin.submit("/admin/conferences", "/admin/conferences/rooms", data)
    assert response.status_code == 400
    page = response.text
    assert '<html lang="fr">' in page
    assert "Code d'accès (facultatif)" in page  # the field's label, translated
    assert field_error(page, "room-pin") == (
        "le code d'accès doit comporter de 4 à 12 chiffres (0-9), sans lettre ni espace"
    )
    assert field_value(page, "room-pin") == "12ab"
    assert field_value(page, "room-name") == "Ventes"
    assert field_value(page, "room-capacity") == "8"


async def test_spanish_page_shows_the_field_error_in_spanish(admin: Browser) -> None:
    await conference_server.setup_bridge("800", "fr")
    switched = await admin.submit(
        "/admin/numbers", "/admin/language", {"language": "es", "next": "/admin/numbers"}
    )
    assert switched.status_code == 303
    data = {"number": "0612345678", "extension": "800", "language": "es"}
    response = await admin.submit("/admin/numbers", "/admin/numbers", data)
    assert response.status_code == 400
    page = response.text
    assert '<html lang="es">' in page
    assert field_error(page, "add-number") == (
        "'0612345678' no es un número de teléfono; escríbalo con + y el prefijo del país, "
        "por ejemplo, +33180000001"
    )
    assert field_value(page, "add-number") == "0612345678"
    assert '<option value="es" selected>' in page


async def test_refusal_without_a_field_is_translated_on_top(admin: Browser) -> None:
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    await numbers.add_number("+33180000001", "201", "fr")
    action = "/admin/extensions/201/delete"
    # One number: the singular form, in each language's word order.
    for language, refusal in [
        (
            "fr",
            "le numéro +33180000001 mène encore au poste 201 ; "
            "associez d'abord ce numéro à une autre destination",
        ),
        (
            "es",
            "el número +33180000001 todavía lleva a la extensión 201; "
            "asigne primero ese número a otro destino",
        ),
    ]:
        admin.client.headers["Accept-Language"] = language
        response = await admin.submit(action, action, {})
        assert response.status_code == 409
        assert banner(response.text) == refusal
