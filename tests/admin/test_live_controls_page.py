"""The Live page's controls: each one posted as the page's buttons post it, against the
REST test double; what the page then says, in the reader's language; who may use them.
The same controls on an emulated call, in a browser, are in the browser tests."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from voiceapp.accounts import profiles
from voiceapp.core.models import Room, Seat, SeatState
from voiceapp.core.settings import Settings

from ..carrier_double import ACCOUNT_SID, CarrierDouble
from ..test_live_controls import CONFERENCE, PARTICIPANTS, in_conference, make_room, seat_in
from .conftest import PASSWORD, TOKEN, Browser, admin_settings, banner, notices, open_browser

LIVE = "/admin/live"


@pytest.fixture
def site_settings(settings: Settings, double: CarrierDouble) -> Settings:
    """The admin pages, their carrier account the double's."""
    return admin_settings(
        settings.database_url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        VOICEAPP_CARRIER_API_URL=double.base_url,
    )


@pytest.fixture
async def room_in_use(admin: Browser, site_settings: Settings, double: CarrierDouble) -> list[Seat]:
    """Room 1234: a host, a caller, a muted caller on hold, one in the keypad menu, one
    still joining."""
    room = await make_room(site_settings)
    seated = [
        await seat_in(room, 1, "+33612345678", is_host=True),
        await seat_in(room, 2, "+33699000002"),
        await seat_in(room, 3, "+33699000003", muted=True),
        await seat_in(room, 4, "+33699000004", SeatState.IN_MENU),
        await seat_in(room, 5, "+33699000005", SeatState.RESERVED),
    ]
    await Seat.filter(pk=seated[2].pk).update(on_hold=True)
    in_conference(double, *seated[:3])
    return seated


def row_of(page: str, seat: Seat) -> str:
    start = page.index(f'data-call-sid="{seat.call_sid}"')
    return page[start : page.index("</tr>", start)]


def badges(row: str) -> list[str]:
    return re.findall(r'<span class="badge [a-z]+">([^<]+)</span>', row)


async def post(browser: Browser, action: str, **data: str) -> httpx.Response:
    """Post a control as the Live page's button does, with the page's CSRF token."""
    form: dict[str, str | list[str]] = dict(data)
    return await browser.submit(LIVE, action, form)


async def done(browser: Browser, response: httpx.Response) -> list[str]:
    """The notices on the page a successful control leads back to."""
    assert response.status_code == 303, response.text[:2000]
    assert response.headers["location"].endswith(LIVE)
    return notices((await browser.get(LIVE)).text)


async def test_the_roster_shows_each_caller_and_the_controls_that_apply(
    admin: Browser, room_in_use: list[Seat]
) -> None:
    host, talking, quiet, menu, joining = room_in_use
    page = (await admin.get(LIVE)).text
    assert badges(row_of(page, host)) == ["Host"]
    assert badges(row_of(page, quiet)) == ["Muted", "On hold"]
    assert badges(row_of(page, menu)) == ["In the menu"]
    assert "Joining" in row_of(page, joining)
    assert 'aria-label="Mute +33699000002"' in row_of(page, talking)
    assert 'aria-label="Unmute +33699000003"' in row_of(page, quiet)
    assert "Remove +33699000004 from the conference" in row_of(page, menu)
    assert "<form" not in row_of(page, joining)  # nothing to control yet
    for button in ("Lock the room", "Mute everyone but the hosts", "Unmute everyone"):
        assert f">{button}</button>" in page
    assert 'href="https://voice.example.test/admin/live/rooms/1234/end"' in page
    # The list the page fetches every few seconds carries the same working forms.
    fragment = (await admin.get("/admin/live/rooms")).text
    token = TOKEN.search(fragment)
    assert token is not None and token.group(1) == TOKEN.search(page).group(1)  # type: ignore[union-attr]
    assert f"/admin/live/callers/{talking.call_sid}/mute" in fragment


async def test_each_control_asks_the_carrier_and_says_what_it_did(
    admin: Browser, room_in_use: list[Seat], double: CarrierDouble
) -> None:
    host, talking, quiet, _, _ = room_in_use
    callers = "/admin/live/callers"

    response = await post(admin, f"{callers}/{talking.call_sid}/mute", muted="yes")
    assert await done(admin, response) == ["+33699000002 is muted."]
    assert double.requests[-1].form == {"Muted": "true"}
    assert (await Seat.get(pk=talking.pk)).muted

    response = await post(admin, f"{callers}/{talking.call_sid}/mute", muted="no")
    assert await done(admin, response) == ["+33699000002 can speak again."]
    assert not (await Seat.get(pk=talking.pk)).muted

    response = await post(admin, "/admin/live/rooms/1234/mute", muted="yes")
    assert await done(admin, response) == [
        "2 callers muted in Salle Azur."
    ]  # and the one in the menu
    assert not (await Seat.get(pk=host.pk)).muted  # the host keeps the floor

    response = await post(admin, "/admin/live/rooms/1234/mute", muted="no")
    assert await done(admin, response) == ["3 callers unmuted in Salle Azur."]

    response = await post(admin, "/admin/live/rooms/1234/lock", locked="yes")
    assert await done(admin, response) == [
        "Salle Azur is locked: only its hosts can join until the conference ends."
    ]
    page = (await admin.get(LIVE)).text
    assert '<span class="badge locked">Locked</span>' in page and "Unlock the room" in page
    response = await post(admin, "/admin/live/rooms/1234/lock", locked="no")
    assert await done(admin, response) == ["Salle Azur is unlocked: callers can join again."]

    response = await post(admin, f"{callers}/{quiet.call_sid}/remove")
    assert await done(admin, response) == ["+33699000003 is removed from the conference."]
    assert (double.requests[-1].method, double.requests[-1].path) == (
        "DELETE",
        f"{PARTICIPANTS}/{quiet.call_sid}.json",
    )
    assert "Being removed" in row_of((await admin.get(LIVE)).text, quiet)

    confirm = (await admin.get("/admin/live/rooms/1234/end")).text
    assert "End the conference in Salle Azur?" in confirm
    assert "5 callers are in this room now" in confirm
    response = await admin.submit("/admin/live/rooms/1234/end", "/admin/live/rooms/1234/end", {})
    assert await done(admin, response) == [
        "The conference in Salle Azur has ended: 4 callers disconnected."
    ]
    assert double.ended == [CONFERENCE]


async def test_a_refusal_is_shown_on_the_live_page_in_the_readers_language(
    admin: Browser, room_in_use: list[Seat], double: CarrierDouble
) -> None:
    talking = room_in_use[1]
    double.token = "not-ours"  # the carrier refuses voiceapp's credentials: 401
    response = await post(admin, f"/admin/live/callers/{talking.call_sid}/remove")
    assert response.status_code == 400
    assert "HTTP 401" in banner(response.text) and "TWILIO_AUTH_TOKEN" in banner(response.text)
    assert 'id="live-rooms"' in response.text  # the list, still refreshing itself
    assert (await Seat.get(pk=talking.pk)).state == SeatState.JOINED

    token = await admin.token(LIVE)
    response = await admin.client.post(
        f"/admin/live/callers/{talking.call_sid}/mute",
        data={"muted": "yes", "csrf_token": token},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 400
    assert banner(response.text).startswith("l'opérateur a refusé les identifiants de voiceapp")
    assert "(HTTP 401)" in banner(response.text)

    double.token = None
    del double.conferences[CONFERENCE][talking.call_sid]  # hung up a moment ago
    response = await admin.client.post(
        f"/admin/live/callers/{talking.call_sid}/mute",
        data={"muted": "yes", "csrf_token": token},
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 404
    assert banner(response.text) == "+33699000002 acaba de salir de la conferencia"
    response = await post(admin, "/admin/live/callers/CAgone/remove")
    assert (response.status_code, banner(response.text)) == (
        404,
        "that caller has already left the room",
    )


async def test_odd_posts_are_refused_cleanly(admin: Browser, room_in_use: list[Seat]) -> None:
    talking = room_in_use[1]
    response = await post(admin, f"/admin/live/callers/{talking.call_sid}/mute", muted="maybe")
    assert response.status_code == 400
    response = await admin.client.post(
        f"/admin/live/callers/{talking.call_sid}/mute", data={"muted": "yes"}
    )
    assert response.status_code == 403  # no CSRF token
    assert (await admin.get("/admin/live/rooms/9999/end")).status_code == 404
    # Not a conference ID at all: no such page either, never a 500.
    assert (await admin.get("/admin/live/rooms/abc/end")).status_code == 404
    assert (await post(admin, "/admin/live/rooms/abc/end")).status_code == 404
    response = await post(admin, "/admin/live/rooms/9999/lock", locked="yes")
    assert (response.status_code, banner(response.text)) == (
        404,
        "there is no room with conference ID 9999",
    )
    assert not (await Seat.get(pk=talking.pk)).muted
    assert not (await Room.get(conference_id="1234")).locked


async def test_an_organizer_cannot_control_calls(
    admin: Browser, room_in_use: list[Seat], site_settings: Settings, double: CarrierDouble
) -> None:
    await profiles.create_account(
        "ines", PASSWORD, profiles.Profile(role="organizer", display_name="Inés")
    )
    talking = room_in_use[1]
    async with open_browser(site_settings) as organizer:
        assert (await organizer.log_in("ines")).status_code == 303
        token = await organizer.token("/admin/account")
        response = await organizer.client.post(
            f"/admin/live/callers/{talking.call_sid}/remove", data={"csrf_token": token}
        )
        assert response.status_code == 403
        assert "Only admins can open this page" in html.unescape(response.text)
        assert double.requests == []
        # Closing a second app closes the ORM: looked at while it is open.
        assert (await Seat.get(pk=talking.pk)).state == SeatState.JOINED
