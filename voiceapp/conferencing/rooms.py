"""The conference server's rooms: their names, conference IDs, PINs and capacities, what
happens during the call (host PIN, waiting for the host, tones, lecture mode, recording),
and the rules for each (one room per conference ID, at most VOICEAPP_MAX_ROOMS rooms, a
host PIN only beside a different participant PIN).

The conference server itself is an extension (switchboard.conference_server); seats (who
is in a room now) are in `seats`; lockout after PIN guessing in `pin_lockout`.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from voiceapp.core.errors import Conflict, FieldChecks, InvalidInput, LimitReached, NotFound
from voiceapp.core.i18n import N_, N_plural
from voiceapp.core.models import Bridge, Room
from voiceapp.core.names import check_name
from voiceapp.core.settings import Settings

CONFERENCE_ID_PATTERN = re.compile(r"[0-9]{3,12}")
PIN_PATTERN = re.compile(r"[0-9]{4,12}")
# Carrier-side conference names: this and the room's row id (conference_name).
CONFERENCE_PREFIX = "voiceapp-room-"


def check_conference_id(raw: str, *, field: str = "conference_id") -> str:
    text = raw.strip()
    if not CONFERENCE_ID_PATTERN.fullmatch(text):
        raise InvalidInput(
            # Translators: %(typed)s is what was typed, in quotes.
            N_("conference ID must be 3 to 12 digits (0-9), got %(typed)s"),
            params={"typed": repr(raw)},
            field=field,
        )
    return text


def check_pin(raw: str, *, field: str = "pin") -> str:
    text = raw.strip()
    if not PIN_PATTERN.fullmatch(text):
        raise InvalidInput(
            N_("PIN must be 4 to 12 digits (0-9), no letters or spaces"), field=field
        )
    return text


def check_host_pin(raw: str, *, field: str = "host_pin") -> str:
    text = raw.strip()
    if not PIN_PATTERN.fullmatch(text):
        raise InvalidInput(
            N_("host PIN must be 4 to 12 digits (0-9), no letters or spaces"), field=field
        )
    return text


def check_room_name(raw: str, *, field: str = "name") -> str:
    return check_name(raw, field=field, label="room name")


def check_capacity(value: int | str, settings: Settings, *, field: str = "capacity") -> int:
    try:
        capacity = int(str(value).strip())
    except ValueError:
        raise InvalidInput(
            # Translators: the number of callers a room holds; %(typed)s is what was typed.
            N_("capacity must be a whole number, got %(typed)s"),
            params={"typed": repr(value)},
            field=field,
        ) from None
    if not 1 <= capacity <= settings.max_capacity:
        raise InvalidInput(
            N_("capacity must be between 1 and %(max)s callers, got %(capacity)s"),
            params={"max": settings.max_capacity, "capacity": capacity},
            field=field,
        )
    return capacity


def pin_matches(room: Room, typed: str) -> bool:
    """Whether `typed` is the room's PIN, compared in constant time."""
    if room.pin is None:
        return True
    return hmac.compare_digest(room.pin.encode(), typed.encode())


def host_pin_matches(room: Room, typed: str) -> bool:
    """Whether `typed` is the room's host PIN, compared in constant time; never when the
    room has none (a caller who typed nothing is not the host)."""
    if room.host_pin is None:
        return False
    return hmac.compare_digest(room.host_pin.encode(), typed.encode())


def conference_name(room: Room) -> str:
    """The carrier-side conference name: our row id, never the room's name or ID, which
    may say who meets there and would show up in the carrier's logs."""
    return f"{CONFERENCE_PREFIX}{room.pk}"


def room_id_of(conference: str) -> int | None:
    """The room a carrier-side conference name (conference_name) stands for; None for a
    name voiceapp did not make."""
    number = conference.removeprefix(CONFERENCE_PREFIX)
    if number == conference or not number.isascii() or not number.isdigit() or len(number) > 9:
        return None
    return int(number)


# ---- the conference server -------------------------------------------------------------


async def get_bridge() -> Bridge | None:
    return await Bridge.all().select_related("extension").first()


async def require_bridge() -> Bridge:
    bridge = await get_bridge()
    if bridge is None:
        raise NotFound(
            # Translators: keep the command in quotes as it is.
            N_(
                "the conference server is not set up yet: "
                "run 'voiceapp bridge setup --extension 800'"
            ),
            field="extension",
        )
    return bridge


# What happens during the call that is simply on or off: the Room columns, in the order
# the CLI and the admin pages list them.
CALL_SWITCHES = ("wait_for_host", "end_with_host", "tones", "muted_on_entry", "record")


@dataclass(frozen=True)
class RoomChange:
    """The fields of a room to change; None leaves a field as it is."""

    name: str | None = None
    conference_id: str | None = None
    pin: str | None = None
    clear_pin: bool = False
    capacity: int | str | None = None
    host_pin: str | None = None
    clear_host_pin: bool = False
    wait_for_host: bool | None = None
    end_with_host: bool | None = None
    tones: bool | None = None
    muted_on_entry: bool | None = None
    record: bool | None = None

    def switches(self) -> dict[str, bool]:
        """The during-the-call switches this change sets, by column name."""
        named = {column: getattr(self, column) for column in CALL_SWITCHES}
        return {column: value for column, value in named.items() if value is not None}


# Translators: "code" is what a caller types on the keypad after the conference ID.
HOST_PIN_NEEDS_PIN = N_(
    "set a PIN first: callers to a room without one are never asked for a code, "
    "so none could type the host PIN"
)


def _check_codes(
    checks: FieldChecks,
    *,
    pin: str | None,
    host_pin: str | None,
    host_pin_typed: bool,
    wait_for_host: bool,
    wait_turned_on: bool,
) -> None:
    """The rules between the room's PIN, its host PIN and waiting for the host, on the
    values the room would have after the change. The refusal goes to the field the
    request changed: a host PIN typed now is at fault, else the PIN just changed.
    Skipped for a field already refused, whose value is unknown."""
    with checks.field():
        if checks.failed("pin") or checks.failed("host_pin") or host_pin is None:
            pass
        elif pin is None:
            if host_pin_typed:
                raise InvalidInput(HOST_PIN_NEEDS_PIN, field="host_pin")
            raise InvalidInput(
                N_(
                    "remove the host PIN too, or keep the PIN: callers to a room without "
                    "a PIN are never asked for a code"
                ),
                field="pin",
            )
        elif pin == host_pin:
            # Callers typing the PIN everyone knows would all become hosts.
            if host_pin_typed:
                raise InvalidInput(
                    N_("the host PIN must be different from the room's PIN"), field="host_pin"
                )
            raise InvalidInput(
                N_("the PIN must be different from the room's host PIN"), field="pin"
            )
    with checks.field():
        if checks.failed("host_pin") or not wait_for_host or host_pin is not None:
            pass
        elif wait_turned_on:
            raise InvalidInput(
                N_(
                    "waiting for the host needs a host PIN: without one nobody is the host, "
                    "and callers would wait forever"
                ),
                field="wait_for_host",
            )
        else:
            raise InvalidInput(
                N_("this room waits for the host: keep the host PIN, or stop waiting for the host"),
                field="host_pin",
            )


async def get_room(conference_id: str) -> Room:
    room = await Room.get_or_none(conference_id=check_conference_id(conference_id))
    if room is None:
        raise NotFound(
            N_("there is no room with conference ID %(conference_id)s"),
            params={"conference_id": conference_id},
            field="conference_id",
        )
    return room


async def list_rooms() -> list[Room]:
    return await Room.all().order_by("conference_id")


def is_full(settings: Settings, room_count: int) -> bool:
    """Whether a conference server with `room_count` rooms can take no more."""
    return room_count >= settings.max_rooms


async def _require_unused(conference_id: str, *, field: str) -> None:
    if await Room.exists(conference_id=conference_id):
        raise Conflict(
            N_("conference ID %(conference_id)s is already used by another room"),
            params={"conference_id": conference_id},
            field=field,
        )


async def add_room(
    settings: Settings,
    *,
    name: str,
    conference_id: str,
    pin: str | None = None,
    capacity: int | str | None = None,
    host_pin: str | None = None,
    wait_for_host: bool = False,
    end_with_host: bool = False,
    tones: bool = True,
    muted_on_entry: bool = False,
    record: bool = False,
) -> Room:
    # Every field is checked, and every refusal reported at once (FieldChecks).
    checks = FieldChecks()
    with checks.field():
        clean_name = check_room_name(name)
    with checks.field():
        clean_id = check_conference_id(conference_id)
        await _require_unused(clean_id, field="conference_id")
    # Read by the rules between the codes, which skip a refused one.
    clean_pin: str | None = None
    clean_host_pin: str | None = None
    with checks.field():
        clean_pin = check_pin(pin) if pin not in (None, "") else None
    with checks.field():
        clean_host_pin = check_host_pin(host_pin) if host_pin not in (None, "") else None
    if capacity is None or capacity == "":
        capacity = settings.default_capacity
    with checks.field():
        clean_capacity = check_capacity(capacity, settings)
    _check_codes(
        checks,
        pin=clean_pin,
        host_pin=clean_host_pin,
        host_pin_typed=True,
        wait_for_host=wait_for_host,
        wait_turned_on=True,
    )
    bridge = await require_bridge()
    async with in_transaction():
        # The limit first, alone: no change to the fields would get past it.
        if is_full(settings, await Room.filter(bridge=bridge).count()):
            raise LimitReached(
                N_plural(
                    "the conference server already has %(count)s room, the most it can hold; "
                    "delete it first",
                    "the conference server already has %(count)s rooms, the most it can hold; "
                    "delete one first",
                ),
                params={"count": settings.max_rooms},
                # No field: the limit is the conference server's, not the typed ID's.
            )
        checks.raise_any()
        try:
            return await Room.create(
                bridge=bridge,
                name=clean_name,
                conference_id=clean_id,
                pin=clean_pin,
                capacity=clean_capacity,
                host_pin=clean_host_pin,
                wait_for_host=wait_for_host,
                end_with_host=end_with_host,
                tones=tones,
                muted_on_entry=muted_on_entry,
                record=record,
            )
        except IntegrityError:
            raise Conflict(
                N_("conference ID %(conference_id)s is already used"),
                params={"conference_id": clean_id},
                field="conference_id",
            ) from None


async def update_room(settings: Settings, conference_id: str, change: RoomChange) -> Room:
    """Change the room's settings. Only the columns named in `change` are written, by one
    UPDATE: the room's live seat count (changed by every caller joining or leaving) is
    never written back from the copy read here. Every field is checked, and every
    refusal reported at once (FieldChecks)."""
    room = await get_room(conference_id)
    checks = FieldChecks()
    changed: dict[str, str | int | bool | None] = {}
    with checks.field():
        if change.name is not None:
            changed["name"] = check_room_name(change.name)
    with checks.field():
        if change.conference_id is not None:
            new_id = check_conference_id(change.conference_id, field="new_conference_id")
            if new_id != room.conference_id:
                await _require_unused(new_id, field="new_conference_id")
            changed["conference_id"] = new_id
    # The room's PIN and host PIN as they would be after the change.
    pin, host_pin = room.pin, room.host_pin
    with checks.field():
        if change.clear_pin and change.pin is not None:
            # Two opposite orders at once: doing either would ignore the other silently.
            raise InvalidInput(N_("type a new PIN or remove the PIN, not both"), field="pin")
        if change.clear_pin:
            pin = changed["pin"] = None
        elif change.pin is not None:
            pin = changed["pin"] = check_pin(change.pin)
    with checks.field():
        if change.clear_host_pin and change.host_pin is not None:
            raise InvalidInput(
                N_("type a new host PIN or remove the host PIN, not both"), field="host_pin"
            )
        if change.clear_host_pin:
            host_pin = changed["host_pin"] = None
        elif change.host_pin is not None:
            host_pin = changed["host_pin"] = check_host_pin(change.host_pin)
    with checks.field():
        if change.capacity is not None:
            changed["capacity"] = check_capacity(change.capacity, settings)
    switches = change.switches()
    changed.update(switches)
    wait_for_host = switches.get("wait_for_host", room.wait_for_host)
    _check_codes(
        checks,
        pin=pin,
        host_pin=host_pin,
        host_pin_typed=change.host_pin is not None,
        wait_for_host=wait_for_host,
        wait_turned_on=wait_for_host and not room.wait_for_host,
    )
    checks.raise_any()
    try:
        updated = await Room.filter(id=room.pk).update(**changed) if changed else 1
    except IntegrityError:
        raise Conflict(
            N_("that conference ID is already used"), field="new_conference_id"
        ) from None
    if updated == 0:  # deleted since it was read
        raise NotFound(
            N_("there is no room with conference ID %(conference_id)s"),
            params={"conference_id": conference_id},
            field="conference_id",
        )
    return await Room.get(id=room.pk)


async def remove_room(conference_id: str) -> Room:
    room = await get_room(conference_id)
    await room.delete()
    return room
