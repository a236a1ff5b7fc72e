"""Counts of callers read right in every language: the Live page's "1 of 10 callers", the
history's number of calls, and the warning before deleting a room that has callers."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from voiceapp.conferencing import rooms, seats
from voiceapp.core.models import CallRecord
from voiceapp.core.settings import Settings
from voiceapp.history import call_records
from voiceapp.history.call_records import Caller
from voiceapp.switchboard import conference_server

from ..conftest import FR_NUMBER
from .conftest import Browser


async def seat_callers(conference_id: str, how_many: int) -> None:
    """`how_many` callers walk into the room, as the caller's path seats them."""
    for n in range(how_many):
        caller = Caller(call_sid=f"CA{conference_id}{n:030d}", number=f"+3361234560{n}")
        walk_in = await seats.walk_in(conference_id, caller, overdue_seconds=3600)
        assert walk_in.reservation is not None and walk_in.reservation.admitted


def room_count(fragment: str, conference_id: str) -> str:
    """The "1 of 10 callers" beside the room's name on the Live page."""
    section = fragment[fragment.index(f'data-conference-id="{conference_id}"') :]
    found = re.search(r"·\s*([^<]+)</span>", section)
    assert found is not None, section[:400]
    return " ".join(html.unescape(found.group(1)).split())


# (conference ID, capacity, callers in it): none, one, two of ten; one of one.
ROOMS = [("100", 10, 0), ("101", 10, 1), ("102", 10, 2), ("103", 1, 1)]
COUNTS = {
    "en": ["0 of 10 callers", "1 of 10 callers", "2 of 10 callers", "1 of 1 caller"],
    "fr": [
        "0 sur 10 participants",
        "1 sur 10 participants",
        "2 sur 10 participants",
        "1 sur 1 participant",
    ],
    "es": [
        "0 de 10 participantes",
        "1 de 10 participantes",
        "2 de 10 participantes",
        "1 de 1 participante",
    ],
}


@pytest.mark.parametrize("language", COUNTS)
async def test_live_counts_agree_with_the_capacity_in_every_language(
    admin: Browser, site_settings: Settings, language: str
) -> None:
    await conference_server.setup_bridge("800", "fr")
    for conference_id, capacity, callers in ROOMS:
        await rooms.add_room(
            site_settings, name="Room", conference_id=conference_id, capacity=capacity
        )
        await seat_callers(conference_id, callers)
    headers = {"Accept-Language": language}
    fragment = (await admin.get("/admin/live/rooms", headers=headers)).text
    assert [room_count(fragment, room[0]) for room in ROOMS] == COUNTS[language]


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [("en", "1 call", "2 calls"), ("fr", "1 appel", "2 appels"), ("es", "1 llamada", "2 llamadas")],
)
async def test_the_history_counts_its_calls(
    admin: Browser, language: str, one: str, two: str
) -> None:
    def count_line(page: str) -> str:
        found = re.search(r'<h1>[^<]+</h1>\s*<p class="meta">([^<]+)</p>', page)
        assert found is not None
        return found.group(1)

    for n in range(2):
        await CallRecord.create(
            call_sid=f"CA{n}",
            caller="+33612345678",
            called=FR_NUMBER,
            outcome=call_records.Outcome.JOINED.value,
            started_at=datetime.now(UTC),
        )
        page = (await admin.get("/admin/history", headers={"Accept-Language": language})).text
        assert count_line(page) == (one if n == 0 else two)


def warning(page: str) -> str | None:
    found = re.search(r'<p class="warning" role="alert">([^<]+)</p>', page)
    return html.unescape(found.group(1)) if found else None


@pytest.mark.parametrize(
    ("language", "three", "one"),
    [
        (
            "en",
            "3 callers are in this room now; deleting it does not hang up on them",
            "1 caller is in this room now; deleting it does not hang up on them",
        ),
        (
            "fr",
            "3 participants sont dans cette salle en ce moment ;",
            "1 participant est dans cette salle en ce moment ;",
        ),
        (
            "es",
            "3 participantes están en esta sala ahora;",
            "1 participante está en esta sala ahora;",
        ),
    ],
)
async def test_deleting_a_room_with_callers_warns_with_their_count(
    admin: Browser, site_settings: Settings, language: str, three: str, one: str
) -> None:
    await conference_server.setup_bridge("800", "fr")
    await rooms.add_room(site_settings, name="Ventes", conference_id="1234")
    await rooms.add_room(site_settings, name="Support", conference_id="5555")
    await rooms.add_room(site_settings, name="Vide", conference_id="7777")
    await seat_callers("1234", 3)
    await seat_callers("5555", 1)
    headers = {"Accept-Language": language}

    page = (await admin.get("/admin/conferences/rooms/1234/delete", headers=headers)).text
    shown = warning(page)
    assert shown is not None and shown.startswith(three)
    # Above the question and its button, where it is read first.
    assert page.index('class="warning"') < page.index('type="submit" class="danger"')
    shown = warning((await admin.get("/admin/conferences/rooms/5555/delete", headers=headers)).text)
    assert shown is not None and shown.startswith(one)
    assert warning((await admin.get("/admin/conferences/rooms/7777/delete")).text) is None

    # The warning does not stand in the way: the room is deleted.
    response = await admin.submit(
        "/admin/conferences/rooms/1234/delete", "/admin/conferences/rooms/1234/delete", {}
    )
    assert response.status_code == 303
    assert [room.conference_id for room in await rooms.list_rooms()] == ["5555", "7777"]
