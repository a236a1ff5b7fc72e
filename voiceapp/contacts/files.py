"""Reading contacts out of a file: a CSV table or vCards (3.0, 4.0), in UTF-8.

What comes out is, for each line or card, the values as written there (checked later, by
importing.py, with the same rules as a contact typed in) or the reason it could not be
read. A file that cannot be read at all (not UTF-8, no header row) is refused whole.

CSV: a header row naming the columns name, email, language and optionally phone, in any
order (other columns are ignored); separated by commas, or by semicolons as
spreadsheets in French and Spanish save them, or tabs; a byte order mark is fine.
vCard: FN (else N) for the name, EMAIL (the preferred one when there are several),
LANG (the most preferred), TEL; read with the vobject library, card by card, so that
one broken card does not hide the others.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import vobject

from voiceapp.core.errors import InvalidInput, VoiceappError
from voiceapp.core.i18n import N_

PlaceKind = Literal["line", "card"]
# The separators a CSV file may use, tried on its header row.
SEPARATORS = (",", ";", "\t")
# What each column may be called in the header row (lower case).
COLUMNS = {
    "name": "name",
    "full name": "name",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "language": "language",
    "lang": "language",
    "phone": "phone",
    "tel": "phone",
    "telephone": "phone",
}
REQUIRED = ("name", "email")
VCARD_START = re.compile(r"^\s*BEGIN\s*:\s*VCARD\s*$", re.IGNORECASE)
VCARD_END = re.compile(r"^\s*END\s*:\s*VCARD\s*$", re.IGNORECASE)
VCARD_SUFFIXES = (".vcf", ".vcard")


@dataclass(frozen=True)
class Place:
    """Where in the file: a CSV line (counted from 1, the header included) or a card."""

    kind: PlaceKind
    number: int


@dataclass(frozen=True)
class Entry:
    """One contact as the file writes it. `languages`: as written (codes or tags such as
    "es-MX"), most preferred first; none when the file gives none."""

    place: Place
    name: str
    email: str
    languages: tuple[str, ...]
    phone: str


@dataclass(frozen=True)
class Unreadable:
    place: Place
    reason: VoiceappError


Read = Entry | Unreadable


def decode(data: bytes) -> str:
    """The file's text; a UTF-8 byte order mark (Excel's "CSV UTF-8") is dropped."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            N_(
                "the file is not UTF-8 text: save it as CSV UTF-8 (or export the vCards "
                "as UTF-8) and import it again"
            ),
            field="file",
        ) from None


def is_vcard(filename: str, text: str) -> bool:
    if filename.lower().endswith(VCARD_SUFFIXES):
        return True
    first = next((line for line in text.splitlines() if line.strip()), "")
    return bool(VCARD_START.match(first))


def read_entries(filename: str, data: bytes) -> list[Read]:
    """Every contact in the file (by its name's suffix, else its first line: vCard or
    CSV), in file order."""
    text = decode(data)
    if is_vcard(filename, text):
        return list(read_vcards(text))
    return list(read_csv(text))


# ---- CSV ---------------------------------------------------------------------------------


def _separator(header: str) -> str:
    """The separator of the header row: the one it holds most of (a comma by default)."""
    return max(SEPARATORS, key=header.count)


def _header(cells: list[str]) -> dict[str, int]:
    """Which cell holds each known column; refused when name or email is missing."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = COLUMNS.get(" ".join(cell.lower().split()))
        if column is not None and column not in found:
            found[column] = index
    if any(column not in found for column in REQUIRED):
        raise InvalidInput(
            N_(
                "the first line of a CSV file must name its columns: name, email, "
                "language and, if you like, phone"
            ),
            field="file",
        )
    return found


def read_csv(text: str) -> Iterator[Read]:
    lines = text.splitlines(keepends=True)
    header_at = next((n for n, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise InvalidInput(N_("the file is empty"), field="file")
    # strict: a stray quote is an error on its line, rather than a cell that silently
    # swallows the lines after it. csv counts lines from the header's: `header_at` more.
    reader = csv.reader(lines[header_at:], delimiter=_separator(lines[header_at]), strict=True)
    try:
        columns = _header(next(reader))
    except csv.Error:
        raise InvalidInput(
            N_("the first line of the file could not be read: check its quotes"), field="file"
        ) from None
    while True:
        starts_at = header_at + reader.line_num + 1  # a quoted cell may span lines
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield Unreadable(
                Place("line", starts_at),
                InvalidInput(N_("this line could not be read: check its quotes")),
            )
            continue
        if not any(cell.strip() for cell in cells):
            continue  # an empty line, or one of empty cells: nothing to import

        def cell(column: str, cells: list[str] = cells) -> str:
            index = columns.get(column)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        yield Entry(
            Place("line", starts_at),
            name=cell("name"),
            email=cell("email"),
            languages=(language,) if (language := cell("language")) else (),
            phone=cell("phone"),
        )


# ---- vCard -------------------------------------------------------------------------------


def _cards(text: str) -> Iterator[str]:
    """Each BEGIN:VCARD ... END:VCARD block; anything outside the blocks is ignored. A
    block with no end (a cut file) is still given, and found unreadable."""
    block: list[str] | None = None
    for line in text.splitlines():
        if VCARD_START.match(line):
            if block is not None:
                yield "\r\n".join(block)
            block = [line.strip()]
        elif block is not None:
            block.append(line)
            if VCARD_END.match(line):
                yield "\r\n".join(block)
                block = None
    if block is not None:
        yield "\r\n".join(block)


def _preference(line: Any) -> int:
    """How preferred a property is: vCard 4.0 PREF=1 (most) to 100; vCard 3.0's
    TYPE=PREF counts as 1; none as 101. Lower is more preferred."""
    params = {key.upper(): value for key, value in line.params.items()}
    for value in params.get("PREF", []):
        if str(value).isdigit():
            return int(value)
    types = [str(value).upper() for value in params.get("TYPE", [])]
    return 1 if "PREF" in types else 101


def _values(card: Any, name: str) -> list[str]:
    """The values of a property, most preferred first ("" when absent or empty)."""
    lines = sorted(card.contents.get(name, []), key=_preference)
    return [value for line in lines if isinstance(value := line.value, str) and value.strip()]


def _name(card: Any) -> str:
    for full_name in _values(card, "fn"):
        return full_name.strip()
    for line in card.contents.get("n", []):
        parts = [line.value.given, line.value.additional, line.value.family]
        words = [part if isinstance(part, str) else " ".join(part) for part in parts]
        if joined := " ".join(" ".join(words).split()):
            return joined
    return ""


def _card_entry(number: int, block: str) -> Read:
    place = Place("card", number)
    try:
        card = vobject.readOne(block)
    except Exception:
        return Unreadable(place, InvalidInput(N_("this card could not be read")))
    emails = _values(card, "email")
    if not emails:
        return Unreadable(place, InvalidInput(N_("this card has no e-mail address")))
    phones = [phone.removeprefix("tel:") for phone in _values(card, "tel")]
    return Entry(
        place,
        name=_name(card),
        email=emails[0].strip(),
        languages=tuple(_values(card, "lang")),
        phone=phones[0].strip() if phones else "",
    )


def read_vcards(text: str) -> Iterator[Read]:
    for number, block in enumerate(_cards(text), start=1):
        yield _card_entry(number, block)
