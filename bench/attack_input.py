"""Odd input: what a careless client or a curious admin may send. None of it may end in a
500, and a call's odd status callback must still free its seat."""

from __future__ import annotations

import argparse

import httpx

from bench.attack_setup import (
    CARRIER_TIMEOUT,
    MEDIA_FILE,
    NUMBER,
    OPEN_ROOM,
    Row,
    Target,
    call_params,
    logged_in,
)
from voiceapp.core.db import database
from voiceapp.core.models import Seat

# One past what int() reads from text (Python's 4,300-digit limit).
RANGE_DIGITS = 4301
PAGE_DIGITS = 20
DURATION_DIGITS = 40
# Pages a logged-in admin may reach by typing or by a stale link, with what each shows.
ADMIN_PATHS = {
    "/admin/conferences/rooms/abc": "room ID of letters",
    "/admin/conferences/rooms/12": "room ID too short",
    "/admin/conferences/rooms/abc/delete": "deleting a room ID of letters",
    "/admin/history?page=" + "9" * PAGE_DIGITS: f"history page of {PAGE_DIGITS} digits",
}


async def no_500(
    client: httpx.AsyncClient, path: str, measured: str, headers: dict[str, str] | None = None
) -> Row:
    """GET `path`: any answer but a 5xx holds; a connection dropped unanswered does not.
    Each on a connection of its own, so that none is judged by how the last one ended."""
    try:
        answer = await client.get(path, headers={**(headers or {}), "Connection": "close"})
    except httpx.HTTPError as error:
        return Row("odd-input", measured, f"no answer ({type(error).__name__})", "no 500", False)
    status = answer.status_code
    return Row("odd-input", measured, f"HTTP {status}", "no 500", status < 500)


async def odd_input(target: Target, args: argparse.Namespace) -> list[Row]:
    async with httpx.AsyncClient(base_url=target.base_url, timeout=CARRIER_TIMEOUT) as client:
        rows = [
            await no_500(
                client,
                f"/media/{MEDIA_FILE}",
                f"/media, a Range of {RANGE_DIGITS} digits",
                {"Range": "bytes=" + "9" * RANGE_DIGITS + "-"},
            )
        ]
    async with logged_in(target) as admin:
        for path, what in ADMIN_PATHS.items():
            rows.append(await no_500(admin.client, path, f"admin: {what}"))
    rows.append(await huge_call_duration(target))
    return rows


async def huge_call_duration(target: Target) -> Row:
    """A seated caller hangs up and the signed status callback says the call lasted a
    number of seconds no column holds."""
    async with httpx.AsyncClient(timeout=CARRIER_TIMEOUT) as client:
        carrier = target.carrier(client)
        call = await carrier.call(NUMBER, digits=[OPEN_ROOM + "#"], stay=True)
        if call.conference is None:
            raise RuntimeError("the caller was not seated:\n" + call.transcript)
        answer = await carrier.post(
            target.base_url + "/voice/status",
            {
                **call_params(call.call_sid, call.caller, "completed"),
                "CallDuration": "9" * DURATION_DIGITS,
            },
        )
    async with database(target.database_url):
        held = await Seat.filter(call_sid=call.call_sid).exists()
    return Row(
        "odd-input",
        f"status callback, CallDuration of {DURATION_DIGITS} digits",
        f"HTTP {answer.status_code}, seat {'still held' if held else 'freed'}",
        "no 500, seat freed",
        answer.status_code < 500 and not held,
    )
