"""The keypad menu inside a conference, call by call: what a caller who pressed * hears,
what each key does (menu.ITEMS), and the way back into the room on the seat they kept.

The round trip is invisible to the room: the caller's seat stays taken while they are out
(state IN_MENU, seats.step_out), so nobody can take it and nothing is counted twice when
they come back; they rejoin with their host and mute flags, with no tone and no count.
How the carrier's callbacks and this webhook may cross is in seats (step_out,
release_conference): whatever their order, a seat is freed only when the call ends, the
caller is removed, or the conference ends for everyone.

Like call_flow, nothing here knows HTTP or TwiML: each function returns a Reply.
"""

from __future__ import annotations

from dataclasses import replace

from voiceapp.carrier.rest import CarrierError
from voiceapp.conferencing import controls, menu, seat_sql
from voiceapp.conferencing.menu import MenuItem
from voiceapp.conferencing.replies import (
    Hangup,
    Join,
    Line,
    MenuAsk,
    MenuState,
    Reply,
    voiceapp_ends_conference,
)
from voiceapp.conferencing.seat_sql import SeatInRoom
from voiceapp.core.db import execute_sql
from voiceapp.core.models import Seat, SeatState
from voiceapp.core.settings import Settings

# Flip the room's lock in one statement: the value written is never one read earlier.
TOGGLE_LOCK = "UPDATE room SET locked = NOT locked WHERE id = $1 RETURNING locked"
TOGGLE_MUTED = "UPDATE seat SET muted = NOT muted WHERE call_sid = $1 RETURNING muted"


def menu_lines(*, host: bool) -> tuple[Line, ...]:
    """The menu as the caller hears it: its name, then one sentence per key they may press."""
    return (
        Line("menu_intro"),
        *(Line(f"menu_{item.action}") for item in menu.items_for(host=host)),
    )


def _ask(state: MenuState, *lines: Line) -> Reply:
    return Reply(state.language, lines, MenuAsk(state))


def _goodbye(state: MenuState, why: str) -> Reply:
    return Reply(state.language, (Line(why), Line("goodbye")), Hangup())


async def _seat_of(call_sid: str, state: MenuState) -> SeatInRoom | Reply:
    """The caller's seat in the menu's room, or the goodbye that says why there is none."""
    seat = await seat_sql.seat_in_room(call_sid)
    if seat is None or seat.room.pk != state.room_id:
        # Freed by the conference's end (or the room was deleted).
        return _goodbye(state, "conference_ended")
    if seat.state is SeatState.REMOVED:
        return _goodbye(state, "removed")
    return seat


async def left_conference(call_sid: str, state: MenuState) -> Reply:
    """The <Dial>'s action: the caller is out of the conference with the call on. They
    pressed *, unless they were removed or the conference ended, which their seat says."""
    seat = await _seat_of(call_sid, state)
    if isinstance(seat, Reply):
        return seat
    if seat.state is not SeatState.IN_MENU:
        # Marked here too, not only by the participant-leave callback: it may come later.
        await Seat.filter(
            call_sid=call_sid, state__in=(SeatState.JOINED, SeatState.RESERVED)
        ).update(state=SeatState.IN_MENU)
    return _ask(state, *menu_lines(host=seat.is_host))


async def on_key(call_sid: str, state: MenuState, key: str, settings: Settings) -> Reply:
    seat = await _seat_of(call_sid, state)
    if isinstance(seat, Reply):
        return seat
    item = menu.item_for(key, host=seat.is_host)
    if item is None:
        wrong = state.wrong + 1
        if wrong >= menu.MAX_WRONG_KEYS:
            return await _back(seat, state, settings, Line("menu_wrong"))
        return _ask(replace(state, wrong=wrong), Line("menu_wrong"), *menu_lines(host=seat.is_host))
    state = replace(state, wrong=0)
    if item.action == "back":
        return await _back(seat, state, settings)
    if item.action == "repeat":
        return _ask(state, *menu_lines(host=seat.is_host))
    done = await _carry_out(item, seat, settings)
    return _ask(state, *done, Line("menu_next"))


async def _carry_out(item: MenuItem, seat: SeatInRoom, settings: Settings) -> tuple[Line, ...]:
    """What a key that changes something does, and what the caller hears of it."""
    room_id = seat.room.pk
    if item.action == "toggle_mute":
        # The caller is out of the conference: the way back joins them as they chose.
        rows = await execute_sql(TOGGLE_MUTED, (seat.call_sid,))
        return (Line("now_muted" if rows and rows[0]["muted"] else "now_unmuted"),)
    if item.action == "count":
        count = max(1, await Seat.filter(room_id=room_id).count())
        return (Line("in_conference", (("count", count),)),)
    if item.action == "toggle_lock":
        rows = await execute_sql(TOGGLE_LOCK, (room_id,))
        return (Line("room_now_locked" if rows and rows[0]["locked"] else "room_now_unlocked"),)
    assert item.action == "toggle_mute_others", item.action
    others = await Seat.filter(room_id=room_id, state=SeatState.JOINED).exclude(
        call_sid=seat.call_sid
    )
    # Anyone still speaking: everyone is muted; all muted already: everyone may speak.
    mute = any(not other.muted for other in others)
    try:
        await controls.mute_others(settings, room_id, seat.call_sid, mute)
    except CarrierError:
        return (Line("menu_failed"),)
    return (Line("others_now_muted" if mute else "others_now_unmuted"),)


async def back(call_sid: str, state: MenuState, settings: Settings, *lines: Line) -> Reply:
    """Into the conference again on the seat kept: the same host and mute flags, no tone,
    no count (the others never noticed the caller was away)."""
    seat = await _seat_of(call_sid, state)
    if isinstance(seat, Reply):
        return seat
    return await _back(seat, state, settings, *lines)


async def _back(seat: SeatInRoom, state: MenuState, settings: Settings, *lines: Line) -> Reply:
    room = seat.room
    ended_by_voiceapp = await voiceapp_ends_conference(
        room, host=seat.is_host, account_sid=seat.account_sid, settings=settings
    )
    join = Join.room(
        room,
        host=seat.is_host,
        muted=seat.muted,
        tones=False,
        ended_by_voiceapp=ended_by_voiceapp,
    )
    return Reply(state.language, (*lines, Line("returning")), join)


async def on_silence(call_sid: str, state: MenuState, settings: Settings) -> Reply:
    """No key pressed: back to the conference."""
    return await back(call_sid, state, settings)
