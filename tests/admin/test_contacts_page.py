"""The Contacts and Groups pages, as an organizer uses them: only their own pages and
their own contacts; importing a file with its report; the upload's size limit."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import pytest

from voiceapp.accounts import profiles
from voiceapp.contacts import people
from voiceapp.contacts.importing import MAX_FILE_BYTES
from voiceapp.core.models import AdminUser, Contact, ContactGroup, PhoneNumber
from voiceapp.core.settings import Settings
from voiceapp.switchboard import conference_server, numbers
from voiceapp.web.body_limits import CONTACTS_IMPORT_MAX_BYTES

from .conftest import PASSWORD, Browser, field_error, notices, open_browser

CONTACTS = "/admin/contacts"
GROUPS = "/admin/groups"
IMPORT = "/admin/contacts/import"
ANA = {"name": "Ana Ruiz", "email": "ana@example.com", "language": "es", "phone": ""}


@pytest.fixture
async def organizer(visitor: Browser, site_settings: Settings) -> AsyncIterator[Browser]:
    """Inés, an organizer who writes in French, logged in on her own browser (the
    `visitor` fixture made the admin, alice)."""
    await profiles.create_account(
        "ines", PASSWORD, profiles.Profile(role="organizer", language="fr")
    )
    async with open_browser(site_settings) as browser:
        response = await browser.log_in("ines")
        assert response.status_code == 303
        # An organizer's first page is their meetings.
        assert response.headers["location"].endswith("/admin/meetings")
        yield browser


async def owner(username: str = "ines") -> AdminUser:
    return await AdminUser.get(username=username)


def nav_links(page: str) -> list[str]:
    nav = re.search(r"<nav [^>]*>(.*?)</nav>", page, re.S)
    assert nav is not None
    return [html.unescape(text).strip() for text in re.findall(r"<a [^>]*>([^<]*)</a>", nav[1])]


def contact_ids(page: str) -> list[str]:
    return re.findall(r'data-contact="([^"]+)"', page)


async def upload(browser: Browser, name: str, data: bytes) -> tuple[int, str]:
    token = await browser.token(CONTACTS)
    response = await browser.client.post(
        IMPORT, data={"csrf_token": token}, files={"file": (name, data, "text/csv")}
    )
    return response.status_code, response.text


# ---- an organizer's pages -------------------------------------------------------------------


async def test_an_organizer_sees_only_their_pages_in_the_nav(organizer: Browser) -> None:
    page = (await organizer.get(CONTACTS)).text
    assert nav_links(page) == ["Meetings", "Contacts", "Groups"]
    index = await organizer.get("/admin/")
    assert index.headers["location"].endswith("/admin/meetings")


@pytest.mark.parametrize(
    "path", ["/admin/numbers", "/admin/conferences", "/admin/accounts", "/admin/live"]
)
async def test_an_organizer_gets_a_403_page_on_an_admins_page(
    organizer: Browser, path: str
) -> None:
    response = await organizer.get(path)
    assert response.status_code == 403
    assert '<h1 id="error-title">Only admins can open this page</h1>' in response.text
    assert "Your account cannot change rooms, numbers" in response.text
    # Still their own way around.
    assert nav_links(response.text) == ["Meetings", "Contacts", "Groups"]
    french = await organizer.get(path, headers={"Accept-Language": "fr"})
    assert "Seuls les administrateurs" in french.text


async def test_an_organizer_cannot_post_to_an_admins_page(
    organizer: Browser, admin: Browser
) -> None:
    await conference_server.setup_bridge("800", "fr")
    token = await organizer.token(CONTACTS)
    response = await organizer.client.post(
        "/admin/numbers",
        data={"csrf_token": token, "number": "+33180000001", "extension": "800", "language": "fr"},
    )
    assert response.status_code == 403
    assert not await PhoneNumber.exists()
    # An admin still can.
    await numbers.add_number("+33180000001", "800", "fr")
    assert (await admin.get("/admin/numbers")).status_code == 200


async def test_a_demoted_admin_is_refused_at_the_next_click(admin: Browser) -> None:
    await profiles.create_account("root", PASSWORD, profiles.Profile())
    assert (await admin.get("/admin/numbers")).status_code == 200
    await profiles.update_account("alice", profiles.Profile(role="organizer"))
    assert (await admin.get("/admin/numbers")).status_code == 403
    assert (await admin.get(CONTACTS)).status_code == 200


# ---- contacts ------------------------------------------------------------------------------


async def test_an_organizer_adds_edits_and_deletes_a_contact(organizer: Browser) -> None:
    added = await organizer.submit(CONTACTS, "/admin/contacts/new", ANA)
    assert added.status_code == 303
    page = (await organizer.get(CONTACTS)).text
    assert notices(page) == ["Ana Ruiz added to your contacts."]
    assert contact_ids(page) == ["ana@example.com"]
    contact = await Contact.get(email="ana@example.com")
    assert (contact.owner_id, contact.language) == ((await owner()).pk, "es")
    edit = f"/admin/contacts/{contact.pk}"
    saved = await organizer.submit(
        edit, edit, {**ANA, "name": "Ana R.", "phone": "+34 600 123 456", "language": "en"}
    )
    assert saved.status_code == 303
    contact = await Contact.get(id=contact.pk)
    assert (contact.name, contact.phone, contact.language) == ("Ana R.", "+34600123456", "en")
    question = await organizer.get(edit + "/delete")
    assert "Delete the contact Ana R.?" in question.text
    deleted = await organizer.submit(edit + "/delete", edit + "/delete", {})
    assert deleted.status_code == 303
    assert not await Contact.exists()


async def test_bad_contact_details_are_shown_beside_their_field(organizer: Browser) -> None:
    await organizer.submit(CONTACTS, "/admin/contacts/new", ANA)
    twice = await organizer.submit(CONTACTS, "/admin/contacts/new", {**ANA, "name": "Ana 2"})
    assert twice.status_code == 409
    assert field_error(twice.text, "add-email") == (
        "there is already a contact with the e-mail address ana@example.com"
    )
    bad = await organizer.submit(
        CONTACTS, "/admin/contacts/new", {**ANA, "email": "ana@", "phone": "0612"}
    )
    assert bad.status_code == 400
    assert field_error(bad.text, "add-email").startswith("'ana@' is not a valid e-mail address")
    assert 'value="ana@"' in bad.text  # kept as typed
    french = await organizer.submit(
        CONTACTS, "/admin/contacts/new", {**ANA, "email": "b@example.com", "language": "de"}
    )
    assert french.status_code == 400
    assert field_error(french.text, "add-language") != ""
    assert await Contact.all().count() == 1


async def test_an_organizer_never_reaches_anothers_contacts(
    organizer: Browser, admin: Browser
) -> None:
    alices = await people.add_contact(await owner("alice"), people.ContactDetails(**ANA))
    assert contact_ids((await organizer.get(CONTACTS)).text) == []
    edit = f"/admin/contacts/{alices.pk}"
    assert (await organizer.get(edit)).status_code == 404
    token = await organizer.token(CONTACTS)
    changed = await organizer.client.post(
        edit, data={**ANA, "name": "Hijacked", "csrf_token": token}
    )
    assert changed.status_code == 404
    deleted = await organizer.client.post(edit + "/delete", data={"csrf_token": token})
    assert deleted.status_code == 404
    assert (await Contact.get(id=alices.pk)).name == "Ana Ruiz"
    # Alice, an admin, sees her own contacts, not Inés's.
    await organizer.submit(CONTACTS, "/admin/contacts/new", {**ANA, "email": "ines.c@example.com"})
    assert contact_ids((await admin.get(CONTACTS)).text) == ["ana@example.com"]


# ---- import --------------------------------------------------------------------------------

CSV = (
    b"name;email;language;phone\n"
    b"Bruno;bruno@example.com;fr;\n"
    b"Carla;carla@;en;\n"
    b"\n"
    b"Dieter;dieter@example.com;de;\n"
    b"Bruno 2;bruno@example.com;es;\n"
)


async def test_an_import_shows_its_report(organizer: Browser) -> None:
    status, page = await upload(organizer, "people.csv", CSV)
    assert status == 200
    assert re.search(r'data-count="added">1<', page)
    assert re.search(r'data-count="skipped">3<', page)
    skipped = re.search(
        r'<table aria-labelledby="report-skipped-title" id="report-skipped">(.*?)</table>',
        page,
        re.S,
    )
    assert skipped is not None
    rows = [
        [html.unescape(cell) for cell in re.findall(r"<td[^>]*>([^<]*)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", skipped[1], re.S)
    ]
    assert rows == [
        [],  # the header row
        ["Line 3", "'carla@' is not a valid e-mail address, e.g. ana@example.com"],
        ["Line 5", "'de' is not a language voiceapp writes in: use fr, es or en"],
        ["Line 6", "the same e-mail address as line 2"],
    ]
    assert contact_ids(page) == ["bruno@example.com"]
    # In the reader's language.
    token = await organizer.token(CONTACTS)
    french = await organizer.client.post(
        IMPORT,
        data={"csrf_token": token},
        files={"file": ("people.csv", CSV, "text/csv")},
        headers={"Accept-Language": "fr"},
    )
    assert "Ligne 3" in french.text
    assert re.search(r'data-count="unchanged">1<', french.text)


async def test_an_import_without_a_file_or_of_an_unreadable_one(organizer: Browser) -> None:
    status, page = await upload(organizer, "", b"")
    assert status == 400
    assert field_error(page, "import-file") == "choose a file to import"
    status, page = await upload(organizer, "people.csv", "Zoé,z@example.com\n".encode("latin-1"))
    assert status == 400
    assert field_error(page, "import-file").startswith("the file is not UTF-8 text")


async def test_a_file_over_the_limit_is_refused_with_a_clear_message(organizer: Browser) -> None:
    # Larger than an import takes, yet inside the route's body limit: the page says why.
    status, page = await upload(organizer, "big.csv", b"x" * (MAX_FILE_BYTES + 10))
    assert status == 400
    assert field_error(page, "import-file") == (
        "the file is larger than 1 MiB: split it and import each part"
    )
    # Beyond the body limit itself: refused before anything is read, with its size.
    status, page = await upload(organizer, "huge.csv", b"x" * CONTACTS_IMPORT_MAX_BYTES)
    assert status == 413
    assert "too large" in page
    # Other admin forms keep their own, smaller limit.
    token = await organizer.token(CONTACTS)
    other = await organizer.client.post(
        "/admin/contacts/new", data={"csrf_token": token, "name": "x" * 300 * 1024}
    )
    assert other.status_code == 413
    assert not await Contact.exists()


# ---- groups --------------------------------------------------------------------------------


async def test_an_organizer_makes_a_group_of_their_contacts(organizer: Browser) -> None:
    empty = await organizer.get(GROUPS)
    assert "add contacts</a> first" in empty.text
    inés = await owner()
    for email in ("ana@example.com", "bruno@example.com"):
        await people.add_contact(inés, people.ContactDetails(email.split("@")[0], email))
    made = await organizer.submit(
        GROUPS,
        "/admin/groups/new",
        {"name": "Partners", "members": ["ana@example.com", "bruno@example.com"]},
    )
    assert made.status_code == 303
    page = (await organizer.get(GROUPS)).text
    assert notices(page) == ["Group Partners added."]
    assert 'data-group="Partners"' in page
    group = await ContactGroup.get(name="Partners")
    edit = f"/admin/groups/{group.pk}"
    saved = await organizer.submit(
        edit, edit, {"name": "Clients", "members": ["bruno@example.com"]}
    )
    assert saved.status_code == 303
    group = await ContactGroup.get(id=group.pk)
    assert group.name == "Clients"
    assert [m.email for m in await group.members.all()] == ["bruno@example.com"]
    none = await organizer.submit(edit, edit, {"name": "Clients"})
    assert none.status_code == 400
    assert field_error(none.text, "members") == "a group needs at least one member"
    deleted = await organizer.submit(edit + "/delete", edit + "/delete", {})
    assert deleted.status_code == 303
    assert not await ContactGroup.exists()
    assert await Contact.filter(owner_id=inés.pk).count() == 2


async def test_a_group_refuses_an_address_that_is_not_a_contact(organizer: Browser) -> None:
    await people.add_contact(await owner(), people.ContactDetails("Ana", "ana@example.com"))
    # A member box forged into the form: the domain names the address.
    refused = await organizer.submit(
        GROUPS,
        "/admin/groups/new",
        {"name": "Partners", "members": ["ana@example.com", "x@example.com"]},
    )
    assert refused.status_code == 404
    assert field_error(refused.text, "add-members") == (
        "no contact has the address x@example.com: add it as a contact first"
    )
    assert not await ContactGroup.exists()


# ---- the Account page, for an organizer ------------------------------------------------------


async def test_an_organizer_sets_their_own_details(organizer: Browser) -> None:
    page = await organizer.get("/admin/account")
    assert page.status_code == 200
    saved = await organizer.submit(
        "/admin/account",
        "/admin/account/details",
        {"display_name": "Inés García", "email": "Ines@Example.com", "language": "es"},
    )
    assert saved.status_code == 303
    account = await owner()
    assert (account.display_name, account.email, account.language) == (
        "Inés García",
        "ines@example.com",
        "es",
    )
    bad = await organizer.submit(
        "/admin/account",
        "/admin/account/details",
        {"display_name": "", "email": "x@", "language": "es"},
    )
    assert bad.status_code == 400
    assert field_error(bad.text, "details-email").startswith("'x@' is not a valid e-mail address")
    # The role is not theirs to change, whatever the form says.
    await organizer.submit(
        "/admin/account", "/admin/account/details", {"email": "", "language": "es", "role": "admin"}
    )
    assert (await owner()).role.value == "organizer"
