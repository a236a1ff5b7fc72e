"""The conference server as an extension: set it up on an extension number (or move it),
and delete it once no room and no phone number depends on it. Its rooms are in
conferencing.rooms.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from voiceapp.conferencing.rooms import get_bridge, require_bridge
from voiceapp.core.errors import Conflict, InvalidInput
from voiceapp.core.i18n import N_
from voiceapp.core.models import Bridge, Extension, ExtensionKind, Language, Room
from voiceapp.switchboard.extensions import (
    check_extension_number,
    given_name,
    numbers_mapped_to,
)

# One sentence per kind of extension, rather than the kind's name put into one sentence:
# a translation would otherwise need the right article and gender for a word it cannot see.
EXTENSION_TAKEN = {
    # Translators: %(name)s is the extension's name, in quotes.
    ExtensionKind.USER: N_("extension %(extension)s is already used by user %(name)s"),
    ExtensionKind.RING_GROUP: N_("extension %(extension)s is already used by ring group %(name)s"),
    ExtensionKind.RECEPTIONIST: N_(
        "extension %(extension)s is already used by receptionist %(name)s"
    ),
    # The conference server has no name of its own (the pages show its kind, translated).
    ExtensionKind.CONFERENCE_SERVER: N_(
        "extension %(extension)s is already used by the conference server"
    ),
}
# The same, for the receptionist when it has no name (extensions.given_name).
RECEPTIONIST_TAKEN = N_("extension %(extension)s is already used by the virtual receptionist")
# Why the conference server cannot be deleted, by (it has rooms, numbers map to it): whole
# sentences, so that a translation never joins English-shaped pieces.
BRIDGE_IN_USE = {
    (True, False): N_(
        "the conference server (extension %(extension)s) is in use; "
        "delete its rooms first: %(rooms)s"
    ),
    (False, True): N_(
        "the conference server (extension %(extension)s) is in use; "
        "map these numbers elsewhere first: %(numbers)s"
    ),
    (True, True): N_(
        "the conference server (extension %(extension)s) is in use; "
        "delete its rooms first: %(rooms)s; map these numbers elsewhere first: %(numbers)s"
    ),
}


async def setup_bridge(extension_number: str, language: str | Language) -> Bridge:
    """Create the conference server on an extension, or move it and change its language.

    Phone numbers map to the extension row, so moving the bridge to a new extension
    number keeps every number that reached it.
    """
    number = check_extension_number(extension_number)
    try:
        lang = Language(str(language).strip().lower())
    except ValueError:
        raise InvalidInput(
            # Translators: fr and es are the codes to type, as they are.
            N_("language must be fr or es, got %(typed)s"),
            params={"typed": repr(language)},
            field="language",
        ) from None
    async with in_transaction():
        taken = await Extension.get_or_none(number=number)
        bridge = await get_bridge()
        if bridge is None:
            if taken is not None:
                name = given_name(taken)
                unnamed = taken.kind is ExtensionKind.RECEPTIONIST and not name
                raise Conflict(
                    RECEPTIONIST_TAKEN if unnamed else EXTENSION_TAKEN[taken.kind],
                    params={"extension": number, "name": repr(name)},
                    field="extension",
                )
            # No name: an English one stored here showed untranslated on the admin pages
            # (admin.labels.extension_name names it by its kind, in the reader's language).
            extension = await Extension.create(number=number, kind=ExtensionKind.CONFERENCE_SERVER)
            return await Bridge.create(extension=extension, default_language=lang)
        if bridge.extension.number != number:
            if taken is not None:
                raise Conflict(
                    N_("extension %(extension)s is already in use"),
                    params={"extension": number},
                    field="extension",
                )
            bridge.extension.number = number
            await bridge.extension.save()
        bridge.default_language = lang
        await bridge.save()
        return bridge


async def remove_bridge() -> None:
    """Delete the conference server, only once no room and no phone number depends on it."""
    bridge = await require_bridge()
    rooms = await Room.filter(bridge=bridge).order_by("conference_id")
    numbers = await numbers_mapped_to(bridge.extension)
    if rooms or numbers:
        raise Conflict(
            BRIDGE_IN_USE[bool(rooms), bool(numbers)],
            params={
                "extension": bridge.extension.number,
                "rooms": ", ".join(f"{room.name} ({room.conference_id})" for room in rooms),
                "numbers": ", ".join(numbers),
            },
            field="extension",
        )
    async with in_transaction():
        await bridge.delete()
        await bridge.extension.delete()


# ---- rooms -----------------------------------------------------------------------------
