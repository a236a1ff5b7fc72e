"""The dial-in block: how an invitee reaches the room, in their language.

Every number routed to the conference server, written for reading and in E.164, with the
language its callers are greeted in; the conference ID; the PIN when the room has one;
and the one-tap string a phone dials by itself (a comma is a two-second pause, and #
ends each entry as the keypad prompts ask).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import phonenumbers
from babel import Locale

from voiceapp.core.i18n import LANGUAGES, N_, format_message
from voiceapp.scheduling.meeting_view import DialIn, DialInNumber
from voiceapp.scheduling.wording import labelled

# Two pauses: the greeting plays before the conference ID is asked for.
PAUSE = ",,"


def one_tap(number: str, conference_id: str, pin: str | None) -> str:
    """tel:+33180000001,,1234#,,4321# (no PIN part when the room has none)."""
    digits = f"tel:{number}{PAUSE}{conference_id}#"
    return f"{digits}{PAUSE}{pin}#" if pin else digits


def tel_href(one_tap_string: str) -> str:
    """The one-tap string as a link target. In a URI # starts a fragment, so RFC 3966
    has it escaped (%23); phones turn it back into the key. Commas stay as they are."""
    return "tel:" + quote(one_tap_string.removeprefix("tel:"), safe="+,")


def readable(e164: str) -> str:
    """For reading: "+33180000001" -> "+33 1 80 00 00 01", grouped as its country does,
    with its country code, since invitees may call from anywhere."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def language_name(language: str, reader: str) -> str:
    """The name of `language` in the reader's language ("fr" for an es reader: "francés")."""
    name = Locale.parse(reader).languages.get(language)
    return name if isinstance(name, str) else language


@dataclass(frozen=True)
class DialInLine:
    """One number of the block, ready to print."""

    readable: str
    e164: str
    language: str  # its name, in the reader's language
    text: str  # the whole line, in the reader's language
    one_tap: str
    href: str


@dataclass(frozen=True)
class DialInBlock:
    """The block in one reader's language: the text and HTML parts both print this."""

    language: str
    heading: str
    instructions: str
    lines: tuple[DialInLine, ...]
    # (label, value) pairs: the conference ID, and the PIN when there is one.
    codes: tuple[tuple[str, str], ...]
    one_tap_label: str

    @property
    def one_tap_lead(self) -> str:
        """What the HTML prints before the link: "One tap: ", "Appel direct : "."""
        return labelled(self.one_tap_label, "", self.language)


def ordered_numbers(dial_in: DialIn, reader: str) -> tuple[DialInNumber, ...]:
    """The numbers greeting in the reader's language first (stable otherwise)."""
    return tuple(sorted(dial_in.numbers, key=lambda number: number.language != reader))


def dial_in_block(dial_in: DialIn, language: str) -> DialInBlock:
    lines = tuple(_line(number, dial_in, language) for number in ordered_numbers(dial_in, language))
    codes = [(format_message(language, N_("Conference ID")), dial_in.conference_id)]
    if dial_in.pin:
        # Translators: the room's access code, typed after the conference ID.
        codes.append((format_message(language, N_("PIN")), dial_in.pin))
    if not lines:
        instructions = N_(
            "No phone number reaches the conference server yet: ask the organizer how to join."
        )
    elif dial_in.pin:
        instructions = N_(
            "Call one of these numbers, then type the conference ID and the PIN, each "
            "followed by #. On a mobile phone, the one-tap link dials them for you."
        )
    else:
        instructions = N_(
            "Call one of these numbers, then type the conference ID followed by #. "
            "On a mobile phone, the one-tap link dials it for you."
        )
    return DialInBlock(
        language=language,
        heading=format_message(language, N_("Join by phone")),
        instructions=format_message(language, instructions),
        lines=lines,
        codes=tuple(codes),
        one_tap_label=format_message(language, N_("One tap")),
    )


def _line(number: DialInNumber, dial_in: DialIn, language: str) -> DialInLine:
    tap = one_tap(number.e164, dial_in.conference_id, dial_in.pin)
    name = language_name(number.language, language)
    text = format_message(
        language,
        # Translators: a dial-in number as written for reading, then in E.164 (the
        # +33180000001 form), then the language its callers are greeted in.
        N_("%(number)s (%(e164)s), in %(language)s"),
        {"number": readable(number.e164), "e164": number.e164, "language": name},
    )
    return DialInLine(
        readable=readable(number.e164),
        e164=number.e164,
        language=name,
        text=text,
        one_tap=tap,
        href=tel_href(tap),
    )


def dial_in_text(dial_in: DialIn, language: str) -> str:
    """The block as plain text: the calendar's DESCRIPTION ends with it."""
    return block_text(dial_in_block(dial_in, language))


def details_for_invitees(details: str, dial_in: DialIn) -> str:
    """The organizer's details without the room's dial-in block where it was left as the
    page pre-filled it (in any language): every invitation adds the block itself, in the
    invitee's language, so it would otherwise show twice."""
    text = details.replace("\r\n", "\n")
    for language in LANGUAGES:
        text = text.replace(dial_in_text(dial_in, language), "")
    return text.strip()


def block_text(block: DialInBlock) -> str:
    """A block as plain text (the mail's text part prints it so)."""
    out = [block.heading, block.instructions, ""]
    for line in block.lines:
        out.append(line.text)
        out.append("  " + labelled(block.one_tap_label, line.one_tap, block.language))
    if block.lines:
        out.append("")
    out.extend(labelled(label, value, block.language) for label, value in block.codes)
    return "\n".join(out)


def location(dial_in: DialIn, language: str) -> str:
    """The calendar's LOCATION: the first number (in the reader's language when one
    greets in it) and its one-tap string, which phones' calendars offer to dial."""
    if not dial_in.numbers:
        label = format_message(language, N_("Conference ID"))
        return labelled(label, dial_in.conference_id, language)
    first = ordered_numbers(dial_in, language)[0]
    return f"{readable(first.e164)} ({one_tap(first.e164, dial_in.conference_id, dial_in.pin)})"
