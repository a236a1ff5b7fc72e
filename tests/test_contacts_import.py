"""Importing contacts from CSV and vCard files: what is added, updated, left as it was and
skipped, each skip with its line or card and its reason."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from voiceapp.accounts import profiles
from voiceapp.contacts import importing, people
from voiceapp.contacts.files import Place
from voiceapp.contacts.importing import ImportReport
from voiceapp.core.db import database
from voiceapp.core.errors import InvalidInput
from voiceapp.core.models import AdminUser, Contact
from voiceapp.core.settings import Settings

PASSWORD = "a long enough password"


@pytest.fixture
async def owner(settings: Settings) -> AsyncIterator[AdminUser]:
    """An organizer who writes in Spanish, with one contact already."""
    async with database(settings.database_url):
        account = await profiles.create_account(
            "ines", PASSWORD, profiles.Profile(role="organizer", language="es")
        )
        await people.add_contact(
            account,
            people.ContactDetails("Ana Ruiz", "ana@example.com", "es", "+34600123456"),
        )
        yield account


def skips(report: ImportReport) -> list[tuple[str, int, str]]:
    return [(s.place.kind, s.place.number, s.reason.message) for s in report.skipped]


async def stored(owner: AdminUser) -> dict[str, tuple[str, str, str | None]]:
    return {
        c.email: (c.name, c.language, c.phone)
        for c in await Contact.filter(owner_id=owner.pk).order_by("email")
    }


CSV = (
    "name,email,language,phone\n"
    "Bruno Díaz,Bruno@Example.com,fr,+33 6 12 34 56 01\n"  # line 2: new
    "Ana R.,ana@example.com,,\n"  # line 3: updates Ana's name, keeps her phone and language
    "\n"  # line 4: empty
    "Carla,carla@,en,\n"  # line 5: bad e-mail
    "Dieter,dieter@example.com,de,\n"  # line 6: a language voiceapp does not write
    "Bruno again,bruno@example.com,es,\n"  # line 7: already in this file
    ",,,\n"  # line 8: empty cells
    "Eve,eve@example.com,es-MX,0612\n"  # line 9: new, region tag; phone left out
    ",nameless@example.com,fr,\n"  # line 10: no name
)


async def test_a_csv_file_reports_every_line(owner: AdminUser) -> None:
    report = await importing.import_contacts(owner, "contacts.csv", CSV.encode())
    assert [(d.place.number, d.email) for d in report.added] == [
        (2, "bruno@example.com"),
        (9, "eve@example.com"),
    ]
    assert [(d.place.number, d.email) for d in report.updated] == [(3, "ana@example.com")]
    assert report.unchanged == []
    assert skips(report) == [
        ("line", 5, "'carla@' is not a valid e-mail address, e.g. ana@example.com"),
        ("line", 6, "'de' is not a language voiceapp writes in: use fr, es or en"),
        ("line", 7, "the same e-mail address as line 2"),
        ("line", 10, "name must not be empty"),
    ]
    [eve] = [d for d in report.added if d.email == "eve@example.com"]
    assert eve.note is not None and "'0612' is not a phone number" in eve.note.message
    assert await stored(owner) == {
        "ana@example.com": ("Ana R.", "es", "+34600123456"),
        "bruno@example.com": ("Bruno Díaz", "fr", "+33612345601"),
        "eve@example.com": ("Eve", "es", None),
    }


async def test_importing_the_same_file_again_changes_nothing(owner: AdminUser) -> None:
    await importing.import_contacts(owner, "contacts.csv", CSV.encode())
    before = await stored(owner)
    again = await importing.import_contacts(owner, "contacts.csv", CSV.encode())
    assert (again.added, again.updated) == ([], [])
    assert len(again.unchanged) == 3
    assert await stored(owner) == before


async def test_semicolons_a_bom_and_crlf_as_spreadsheets_save_them(owner: AdminUser) -> None:
    # Excel's "CSV UTF-8" in French or Spanish: a BOM, semicolons, CRLF; a column voiceapp
    # does not know (Notes) is ignored, and "E-mail" is the email column.
    data = "\ufeffName;E-mail;Notes;Language\r\nZoé Martin;zoe@example.com;a, b;FR\r\n\r\n"
    report = await importing.import_contacts(owner, "c.csv", data.encode())
    assert [(d.place, d.name, d.email) for d in report.added] == [
        (Place("line", 2), "Zoé Martin", "zoe@example.com")
    ]
    assert report.skipped == []
    assert (await stored(owner))["zoe@example.com"] == ("Zoé Martin", "fr", None)


async def test_a_row_without_a_language_gets_the_owners(owner: AdminUser) -> None:
    data = "email,name\nyuki@example.com,Yuki\n"
    await importing.import_contacts(owner, "c.csv", data.encode())
    assert (await stored(owner))["yuki@example.com"] == ("Yuki", "es", None)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ("Zoé,zoe@example.com\n".encode("latin-1"), "the file is not UTF-8 text"),
        (b"", "the file is empty"),
        (b"\n\n", "the file is empty"),
        (b"ana@example.com,Ana\n", "first line of a CSV file must name its columns"),
        (b"name,email\n", "the file holds no contacts"),
        (b"x" * (importing.MAX_FILE_BYTES + 1), "the file is larger than 1 MiB"),
    ],
)
async def test_a_file_that_cannot_be_read_is_refused_whole(
    owner: AdminUser, data: bytes, says: str
) -> None:
    with pytest.raises(InvalidInput, match=says) as error:
        await importing.import_contacts(owner, "c.csv", data)
    assert error.value.field == "file"
    assert len(await stored(owner)) == 1


async def test_a_line_with_stray_quotes_is_skipped_and_the_next_ones_read(
    owner: AdminUser,
) -> None:
    data = (
        "name,email\n"
        'Bruno,bruno@example.com\n"Carla"x,carla@example.com\n'  # line 3: a stray quote
        '"Dan\nDurand",dan@example.com\n'  # lines 4-5: a quoted name over two lines
        '"Eve,eve@example.com\nFay,fay@example.com\n'  # line 6: a quote never closed
    )
    report = await importing.import_contacts(owner, "c.csv", data.encode())
    assert [(d.place.number, d.name) for d in report.added] == [(2, "Bruno"), (4, "Dan Durand")]
    assert skips(report) == [
        ("line", 3, "this line could not be read: check its quotes"),
        ("line", 6, "this line could not be read: check its quotes"),
    ]


VCARDS = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "FN:Bruno D\\, Jr.\r\n"
    "N:Díaz;Bruno;;;\r\n"
    "EMAIL;TYPE=INTERNET,WORK:bruno.work@example.com\r\n"
    "EMAIL;TYPE=INTERNET,HOME,PREF:bruno@example.com\r\n"
    "TEL;TYPE=CELL:+33 6 12\r\n"
    "  34 56 01\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "FN:No Mail\r\n"
    "TEL:+33612345602\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "N:Martin;Zoé;;;\r\n"
    "EMAIL;PREF=1:zoe@example.com\r\n"
    "LANG;PREF=2:en\r\n"
    "LANG;PREF=1:fr-CA\r\n"
    "TEL;VALUE=uri:tel:+33612345603\r\n"
    "END:VCARD\r\n"
)


async def test_a_vcard_file_with_a_card_without_email(owner: AdminUser) -> None:
    report = await importing.import_contacts(owner, "export.vcf", VCARDS.encode())
    assert [(d.place, d.email) for d in report.added] == [
        (Place("card", 1), "bruno@example.com"),
        (Place("card", 3), "zoe@example.com"),
    ]
    assert skips(report) == [("card", 2, "this card has no e-mail address")]
    contacts = await stored(owner)
    # FN as written (its escaped comma read), the preferred address, the folded phone
    # unfolded, no LANG: the owner's language.
    assert contacts["bruno@example.com"] == ("Bruno D, Jr.", "es", "+33612345601")
    # No FN: the name from N; the most preferred LANG; a tel: URI.
    assert contacts["zoe@example.com"] == ("Zoé Martin", "fr", "+33612345603")


async def test_a_vcard_file_is_known_by_its_content_too(owner: AdminUser) -> None:
    report = await importing.import_contacts(owner, "export.txt", VCARDS.encode())
    assert len(report.added) == 2


async def test_a_broken_card_does_not_hide_the_others(owner: AdminUser) -> None:
    data = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEMAIL:a@example.com\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nthis line is no property\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Only a name\r\nEMAIL:b@example.com\r\nLANG:de\r\n"
        "END:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut\r\nEMAIL:c@example.com\r\n"  # no END: cut off
    )
    report = await importing.import_contacts(owner, "x.vcf", data.encode())
    assert [d.email for d in report.added] == ["a@example.com"]
    assert skips(report) == [
        ("card", 2, "this card could not be read"),
        ("card", 3, "'de' is not a language voiceapp writes in: use fr, es or en"),
        ("card", 4, "this card could not be read"),
    ]


async def test_an_import_never_reaches_another_accounts_contacts(owner: AdminUser) -> None:
    olga = await profiles.create_account("olga", PASSWORD, profiles.Profile(role="organizer"))
    report = await importing.import_contacts(
        olga, "c.csv", b"name,email,language\nAna Other,ana@example.com,fr\n"
    )
    assert [d.email for d in report.added] == ["ana@example.com"]  # added to olga's, not an update
    assert (await stored(owner))["ana@example.com"] == ("Ana Ruiz", "es", "+34600123456")
    assert (await stored(olga))["ana@example.com"] == ("Ana Other", "fr", None)
