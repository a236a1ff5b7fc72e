"""The Live page (who is in each room now) and the call history."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from voiceapp.accounts import admins
from voiceapp.conferencing import rooms
from voiceapp.core.models import CallRecord
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.history import call_records
from voiceapp.switchboard import conference_server, numbers

from ..conftest import AUTH_TOKEN, FR_NUMBER, PUBLIC_URL
from .conftest import USERNAME, Browser, open_browser


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
    # No time zone chosen yet: UTC, said so, the exact instant in datetime="".
    assert re.search(
        r'<time datetime="\d{4}-\d\d-\d\dT[\d:.]+\+00:00"[^>]*>[^<]+ UTC</time>', ventes
    )
    assert "1 of 10 callers" in ventes

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


FETCH = {"X-Requested-With": "fetch"}  # what live.js sends with its refresh


async def test_the_fragment_tells_the_script_when_the_session_has_ended(
    admin: Browser, site_settings: Settings
) -> None:
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234")
    live = await admin.get("/admin/live/rooms", headers=FETCH)
    assert live.status_code == 200 and "Nobody is in this room." in live.text

    # The password is changed elsewhere (`voiceapp admin set-password`): this session is over.
    await admins.set_password(USERNAME, "a brand new password, long enough")
    ended = await admin.get("/admin/live/rooms", headers=FETCH)
    assert ended.status_code == 401
    assert ended.headers["www-authenticate"].startswith("Cookie ")
    assert ended.headers["cache-control"] == "no-store"
    assert "Nobody" not in ended.text and "<html" not in ended.text
    # Opened in the browser's address bar, the same URL still goes to the login page.
    opened = await admin.get("/admin/live/rooms")
    assert opened.status_code == 303
    assert opened.headers["location"].endswith("/admin/login?next=%2Fadmin%2Flive%2Frooms")


async def test_the_fragment_answers_401_to_a_logout_from_another_browser(
    admin: Browser, site_settings: Settings
) -> None:
    async with open_browser(site_settings) as other:
        other.client.cookies = admin.client.cookies  # the same session, in another tab
        token = await other.token("/admin/conferences")
        assert (await other.client.post("/admin/logout", data={"csrf_token": token})).is_redirect
        assert (await admin.get("/admin/live/rooms", headers=FETCH)).status_code == 401


async def test_a_visitor_gets_401_from_the_script_and_the_login_page_from_the_browser(
    visitor: Browser,
) -> None:
    assert (await visitor.get("/admin/live/rooms", headers=FETCH)).status_code == 401
    assert (await visitor.get("/admin/live/rooms")).status_code == 303


async def test_the_live_page_carries_what_to_say_when_the_session_ends(admin: Browser) -> None:
    page = (await admin.get("/admin/live", headers={"Accept-Language": "es"})).text
    ended = page[page.index('<template id="live-ended">') :]
    assert "Su sesión ha terminado." in ended
    assert 'href="https://voice.example.test/admin/login?next=%2Fadmin%2Flive"' in ended
    assert "Volver a iniciar sesión" in ended
    assert re.search(r'<p id="live-offline"[^>]*hidden>No se puede contactar con el servidor', page)
