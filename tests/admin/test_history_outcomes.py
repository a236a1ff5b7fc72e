"""What the admin reads in the call history for calls in a room, ended, and failed."""

from __future__ import annotations

import re

import pytest

from voiceapp.conferencing import rooms
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier

from ..conftest import AUTH_TOKEN, FR_NUMBER, PUBLIC_URL, provision_conference
from .conftest import Browser


def row_of(page: str, caller: str) -> dict[str, str]:
    """The history row of `caller`'s call: each cell by its column label."""
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    [row] = [row for row in rows if f">{caller}<" in row]
    return dict(re.findall(r'data-label="([^"]+)">([^<]*)<', row))


def broken(*args: object, **kwargs: object) -> bool:
    raise RuntimeError("injected")


async def test_history_tells_a_call_in_its_room_from_one_that_ended_and_one_that_failed(
    admin: Browser, site_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await provision_conference(site_settings)
    carrier = Carrier(admin.client, PUBLIC_URL, AUTH_TOKEN)
    staying = await carrier.call(FR_NUMBER, caller="+33611111111", digits=["5555#"], stay=True)
    ended = await carrier.call(FR_NUMBER, caller="+33622222222", digits=["5555#"], stay=True)
    ended.seconds = 75
    await ended.hangup()
    monkeypatch.setattr(rooms, "pin_matches", broken)
    await carrier.call(FR_NUMBER, caller="+33633333333", digits=["1234#", "4321#"])
    page = (await admin.get("/admin/history")).text
    in_room = row_of(page, "+33611111111")
    assert (in_room["Outcome"], in_room["Duration"]) == ("Joined", "")
    done = row_of(page, "+33622222222")
    assert (done["Outcome"], done["Duration"]) == ("Joined", "1:15")
    failed = row_of(page, "+33633333333")
    assert failed["Outcome"] == "Technical problem"  # not "Hung up"
    assert failed["Duration"] != ""
    await staying.hangup()
