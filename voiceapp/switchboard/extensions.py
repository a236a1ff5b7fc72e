"""Extensions: the internal numbers a phone number can reach (conference server, users,
ring groups, the virtual receptionist).

The conference server's own extension is made by `conference_server.setup_bridge`; this module
manages the others, and refuses to delete one that a phone number still reaches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from voiceapp.core.errors import Conflict, FieldChecks, InvalidInput, NotFound, VoiceappError
from voiceapp.core.i18n import N_, N_plural
from voiceapp.core.models import Extension, ExtensionKind, PhoneNumber
from voiceapp.core.names import check_name
from voiceapp.core.phone_numbers import to_e164

EXTENSION_PATTERN = re.compile(r"[0-9]{2,6}")
SIP_URI_PATTERN = re.compile(r"sips?:[A-Za-z0-9._~%!$&'()*+,;=-]+@[A-Za-z0-9.-]+(:[0-9]{1,5})?")
FORWARD_TO_MAX = 255  # the column's length
# Kinds an admin creates here; the conference server comes from `voiceapp bridge setup`.
MANAGED_KINDS = (ExtensionKind.USER, ExtensionKind.RING_GROUP, ExtensionKind.RECEPTIONIST)
# A ring group rings its members with one <Dial>, and a carrier rings at most ten at once.
MAX_MEMBERS = 10
# Kinds that need no name: there is one of each, and the pages call it by its kind, in
# the reader's language (a stored English default showed untranslated). Users and ring
# groups need one to be told apart.
UNNAMED_KINDS = (ExtensionKind.CONFERENCE_SERVER, ExtensionKind.RECEPTIONIST)


def check_extension_number(raw: str, *, field: str = "extension") -> str:
    """An extension number as typed: 2 to 6 digits."""
    text = raw.strip()
    if not EXTENSION_PATTERN.fullmatch(text):
        raise InvalidInput(
            # Translators: an extension is an internal phone number; %(typed)s is as typed.
            N_("extension must be 2 to 6 digits, got %(typed)s"),
            params={"typed": repr(raw)},
            field=field,
        )
    return text


def given_name(extension: Extension) -> str:
    """The name an admin gave the extension, or "" when it has none. Earlier versions
    stored its kind's English label as the name of a receptionist added without one
    ("Virtual receptionist"): that is no name either, so it too shows as the kind,
    translated. (Read so rather than rewritten by a migration: the rows stay as they are,
    and the rule holds for a database restored from an older backup as well.)"""
    if extension.kind is ExtensionKind.CONFERENCE_SERVER:
        return ""
    if extension.kind in UNNAMED_KINDS and extension.name == ExtensionKind(extension.kind).label:
        return ""
    return extension.name


def _checked_name(kind: ExtensionKind, raw: str | None) -> str:
    """A new extension's name: required, except for the kinds that need none."""
    if kind in UNNAMED_KINDS and not (raw or "").strip():
        return ""
    return check_name(raw or "")


def check_kind(raw: str | ExtensionKind, *, field: str = "kind") -> ExtensionKind:
    """A kind as typed on the CLI or a form ("ring-group" and "ring_group" both work)."""
    text = str(raw).strip().lower().replace("-", "_")
    aliases = {"receptionist": "receptionist", "virtual_receptionist": "receptionist"}
    text = aliases.get(text, text)
    for kind in MANAGED_KINDS:
        if kind.value == text:
            return kind
    choices = ", ".join(kind.value.replace("_", "-") for kind in MANAGED_KINDS)
    raise InvalidInput(
        # Translators: %(choices)s are the values to type (user, ring-group...), as they are.
        N_("kind must be one of %(choices)s, got %(typed)s"),
        params={"choices": choices, "typed": repr(raw)},
        field=field,
    )


def is_sip_uri(target: str) -> bool:
    """Whether a forwarding target is a SIP URI rather than a phone number."""
    return target.lower().startswith(("sip:", "sips:"))


def check_forward_to(raw: str, *, field: str = "forward_to") -> str:
    """Where a user's calls ring: an E.164 number or a SIP URI (sip:alice@pbx.example.com)."""
    text = raw.strip()
    if is_sip_uri(text):
        scheme, _, rest = text.partition(":")
        text = f"{scheme.lower()}:{rest}"  # "SIP:" is the same scheme; carriers expect "sip:"
        if len(text) > FORWARD_TO_MAX:
            raise InvalidInput(
                N_("a SIP URI must be at most %(max)s characters"),
                params={"max": FORWARD_TO_MAX},
                field=field,
            )
        if not SIP_URI_PATTERN.fullmatch(text):
            raise InvalidInput(
                N_("%(typed)s is not a SIP URI like sip:alice@pbx.example.com"),
                params={"typed": repr(raw)},
                field=field,
            )
        return text
    try:
        return to_e164(text, field=field)
    except VoiceappError:
        # to_e164's own sentence asks for a phone number only; a SIP URI does as well here.
        raise InvalidInput(
            # Translators: %(typed)s is what was typed, in quotes; keep the examples as they are.
            N_(
                "%(typed)s is not a phone number or a SIP URI; write a phone number with + "
                "and the country code, e.g. +33612345601, or a SIP URI, "
                "e.g. sip:alice@pbx.example.com"
            ),
            params={"typed": repr(raw)},
            field=field,
        ) from None


async def _forward_target(raw: str) -> str:
    """A checked forwarding target that is not one of our own numbers: a call forwarded
    there would come straight back and ring itself over and over."""
    if not raw.strip():
        raise InvalidInput(N_("a user needs a forwarding number or SIP URI"), field="forward_to")
    target = check_forward_to(raw)
    if not is_sip_uri(target) and await PhoneNumber.exists(e164=target):
        raise Conflict(
            N_("%(number)s is one of voiceapp's own numbers; forwarding to it would loop"),
            params={"number": target},
            field="forward_to",
        )
    return target


async def get_extension(number: str, *, field: str = "extension") -> Extension:
    extension = await Extension.get_or_none(number=check_extension_number(number, field=field))
    if extension is None:
        raise NotFound(
            N_("there is no extension %(extension)s"), params={"extension": number}, field=field
        )
    return extension


async def find_extension(typed: str) -> Extension | None:
    """The extension a caller's typed digits name, or None. Digits that are not an
    extension number (an outside phone number, say) are never looked up."""
    if not EXTENSION_PATTERN.fullmatch(typed):
        return None
    return await Extension.get_or_none(number=typed)


async def numbers_mapped_to(extension: Extension) -> list[str]:
    """The E.164 phone numbers that reach this extension, sorted."""
    rows = (
        await PhoneNumber.filter(extension=extension)
        .order_by("e164")
        .values_list("e164", flat=True)
    )
    return [str(row) for row in rows]


async def list_extensions() -> list[Extension]:
    return await Extension.all().prefetch_related("members").order_by("number")


@dataclass(frozen=True)
class ExtensionChange:
    """Fields of an extension to change; None leaves a field as it is."""

    name: str | None = None
    forward_to: str | None = None
    members: list[str] | None = None  # ring group member extension numbers


async def _members(numbers: list[str]) -> list[Extension]:
    """Ring group members: existing user extensions, each named once."""
    named = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    if not named:
        raise InvalidInput(N_("a ring group needs at least one member"), field="members")
    if len(named) > MAX_MEMBERS:
        raise InvalidInput(
            N_("a ring group rings at most %(max)s members at once, got %(count)s"),
            params={"max": MAX_MEMBERS, "count": len(named)},
            field="members",
        )
    members = []
    for raw in named:
        member = await get_extension(raw, field="members")
        if member.kind is not ExtensionKind.USER:
            raise InvalidInput(
                N_("extension %(extension)s is not a user; ring groups ring users only"),
                params={"extension": member.number},
                field="members",
            )
        members.append(member)
    return members


# A forwarding target or members on a kind that has none are refused, rather than what
# the admin typed silently dropped. Empty values carry nothing and pass: a form posts
# every field whatever the kind.


def _check_forward_fits(kind: ExtensionKind, forward_to: str | None) -> None:
    if forward_to and forward_to.strip() and kind is not ExtensionKind.USER:
        raise InvalidInput(N_("only a user extension has a forwarding target"), field="forward_to")


def _check_members_fit(kind: ExtensionKind, members: list[str] | None) -> None:
    if members and any(m.strip() for m in members) and kind is not ExtensionKind.RING_GROUP:
        raise InvalidInput(N_("only a ring group has members"), field="members")


def _in_use(number: str) -> Conflict:
    return Conflict(
        N_("extension %(extension)s is already in use"),
        params={"extension": number},
        field="extension",
    )


async def add_extension(
    number: str,
    kind: str | ExtensionKind,
    name: str | None = None,
    *,
    forward_to: str | None = None,
    members: list[str] | None = None,
) -> Extension:
    """Add a user, a ring group or the virtual receptionist (which needs no name). Every
    field is checked, and every refusal reported at once (FieldChecks)."""
    clean_kind = check_kind(kind)  # what the other fields need depends on it
    checks = FieldChecks()
    with checks.field():
        clean_number = check_extension_number(number)
        if await Extension.exists(number=clean_number):
            raise _in_use(clean_number)
    with checks.field():
        clean_name = _checked_name(clean_kind, name)
    target = None
    with checks.field():
        _check_forward_fits(clean_kind, forward_to)
        if clean_kind is ExtensionKind.USER:
            target = await _forward_target(forward_to or "")
    member_rows: list[Extension] = []
    with checks.field():
        _check_members_fit(clean_kind, members)
        if clean_kind is ExtensionKind.RING_GROUP:
            member_rows = await _members(members or [])
    with checks.field():
        if clean_kind is ExtensionKind.RECEPTIONIST and await Extension.exists(kind=clean_kind):
            raise Conflict(N_("there is already a virtual receptionist"), field="kind")
    checks.raise_any()
    try:
        async with in_transaction():
            extension = await Extension.create(
                number=clean_number, kind=clean_kind, name=clean_name, forward_to=target
            )
            if member_rows:
                await extension.members.add(*member_rows)
    except IntegrityError:  # a concurrent add of the same number won the race
        raise _in_use(clean_number) from None
    return extension


async def update_extension(number: str, change: ExtensionChange) -> Extension:
    """Change what `change` names. Every field is checked, and every refusal reported at
    once (FieldChecks), before anything is written."""
    extension = await get_extension(number)
    kind = ExtensionKind(extension.kind)
    checks = FieldChecks()
    with checks.field():
        if change.name is not None:
            extension.name = _checked_name(kind, change.name)
    with checks.field():
        _check_forward_fits(kind, change.forward_to)
        if change.forward_to is not None:
            extension.forward_to = await _forward_target(change.forward_to)
    member_rows = None
    with checks.field():
        _check_members_fit(kind, change.members)
        if change.members is not None:
            member_rows = await _members(change.members)
    checks.raise_any()
    async with in_transaction():
        await extension.save()
        if member_rows is not None:
            await extension.members.clear()
            await extension.members.add(*member_rows)
    return extension


async def remove_extension(number: str) -> Extension:
    """Delete an extension no phone number reaches. The conference server is removed with
    `conference_server.remove_bridge`, which also checks its rooms."""
    extension = await get_extension(number)
    if extension.kind is ExtensionKind.CONFERENCE_SERVER:
        raise Conflict(
            # Translators: keep the command in quotes as it is.
            N_(
                "this is the conference server: delete it from the conference page "
                "or with 'voiceapp bridge remove'"
            ),
            field="extension",
        )
    numbers = await numbers_mapped_to(extension)
    if numbers:
        raise Conflict(
            N_plural(
                "extension %(extension)s is still reached by %(numbers)s; "
                "map that number elsewhere first",
                "extension %(extension)s is still reached by %(numbers)s; "
                "map those numbers elsewhere first",
            ),
            params={
                "extension": extension.number,
                "numbers": ", ".join(numbers),
                "count": len(numbers),
            },
            field="extension",
        )
    groups = await extension.ring_groups.all().order_by("number")
    if groups:
        listed = ", ".join(f"{group.number} ({group.name})" for group in groups)
        raise Conflict(
            N_plural(
                "extension %(extension)s is a member of ring group %(groups)s; "
                "remove it from the group first",
                "extension %(extension)s is a member of ring groups %(groups)s; "
                "remove it from the groups first",
            ),
            params={"extension": extension.number, "groups": listed, "count": len(groups)},
            field="extension",
        )
    await extension.delete()
    return extension
