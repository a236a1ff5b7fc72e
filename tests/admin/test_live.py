"""The Live page (who is in each room now) and the call history."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from voiceapp.conferencing import rooms
from voiceapp.core.models import CallRecord
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.history import call_records
from voiceapp.switchboard import conference_server, numbers

from ..conftest import AUTH_TOKEN, FR_NUMBER, PUBLIC_URL
from .conftest import Browser


async def test_live_rooms_show_who_is_in_each_room(admin: Browser, site_settings: Settings) -> None:
    await conference_server.setup_bridge("800", "fr")
    await numbers.add_number(FR_NUMBER, "800", "fr")
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234", pin="4321")
    await rooms.add_room(site_settings, name="Support", conference_id="5555")
    page = (await admin.get("/admin/live")).text
    assert 'data-source="https://voice.example.test/admin/live/rooms"' in page
    assert "live.js" in page
    assert page.count("Nobody is in this room.") == 2

    carrier = Carrier(admin.client, PUBLIC_URL, AUTH_TOKEN)
    call = await carrier.call(
        FR_NUMBER, caller="+33612345678", digits=["1234#", "4321#"], stay=True
    )
    fragment = (await admin.get("/admin/live/rooms")).text
    assert "<html" not in fragment  # a fragment, swapped into the page by live.js
    ventes = fragment[
        fragment.index('data-conference-id="1234"') : fragment.index('data-conference-id="5555"')
    ]
    assert "+33612345678" in ventes
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", ventes)
    assert "1 of 10 caller" in ventes

    await call.hangup()
    fragment = (await admin.get("/admin/live/rooms")).text
    assert "+33612345678" not in fragment


async def test_history_is_newest_first_and_paginated(admin: Browser) -> None:
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    for n in range(30):
        await CallRecord.create(
            call_sid=f"CA{n:032d}",
            caller=f"+336123456{n:02d}",
            called=FR_NUMBER,
            room_name="Ventes",
            outcome=call_records.Outcome.JOINED.value,
            started_at=start + timedelta(minutes=n),
            duration_seconds=125,
        )
    first = (await admin.get("/admin/history")).text
    callers = re.findall(r'data-label="Caller">([^<]+)<', first)
    assert len(callers) == 25
    assert callers[0] == "+33612345629" and callers[-1] == "+33612345605"
    assert "Page 1 of 2" in first
    assert "2:05" in first and "Joined" in first and "Ventes" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = (await admin.get("/admin/history?page=2")).text
    assert re.findall(r'data-label="Caller">([^<]+)<', second)[-1] == "+33612345600"
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert "Page 1 of 2" in (await admin.get("/admin/history?page=nonsense")).text


async def test_history_outcomes_are_translated(admin: Browser) -> None:
    await CallRecord.create(
        call_sid="CA1",
        caller="+33612345678",
        called=FR_NUMBER,
        outcome="room_full",
        started_at=datetime.now(UTC),
    )
    page = await admin.get("/admin/history", headers={"Accept-Language": "fr"})
    assert "Salle complète" in page.text


async def test_the_live_refresh_does_not_swallow_a_notice(admin: Browser) -> None:
    action = "/admin/conferences/server"
    await admin.submit("/admin/conferences", action, {"extension": "800", "language": "fr"})
    assert (await admin.get("/admin/live/rooms")).status_code == 200
    page = (await admin.get("/admin/conferences")).text
    assert "The conference server is on extension 800." in page
