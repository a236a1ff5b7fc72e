"""Every admin page, read in French and Spanish, has no English left on it.

A sentence that never went through gettext (a label made in Python, a name the code
stored in English) renders the same in every language, so: render each page in en, fr
and es, take the text a person sees, and fail on any French or Spanish piece that is
also, word for word, on the English page, unless it is data (what the test itself typed
in: names, numbers, IDs; not what the app stored, which is how "Conference server" hid)
or on the short list of words that really are the same (catalogs.SAME_IN_TRANSLATION).

The pages are found in the app's router, not listed by hand: a new GET route without a
sample URL here fails the test, so a new page cannot escape the check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import NamedTuple
from urllib.parse import urlencode
from zoneinfo import available_timezones

import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from voiceapp.accounts import admins, first_admin, profiles
from voiceapp.admin.locale import LANGUAGE_NAMES
from voiceapp.app import create_app
from voiceapp.conferencing import recordings as conference_recordings
from voiceapp.conferencing import rooms, seats
from voiceapp.contacts import groups, people
from voiceapp.core.models import AdminUser, CallRecord, OutboxMessage, Room, Seat, SeatState
from voiceapp.core.settings import Settings
from voiceapp.history import call_records
from voiceapp.history.call_records import Caller, Outcome
from voiceapp.scheduling import mailing_expansion, meetings
from voiceapp.scheduling.meeting_forms import MeetingForm, RepeatForm
from voiceapp.switchboard import conference_server, extensions, numbers, voicemail

from ..catalogs import SAME_IN_TRANSLATION
from .conftest import PASSWORD, USERNAME, Browser, open_browser

TRANSLATED = ("fr", "es")

# ---- the office the pages show ---------------------------------------------------------
# Every value typed in below is data: it may appear on any page in any language.
BRIDGE = "800"
ROOM_WITH_PIN = ("Salle Azur", "1234", "4321")
ROOM_WITHOUT_PIN = ("Équipe Nord", "5555")
USERS = [("201", "Alice Martin", "+33612345601"), ("202", "Bruno Díaz", "sip:bruno@pbx.test")]
RING_GROUP = ("210", "Ventas", ["201", "202"])
RECEPTIONIST = ("200", "Accueil")
# An organizer's account, and the admin's own contact and group.
ORGANIZER = ("ines", "Inés García", "ines@example.com")
CONTACT = ("Ana Ruiz", "ana@example.com", "+34600123456")
GROUP = "Socios"
# Inés's meetings: one booked ahead, one cancelled (on the Past list).
MEETINGS = ("Revisión trimestral", "Kick-off Azur")
NUMBERS = {  # number -> (extension, language): one of each kind of destination
    "+33180000800": (BRIDGE, "fr"),
    "+33180000201": ("201", "fr"),
    "+34910000210": ("210", "es"),
    "+33180000200": ("200", "fr"),
}
CALLERS = ("+33699000001", "+33699000002", "+33699000003")
RECORDING = "https://api.example.test/Recordings/RE1"
DATA = [
    USERNAME,
    BRIDGE,
    *ROOM_WITH_PIN,
    *ROOM_WITHOUT_PIN,
    *(value for user in USERS for value in user),
    RING_GROUP[0],
    RING_GROUP[1],
    *RECEPTIONIST,
    *ORGANIZER,
    *CONTACT,
    GROUP,
    *MEETINGS,
    *NUMBERS,
    *CALLERS,
    RECORDING,
    # Not typed in, yet not words: the product's name and the switcher's languages,
    # each named in its own language on every page.
    "voiceapp",
    *LANGUAGE_NAMES.values(),
]

SAME_EVERYWHERE = {
    "UTC": "the name of the time zone, written so in every language",
}
# The time zone drop-down lists zones by their IANA names ("America/Mexico_City", shown
# with spaces), identifiers that browsers and calendars use in every language.
TIME_ZONES = {zone.replace("_", " ") for zone in available_timezones()}


# ---- which URL shows each GET route ------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """A URL that shows the route's page: its path parameters ("{name}" is one of the
    ids set_up_the_office returns) and query, the status it answers, and whether it only
    exists once the office above is set up."""

    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    status: int = 200
    needs_data: bool = False


@dataclass(frozen=True)
class NotAPage:
    """A GET route that answers something other than a page (audio, JSON...)."""

    why: str


SAMPLES: dict[str, Sample | NotAPage] = {
    "admin:index": Sample(),  # redirects to the Conferences page: that page is checked
    "admin:login": Sample(),
    # A dead link (the working one is read on the first run, below).
    "admin:setup": Sample(query={"token": "not-the-link"}, status=404),
    "admin:account": Sample(),
    "admin:conferences": Sample(),
    "admin:bridge_delete": Sample(needs_data=True),
    "admin:room_settings": Sample({"conference_id": ROOM_WITH_PIN[1]}, needs_data=True),
    "admin:room_delete": Sample({"conference_id": ROOM_WITH_PIN[1]}, needs_data=True),
    # The card's three languages are marked translate="no": the reader's part is checked.
    "admin:caller_card": Sample(query={"room": ROOM_WITH_PIN[1]}, needs_data=True),
    "admin:numbers": Sample(),
    "admin:number_remove": Sample({"number": "+33180000201"}, needs_data=True),
    "admin:extensions": Sample(),
    "admin:extension_edit": Sample({"number": RING_GROUP[0]}, needs_data=True),
    "admin:extension_delete": Sample({"number": USERS[0][0]}, needs_data=True),
    "admin:live": Sample(),
    "admin:live_rooms": Sample(),
    "admin:live_end": Sample({"conference_id": ROOM_WITHOUT_PIN[1]}, needs_data=True),
    "admin:history": Sample(),
    "admin:voicemail": Sample(),
    "admin:voicemail_delete": Sample({"message_id": "{voicemail}"}, needs_data=True),
    "admin:voicemail_audio": NotAPage("the recording's audio, for the page's player"),
    "admin:recordings": Sample(),
    "admin:recording_delete": Sample({"recording_id": "{recording}"}, needs_data=True),
    "admin:recording_audio": NotAPage("a conference's recording, for the page's player"),
    "admin:test_call": Sample(),
    "admin:accounts": Sample(),
    "admin:account_edit": Sample({"username": ORGANIZER[0]}, needs_data=True),
    "admin:account_delete": Sample({"username": ORGANIZER[0]}, needs_data=True),
    "admin:contacts": Sample(),
    "admin:contact_edit": Sample({"contact_id": "{contact}"}, needs_data=True),
    "admin:contact_delete": Sample({"contact_id": "{contact}"}, needs_data=True),
    "admin:groups": Sample(),
    "admin:group_edit": Sample({"group_id": "{group}"}, needs_data=True),
    "admin:group_delete": Sample({"group_id": "{group}"}, needs_data=True),
    "admin:schedule": Sample(),
    "admin:meetings": Sample(),
    "admin:meetings_past": Sample(),
    "admin:meeting_edit": Sample({"meeting_id": "{meeting}"}, needs_data=True),
    "admin:meeting_cancel": Sample({"meeting_id": "{meeting}"}, needs_data=True),
    "admin:outbox": Sample(),
    "admin:outbox_message": Sample({"message_id": "{message}"}, needs_data=True),
    "admin:outbox_message_html": NotAPage("a message's HTML part, framed by its page"),
}


class Visit(NamedTuple):
    """One request to read in each language, and the status it must answer."""

    what: str
    url: str
    status: int = 200
    method: str = "GET"


# Pages no GET route names.
ERROR_PAGES = [
    Visit("page not found", "/admin/no-such-page", 404),
    # No CSRF token: the refusal page, with its way back. Refused, so nothing changes.
    Visit("form refused", "/admin/language", 403, "POST"),
]


def path_of(app: Starlette, name: str, params: dict[str, str], ids: dict[str, str]) -> str:
    return app.url_path_for(name, **{key: value.format(**ids) for key, value in params.items()})


def sample_url(path: str, query: dict[str, str]) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def get_routes(routes: list[BaseRoute], name_prefix: str = "") -> Iterator[str]:
    """The names of the GET routes, through every Mount (StaticFiles has no routes)."""
    for route in routes:
        if isinstance(route, Mount):
            yield from get_routes(route.routes, f"{name_prefix}{route.name}:")
        elif isinstance(route, Route) and route.methods and "GET" in route.methods:
            yield name_prefix + route.name


# ---- what a person sees -------------------------------------------------------------------

# Attributes a person reads or hears: screen readers say aria-label and alt; placeholder
# and title show on the page; data-label is put before each table cell on a phone (CSS).
READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "data-label"}
BUTTON_INPUTS = {"submit", "button", "reset"}


class VisibleText(HTMLParser):
    """The text of a page a person reads, but for what the page marks translate="no"
    (HTML's own attribute for text that is the same in every language: an e-mail as it
    was sent, in its recipient's language, on the Outbox page)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._hidden = 0  # inside <script> or <style>
        # Inside an element marked translate="no": its tag, and how deep in tags so named.
        self._kept: tuple[str, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        found = dict(attrs)
        if self._kept is not None:
            if tag == self._kept[0]:
                self._kept = (tag, self._kept[1] + 1)
            return
        if found.get("translate") == "no":
            self._kept = (tag, 1)
            return
        for name in READ_ATTRIBUTES & found.keys():
            self._add(found[name])
        if tag == "button" or (tag == "input" and found.get("type") in BUTTON_INPUTS):
            self._add(found.get("value"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1
        if self._kept is not None and tag == self._kept[0]:
            self._kept = (tag, self._kept[1] - 1) if self._kept[1] > 1 else None

    def handle_data(self, data: str) -> None:
        if not self._hidden and self._kept is None:
            self._add(data)

    def _add(self, text: str | None) -> None:
        if text and (cleaned := " ".join(text.split())):
            self.pieces.append(cleaned)


def visible_text(page: str) -> list[str]:
    parser = VisibleText()
    parser.feed(page)
    parser.close()
    return parser.pieces


def _words(phrases: list[str]) -> re.Pattern[str]:
    longest_first = sorted(phrases, key=len, reverse=True)
    return re.compile("|".join(rf"(?<!\w){re.escape(p)}(?!\w)" for p in longest_first))


DATA_OR_SAME = {
    language: _words([*DATA, *SAME_EVERYWHERE, *SAME_IN_TRANSLATION[language]])
    for language in TRANSLATED
}
LETTER = re.compile(r"[^\W\d_]")


def untranslated(language: str, english: set[str], translated: list[str]) -> list[str]:
    """The pieces of a translated page that are on the English page too, and hold a word
    that is neither data nor the same in both languages."""
    return sorted(
        {
            piece
            for piece in translated
            if piece in english
            and piece not in TIME_ZONES
            and LETTER.search(DATA_OR_SAME[language].sub(" ", piece))
        }
    )


# ---- the check -----------------------------------------------------------------------------


async def read(browser: Browser, visit: Visit, language: str) -> tuple[int, list[str]]:
    response = await browser.client.request(
        visit.method, visit.url, headers={"Accept-Language": language}, follow_redirects=True
    )
    opening = re.search(r"<html lang=\"(\w+)\"", response.text)
    # A page that ignored the language asked for would pass for the wrong reason.
    assert opening is None or opening.group(1) == language, f"{visit.url} is not in {language}"
    return response.status_code, visible_text(response.text)


# Where each untranslated piece was seen: (language, piece) -> pages.
Findings = dict[tuple[str, str], list[str]]


async def check_pages(
    browser: Browser, visits: list[Visit], who: str, findings: Findings
) -> list[str]:
    """Read each visit in every language; note every untranslated piece in `findings`,
    and return the visits that did not answer as expected."""
    wrong_status = []
    for visit in visits:
        status, english = await read(browser, visit, "en")
        if status != visit.status:
            wrong_status.append(f"{who}: {visit} answered {status}")
            continue
        for language in TRANSLATED:
            _, pieces = await read(browser, visit, language)
            for piece in untranslated(language, set(english), pieces):
                findings.setdefault((language, piece), []).append(f"{who} {visit.url}")
    return wrong_status


def report(findings: Findings) -> str:
    return "\n".join(
        f"[{language}] {piece!r} on {len(pages)} pages: {', '.join(pages[:3])}"
        for (language, piece), pages in sorted(findings.items())
    )


async def set_up_the_office(settings: Settings) -> dict[str, str]:
    """One of everything a page shows, made as the CLI and the webhooks make it; the ids
    the database gave, for the samples' URLs."""
    admin = await AdminUser.get(username=USERNAME)
    await admins.set_time_zone(admin.pk, "America/Mexico_City")
    await conference_server.setup_bridge(BRIDGE, "fr")
    name, conference_id, pin = ROOM_WITH_PIN
    # Every during-the-call setting off its default: the room list names each.
    with_pin = await rooms.add_room(
        settings,
        name=name,
        conference_id=conference_id,
        pin=pin,
        host_pin="8642",
        wait_for_host=True,
        end_with_host=True,
        tones=False,
        muted_on_entry=True,
        record=True,
    )
    await rooms.add_room(settings, name=ROOM_WITHOUT_PIN[0], conference_id=ROOM_WITHOUT_PIN[1])
    for number, user_name, target in USERS:
        await extensions.add_extension(number, "user", user_name, forward_to=target)
    await extensions.add_extension(
        RING_GROUP[0], "ring_group", RING_GROUP[1], members=RING_GROUP[2]
    )
    await extensions.add_extension(RECEPTIONIST[0], "receptionist", RECEPTIONIST[1])
    for number, (extension, language) in NUMBERS.items():
        await numbers.add_number(number, extension, language)
    # On Live: one caller in the room, one still connecting.
    joined = Caller("CAjoined", CALLERS[0], "+33180000800")
    await seats.walk_in(ROOM_WITHOUT_PIN[1], joined, overdue_seconds=3600)
    await seats.confirm_join(seats.ParticipantReport(joined.call_sid, "CFroom"))
    await seats.reserve_seat(with_pin, Caller("CAjoining", CALLERS[1], "+33180000800"), 3600)
    # The Live controls' marks: a host, muted and on hold, a caller out in the keypad
    # menu, a locked room.
    await Seat.filter(call_sid="CAjoined").update(is_host=True, muted=True, on_hold=True)
    without_pin = await Room.get(conference_id=ROOM_WITHOUT_PIN[1])
    await Seat.create(
        room=without_pin,
        call_sid="CAmenu",
        caller=CALLERS[2],
        state=SeatState.IN_MENU,
        conference_sid="CFroom",
        reserved_at=datetime.now(UTC),
        joined_at=datetime.now(UTC),
    )
    await Room.filter(id=without_pin.pk).update(locked=True)
    # In the history: a call of every outcome, one of them over.
    for n, outcome in enumerate(Outcome):
        caller = Caller(f"CAoutcome{n}", CALLERS[2], "+33180000800")
        await call_records.set_outcome(caller, outcome, with_pin)
    await call_records.end_call(Caller("CAoutcome0", CALLERS[2], "+33180000800"), 125)
    await CallRecord.filter(call_sid="CAoutcome1").update(
        started_at=datetime.now(UTC) - timedelta(days=3)
    )
    message = await voicemail.save_message(
        voicemail.Message(
            USERS[0][0],
            "CAvoicemail",
            CALLERS[2],
            "+33180000201",
            voicemail.Recording(url=RECORDING, sid="RE1", duration_seconds=42),
        )
    )
    # A recording of the room with a PIN's conference, as the carrier's callback left it.
    recorded = conference_recordings.Recorded(
        "RE" + "1" * 32, RECORDING, "CFroom", datetime.now(UTC) - timedelta(hours=2), 3725
    )
    recording = await conference_recordings.save_recording(with_pin.pk, recorded)
    username, display_name, email = ORGANIZER
    await profiles.create_account(
        username,
        PASSWORD,
        profiles.Profile(role="organizer", display_name=display_name, email=email),
    )
    name, email, phone = CONTACT
    contact = await people.add_contact(admin, people.ContactDetails(name, email, "es", phone))
    group = await groups.add_group(admin, GROUP, [email])
    ines = await AdminUser.get(username=username)
    booked = await meetings.create_meeting(
        ines,
        MeetingForm(
            room=ROOM_WITH_PIN[1],
            subject=MEETINGS[0],
            start=f"{datetime.now(UTC).year + 1}-03-15 10:00",
            duration=120,
            time_zone="Europe/Madrid",
            people=[f"{CONTACT[0]} <{CONTACT[1]}>"],
            repeat=RepeatForm("weekly", ["MO"], count=3),
        ),
        sender=settings.mail_from,
    )
    dropped = await meetings.create_meeting(
        ines,
        MeetingForm(
            room=ROOM_WITHOUT_PIN[1],
            subject=MEETINGS[1],
            start=f"{datetime.now(UTC).year + 1}-03-16 10:00",
            duration=60,
            time_zone="Europe/Madrid",
        ),
        sender=settings.mail_from,
    )
    await meetings.cancel_meeting(dropped.pk, sender=settings.mail_from)
    await mailing_expansion.expand_due()  # the invitations, made as the sender would
    invitation = await OutboxMessage.get(recipient=CONTACT[1])
    return {
        "voicemail": str(message.pk),
        "recording": str(recording.pk),
        "contact": str(contact.pk),
        "group": str(group.pk),
        "meeting": str(booked.pk),
        "message": str(invitation.pk),
    }


async def test_every_admin_page_is_translated(site_settings: Settings) -> None:
    """Every page as each person meets it: a newcomer before any account exists, the
    first admin in an empty office, the admin in a full one, and after logging out."""
    app = create_app(site_settings)
    routes = sorted(name for name in get_routes(app.routes) if name.startswith("admin:"))
    without_sample = [name for name in routes if name not in SAMPLES]
    assert without_sample == [], "GET routes with no sample URL in SAMPLES: add one"
    assert set(SAMPLES) <= set(routes), "SAMPLES names routes that are gone"
    pages = {name: s for name in routes if isinstance(s := SAMPLES[name], Sample)}

    def urls(ids: dict[str, str] | None = None) -> list[Visit]:
        """The samples' URLs; without `ids` (an empty office), those that need none."""
        chosen = [
            Visit(name, sample_url(path_of(app, name, s.params, ids or {}), s.query), s.status)
            for name, s in pages.items()
            if ids is not None or not s.needs_data
        ]
        return chosen + ERROR_PAGES

    async with open_browser(site_settings) as browser:
        token = await first_admin.open_setup()
        assert token is not None
        first_run = [Visit("the setup link serve prints", f"/admin/setup?token={token}")]
        findings: Findings = {}
        wrong = await check_pages(browser, first_run + urls(), "first run", findings)
        await admins.create_admin(USERNAME, PASSWORD)
        assert (await browser.log_in()).status_code == 303
        wrong += await check_pages(browser, urls(), "empty office", findings)
        ids = await set_up_the_office(site_settings)
        wrong += await check_pages(browser, urls(ids), "admin", findings)
        await browser.submit("/admin/conferences", "/admin/logout", {})
        wrong += await check_pages(browser, urls(ids), "logged out", findings)
    assert wrong == []
    if findings:
        pytest.fail("untranslated on the admin pages:\n" + report(findings), pytrace=False)


async def test_the_conference_server_is_named_in_the_readers_language(admin: Browser) -> None:
    """It was listed as "800 · Conference server" in every language: a name stored in
    English when it was set up, where the other extensions have the name an admin typed."""
    await conference_server.setup_bridge(BRIDGE, "fr")
    for language, name in [
        ("en", "Conference server"),
        ("fr", "Serveur de conférence"),
        ("es", "Servidor de conferencias"),
    ]:
        page = await admin.get("/admin/extensions", headers={"Accept-Language": language})
        assert f"<strong>800 · {name}</strong>" in page.text


def test_the_check_sees_english_but_not_data() -> None:
    english = visible_text(
        '<h1 title="Rooms">Rooms</h1><p>Salle Azur · 1234</p><script>var x = "Rooms";</script>'
        '<input type="submit" value="Save"><input type="text" value="Typed"><p>Pages</p>'
    )
    assert english == ["Rooms", "Rooms", "Salle Azur · 1234", "Save", "Pages"]
    french = ["Rooms", "Salle Azur · 1234", "Enregistrer", "Pages", "12:00 UTC"]
    assert untranslated("fr", {*english, "12:00 UTC"}, french) == ["Rooms"]
    assert untranslated("es", set(english), ["Pages"]) == ["Pages"]
