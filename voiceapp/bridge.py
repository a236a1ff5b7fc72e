"""The conference bridge: its extension, its rooms, their IDs and PINs.

Seats (who is in a room) are in `seats`; lockout after PIN guessing in `pin_guard`.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from voiceapp.errors import Conflict, InvalidInput, LimitReached, NotFound
from voiceapp.extensions import check_extension_number, check_name, numbers_mapped_to
from voiceapp.models import Bridge, Extension, ExtensionKind, Language, Room
from voiceapp.settings import Settings

CONFERENCE_ID_PATTERN = re.compile(r"[0-9]{3,12}")
PIN_PATTERN = re.compile(r"[0-9]{4,12}")


def check_conference_id(raw: str, *, field: str = "conference_id") -> str:
    text = raw.strip()
    if not CONFERENCE_ID_PATTERN.fullmatch(text):
        raise InvalidInput(f"conference ID must be 3 to 12 digits (0-9), got {raw!r}", field=field)
    return text


def check_pin(raw: str, *, field: str = "pin") -> str:
    text = raw.strip()
    if not PIN_PATTERN.fullmatch(text):
        raise InvalidInput("PIN must be 4 to 12 digits (0-9), no letters or spaces", field=field)
    return text


def check_room_name(raw: str, *, field: str = "name") -> str:
    return check_name(raw, field=field, label="room name")


def check_capacity(value: int | str, settings: Settings, *, field: str = "capacity") -> int:
    try:
        capacity = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"capacity must be a whole number, got {value!r}", field=field) from None
    if not 1 <= capacity <= settings.max_capacity:
        raise InvalidInput(
            f"capacity must be between 1 and {settings.max_capacity} callers, got {capacity}",
            field=field,
        )
    return capacity


def pin_matches(room: Room, typed: str) -> bool:
    """Whether `typed` is the room's PIN, compared in constant time."""
    if room.pin is None:
        return True
    return hmac.compare_digest(room.pin.encode(), typed.encode())


def conference_name(room: Room) -> str:
    """The carrier-side conference name: our row id, never the room's name or ID, which
    may say who meets there and would show up in the carrier's logs."""
    return f"voiceapp-room-{room.pk}"


# ---- the conference server -------------------------------------------------------------


async def get_bridge() -> Bridge | None:
    return await Bridge.all().select_related("extension").first()


async def require_bridge() -> Bridge:
    bridge = await get_bridge()
    if bridge is None:
        raise NotFound(
            "the conference server is not set up yet: run 'voiceapp bridge setup --extension 800'",
            field="extension",
        )
    return bridge


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
            f"language must be fr or es, got {language!r}", field="language"
        ) from None
    async with in_transaction():
        taken = await Extension.get_or_none(number=number)
        bridge = await get_bridge()
        if bridge is None:
            if taken is not None:
                raise Conflict(
                    f"extension {number} is already used by {taken.kind.value.replace('_', ' ')} "
                    f"{taken.name!r}",
                    field="extension",
                )
            extension = await Extension.create(
                number=number, kind=ExtensionKind.CONFERENCE_SERVER, name="Conference server"
            )
            return await Bridge.create(extension=extension, default_language=lang)
        if bridge.extension.number != number:
            if taken is not None:
                raise Conflict(f"extension {number} is already in use", field="extension")
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
    blockers = []
    if rooms:
        listed = ", ".join(f"{room.name} ({room.conference_id})" for room in rooms)
        blockers.append(f"delete its rooms first: {listed}")
    if numbers:
        blockers.append(f"map these numbers elsewhere first: {', '.join(numbers)}")
    if blockers:
        raise Conflict(
            f"the conference server (extension {bridge.extension.number}) is in use; "
            + "; ".join(blockers),
            field="extension",
        )
    async with in_transaction():
        await bridge.delete()
        await bridge.extension.delete()


# ---- rooms -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomChange:
    """The fields of a room to change; None leaves a field as it is."""

    name: str | None = None
    conference_id: str | None = None
    pin: str | None = None
    clear_pin: bool = False
    capacity: int | str | None = None


async def find_room(conference_id: str) -> Room | None:
    """The room a caller's typed ID names, or None (also for IDs that are not digits)."""
    if not CONFERENCE_ID_PATTERN.fullmatch(conference_id):
        return None
    return await Room.get_or_none(conference_id=conference_id)


async def get_room(conference_id: str) -> Room:
    room = await Room.get_or_none(conference_id=check_conference_id(conference_id))
    if room is None:
        raise NotFound(
            f"there is no room with conference ID {conference_id}", field="conference_id"
        )
    return room


async def list_rooms() -> list[Room]:
    return await Room.all().order_by("conference_id")


async def add_room(
    settings: Settings,
    *,
    name: str,
    conference_id: str,
    pin: str | None = None,
    capacity: int | str | None = None,
) -> Room:
    clean_name = check_room_name(name)
    clean_id = check_conference_id(conference_id)
    clean_pin = check_pin(pin) if pin not in (None, "") else None
    if capacity is None or capacity == "":
        capacity = settings.default_capacity
    clean_capacity = check_capacity(capacity, settings)
    bridge = await require_bridge()
    async with in_transaction():
        if await Room.filter(bridge=bridge).count() >= settings.max_rooms:
            raise LimitReached(
                f"the conference server already has {settings.max_rooms} rooms, the most it "
                "can hold; delete one first",
                field="conference_id",
            )
        if await Room.exists(conference_id=clean_id):
            raise Conflict(
                f"conference ID {clean_id} is already used by another room", field="conference_id"
            )
        try:
            return await Room.create(
                bridge=bridge,
                name=clean_name,
                conference_id=clean_id,
                pin=clean_pin,
                capacity=clean_capacity,
            )
        except IntegrityError:
            raise Conflict(
                f"conference ID {clean_id} is already used", field="conference_id"
            ) from None


async def update_room(settings: Settings, conference_id: str, change: RoomChange) -> Room:
    room = await get_room(conference_id)
    if change.name is not None:
        room.name = check_room_name(change.name)
    if change.conference_id is not None:
        new_id = check_conference_id(change.conference_id, field="new_conference_id")
        if new_id != room.conference_id and await Room.exists(conference_id=new_id):
            raise Conflict(
                f"conference ID {new_id} is already used by another room", field="new_conference_id"
            )
        room.conference_id = new_id
    if change.clear_pin:
        room.pin = None
    elif change.pin is not None:
        room.pin = check_pin(change.pin)
    if change.capacity is not None:
        room.capacity = check_capacity(change.capacity, settings)
    try:
        await room.save()
    except IntegrityError:
        raise Conflict("that conference ID is already used", field="new_conference_id") from None
    return room


async def remove_room(conference_id: str) -> Room:
    room = await get_room(conference_id)
    await room.delete()
    return room
