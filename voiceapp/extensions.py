"""Extensions: the internal numbers a phone number can reach (conference server, users,
ring groups, the virtual receptionist)."""

from __future__ import annotations

import re

from voiceapp.errors import InvalidInput, NotFound
from voiceapp.models import Extension, PhoneNumber

EXTENSION_PATTERN = re.compile(r"[0-9]{2,6}")


def check_extension_number(raw: str, *, field: str = "extension") -> str:
    """An extension number as typed: 2 to 6 digits."""
    text = raw.strip()
    if not EXTENSION_PATTERN.fullmatch(text):
        raise InvalidInput(f"extension must be 2 to 6 digits, got {raw!r}", field=field)
    return text


async def get_extension(number: str, *, field: str = "extension") -> Extension:
    extension = await Extension.get_or_none(number=check_extension_number(number, field=field))
    if extension is None:
        raise NotFound(f"there is no extension {number}", field=field)
    return extension


async def numbers_mapped_to(extension: Extension) -> list[str]:
    """The E.164 phone numbers that reach this extension, sorted."""
    rows = (
        await PhoneNumber.filter(extension=extension)
        .order_by("e164")
        .values_list("e164", flat=True)
    )
    return [str(row) for row in rows]
