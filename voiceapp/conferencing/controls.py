"""Live controls of a running conference: mute, unmute and remove a caller, lock a room,
mute everyone, end the conference. The Live page, `voiceapp live` and the keypad menu's
host keys call these.

Muting, removing and ending go through the carrier's REST API (carrier.conference_control),
for the account the call came through (`Seat.account_sid`); only what the carrier did is
then written here, each time as a conditional UPDATE of the one column concerned, never a
whole-row save: the conference status callbacks write the same rows concurrently (and
confirm what was done here: participant-mute, participant-leave, conference-end).

Which seats can be controlled: a seat's `conference_sid` is known once the carrier said
the caller is in (JOINED; IN_MENU keeps it on the way out to the keypad menu). A seat
still RESERVED has none yet: the caller is still joining and is asked about again later.
A caller in the keypad menu is not in the conference: muting them sets the flag their way
back keeps, and removing them marks the seat REMOVED, which the menu's webhooks answer
with goodbye.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from voiceapp.carrier.conference_control import ConferenceControl, control_for
from voiceapp.carrier.errors import CarrierError
from voiceapp.conferencing import rooms, seats
from voiceapp.conferencing.replies import voiceapp_ends_conference
from voiceapp.core.errors import Conflict, NotFound, VoiceappError
from voiceapp.core.i18n import N_
from voiceapp.core.models import Room, Seat, SeatState
from voiceapp.core.phone_numbers import to_e164, to_e164_or_none
from voiceapp.core.settings import Settings

log = logging.getLogger(__name__)

# How many REST requests "mute everyone" has in flight at once: enough for a full room to
# be muted in a blink, few enough not to trip the carrier's rate limits.
PARALLEL_REQUESTS = 5
# A seat's state can change between reading it and the conditional UPDATE (the caller
# pressed *, came back, joined): the control is tried again on the state as it is now.
RETRIES = 3
# Seats whose conference the caller is in, or was in a moment ago (the keypad menu).
CONTROLLABLE = (SeatState.JOINED, SeatState.IN_MENU)


# ---- finding the seats ---------------------------------------------------------------------


def caller_label(seat: Seat) -> str:
    """The caller as the pages and messages name them."""
    return seat.caller or seat.call_sid


async def seats_of_caller(conference_id: str, caller: str) -> list[Seat]:
    """The seats of room `conference_id` held by calls from `caller`, a number as a
    person types it ("+33 6 12 34 56 78") or exactly as the carrier sent it (a SIP
    address, "anonymous"). Usually one; a number that called twice holds two."""
    room = await rooms.get_room(conference_id)
    in_room = await Seat.filter(room_id=room.pk).order_by("reserved_at")
    typed = caller.strip()
    found = [seat for seat in in_room if typed and seat.caller == typed]
    if not found:
        number = to_e164(typed, field="caller")
        found = [seat for seat in in_room if to_e164_or_none(seat.caller) == number]
    if not found:
        raise NotFound(
            N_("%(caller)s is not in room %(conference_id)s"),
            params={"caller": typed, "conference_id": room.conference_id},
            field="caller",
        )
    return found


async def _seat(call_sid: str) -> Seat:
    seat = await Seat.get_or_none(call_sid=call_sid)
    if seat is None:
        raise NotFound(N_("that caller has already left the room"))
    return seat


def _still_joining(seat: Seat) -> Conflict:
    return Conflict(
        N_("%(caller)s is still joining the conference; try again in a moment"),
        params={"caller": caller_label(seat)},
    )


def _left(seat: Seat) -> NotFound:
    return NotFound(
        N_("%(caller)s has just left the conference"), params={"caller": caller_label(seat)}
    )


# ---- mute and unmute -----------------------------------------------------------------------


async def set_seat_muted(settings: Settings, call_sid: str, muted: bool) -> Seat:
    """Mute (or unmute) the caller on this call; the seat as it is now."""
    for _ in range(RETRIES):
        seat = await _seat(call_sid)
        if seat.state == SeatState.REMOVED:
            raise Conflict(
                N_("%(caller)s is being removed from the conference"),
                params={"caller": caller_label(seat)},
            )
        if seat.state == SeatState.IN_MENU:
            # Out in the keypad menu: nothing to ask the carrier; the way back into the
            # conference joins with this flag.
            if await _write_muted(seat, muted, state=SeatState.IN_MENU):
                return seat
            continue  # the caller went back meanwhile: as a participant, then
        if seat.state != SeatState.JOINED or seat.conference_sid is None:
            raise _still_joining(seat)
        async with control_for(seat.account_sid, settings) as control:
            present = await control.set_muted(seat.conference_sid, seat.call_sid, muted)
        if not present:
            raise _left(seat)
        await _write_muted(seat, muted)
        return seat
    raise _still_joining(seat)


async def set_caller_muted(
    settings: Settings, conference_id: str, caller: str, muted: bool
) -> list[Seat]:
    """Mute (or unmute) every call from `caller` in room `conference_id`."""
    return [
        await set_seat_muted(settings, seat.call_sid, muted)
        for seat in await seats_of_caller(conference_id, caller)
    ]


async def _write_muted(seat: Seat, muted: bool, *, state: SeatState | None = None) -> bool:
    """Set the seat's `muted` column (and only it). False when the seat is gone, or is no
    longer in `state`."""
    query = Seat.filter(id=seat.pk)
    if state is not None:
        query = query.filter(state=state)
    if await query.update(muted=muted) != 1:
        return False
    seat.muted = muted
    return True


# ---- remove ----------------------------------------------------------------------------------


async def remove_seat(settings: Settings, call_sid: str) -> Seat:
    """Take the caller on this call out of the conference: they hear goodbye and the call
    ends (the Dial's action answers a REMOVED seat so). The seat is freed when the call
    ends, or now when the carrier says the participant has already gone."""
    for _ in range(RETRIES):
        seat = await _seat(call_sid)
        if seat.state == SeatState.RESERVED and seat.conference_sid is None:
            raise _still_joining(seat)
        was = SeatState(seat.state)
        if was == SeatState.IN_MENU or seat.conference_sid is None:
            # Not in the conference: the menu's next webhook says goodbye.
            if await _mark_removed(seat, was):
                return seat
            continue  # the seat's state changed meanwhile: look again
        # The account is found before the seat is marked: without one nothing is asked.
        async with control_for(seat.account_sid, settings) as control:
            # REMOVED first: the participant-leave callback and the Dial's action, which
            # may arrive before the REST answer, then know the caller was removed rather
            # than pressing * for the menu.
            if was != SeatState.REMOVED and not await _mark_removed(seat, was):
                continue  # the seat's state changed meanwhile: look again
            try:
                present = await control.remove(seat.conference_sid, seat.call_sid)
            except CarrierError as error:
                if error.status is not None and was != SeatState.REMOVED:
                    # The carrier answered no: the caller is still in the conference.
                    await Seat.filter(id=seat.pk, state=SeatState.REMOVED).update(state=was)
                    seat.state = was
                # Without an answer (a timeout) the removal may have gone through: the
                # seat stays REMOVED, and removing it again asks the carrier again.
                raise
        if not present and was != SeatState.REMOVED:
            # Gone already (hung up as we asked): no callback will free the seat for
            # this removal, so free it now.
            await seats.release_seat(seat.call_sid)
        return seat
    raise _still_joining(seat)


async def _mark_removed(seat: Seat, was: SeatState) -> bool:
    changed = await Seat.filter(id=seat.pk, state=was).update(state=SeatState.REMOVED)
    if changed == 1:
        seat.state = SeatState.REMOVED
    return changed == 1


async def remove_caller(settings: Settings, conference_id: str, caller: str) -> list[Seat]:
    """Remove every call from `caller` in room `conference_id`."""
    return [
        await remove_seat(settings, seat.call_sid)
        for seat in await seats_of_caller(conference_id, caller)
    ]


# ---- lock ------------------------------------------------------------------------------------


async def lock_room_by_id(room_id: int, locked: bool) -> bool:
    """Lock (or unlock) the room: True when this changed it, False when it already was
    (or the room is gone). Only the `locked` column is written; the conference's end
    unlocks it."""
    changed = await Room.filter(id=room_id, locked=not locked).update(locked=locked)
    return changed == 1


async def set_locked(conference_id: str, locked: bool) -> Room:
    """Lock (or unlock) room `conference_id`; the room as it is now."""
    room = await rooms.get_room(conference_id)
    await lock_room_by_id(room.pk, locked)
    now = await Room.get_or_none(id=room.pk)
    if now is None:  # deleted meanwhile
        return await rooms.get_room(conference_id)
    return now


# ---- mute everyone ---------------------------------------------------------------------------


async def mute_others(
    settings: Settings,
    room_id: int,
    except_call_sid: str | None,
    muted: bool,
    *,
    spare_hosts: bool = False,
) -> int:
    """Mute (or unmute) every caller in the room but `except_call_sid` (the host who
    asked, from the keypad menu) and, with `spare_hosts`, the room's hosts. How many
    callers changed. A carrier refusal is raised once every other request is done: the
    callers it did mute stay muted."""
    query = Seat.filter(room_id=room_id, state__in=CONTROLLABLE, muted=not muted)
    if except_call_sid is not None:
        query = query.exclude(call_sid=except_call_sid)
    if spare_hosts:
        query = query.filter(is_host=False)
    targets = await query
    changed = 0
    in_menu = [seat for seat in targets if seat.state == SeatState.IN_MENU]
    for seat in in_menu:
        changed += await _write_muted(seat, muted, state=SeatState.IN_MENU)
    in_conference = [
        seat
        for seat in targets
        if seat.state == SeatState.JOINED and seat.conference_sid is not None
    ]
    limit = asyncio.Semaphore(PARALLEL_REQUESTS)
    failures: list[CarrierError] = []

    async def mute(control: ConferenceControl, seat: Seat) -> int:
        assert seat.conference_sid is not None
        async with limit:
            try:
                present = await control.set_muted(seat.conference_sid, seat.call_sid, muted)
            except CarrierError as error:
                failures.append(error)
                return 0
        return int(present and await _write_muted(seat, muted))

    changed += await _per_account(settings, in_conference, mute)
    if failures:
        raise failures[0]
    return changed


async def _per_account(
    settings: Settings,
    targets: Iterable[Seat],
    each: Callable[[ConferenceControl, Seat], Awaitable[int]],
) -> int:
    """`each` for every seat, in parallel, with one control per carrier account."""
    by_account: dict[str | None, list[Seat]] = {}
    for seat in targets:
        by_account.setdefault(seat.account_sid, []).append(seat)
    total = 0
    for account_sid, group in by_account.items():
        async with control_for(account_sid, settings) as control:
            total += sum(await asyncio.gather(*(each(control, seat) for seat in group)))
    return total


# ---- end -------------------------------------------------------------------------------------


async def end_conference(settings: Settings, conference_id: str) -> int:
    """End room `conference_id`'s conference: everyone in it is disconnected. How many
    callers were in it. The conference-end callback then frees the seats and unlocks the
    room; they are freed here only when the carrier says the conference is already over
    (its end callback was lost, or is on its way)."""
    room = await rooms.get_room(conference_id)
    in_room = await Seat.filter(room_id=room.pk)
    conferences: dict[str, Seat] = {}
    for seat in in_room:
        if seat.conference_sid is not None:
            conferences.setdefault(seat.conference_sid, seat)
    if not conferences:
        if in_room:
            raise Conflict(
                N_("callers are still joining room %(conference_id)s; try again in a moment"),
                params={"conference_id": room.conference_id},
            )
        raise NotFound(
            N_("nobody is in room %(conference_id)s: there is no conference to end"),
            params={"conference_id": room.conference_id},
        )
    callers = sum(1 for seat in in_room if seat.conference_sid in conferences)
    for conference_sid, seat in conferences.items():
        async with control_for(seat.account_sid, settings) as control:
            running = await control.end(conference_sid)
        if not running:
            log.info("conference %s was already over: its seats are freed now", conference_sid)
            await seats.release_conference(conference_sid)
            await lock_room_by_id(room.pk, False)
    return callers


async def end_when_host_gone(settings: Settings, freed: Seat) -> bool:
    """A call has ended and `freed` is the seat it held: if it was a host of a room that
    ends with its host, end the room's conference for everyone (True when asked of the
    carrier). Only where voiceapp ends it (replies.voiceapp_ends_conference): elsewhere
    the host joined with endConferenceOnExit, and the carrier has ended it already."""
    if not freed.is_host or freed.conference_sid is None:
        return False  # most calls: no more reads on the way out
    room = await Room.get_or_none(id=freed.room_id)  # type: ignore[attr-defined]
    if room is None or not await voiceapp_ends_conference(
        room, host=True, account_sid=freed.account_sid, settings=settings
    ):
        return False
    if not await Seat.exists(conference_sid=freed.conference_sid):
        return False  # the host was the last one in: the carrier ends an empty conference
    try:
        await end_conference(settings, room.conference_id)
    except VoiceappError as failure:  # the carrier refused or did not answer
        log.warning("conference of room %s not ended as its host left: %s", room.pk, failure)
        return False
    return True
