"""Every admin page at phone and desktop size, in English, French and Spanish, on a
well-filled database (rooms with long names, 40 numbers, calls, voicemail): nothing sticks
out to the right, and the page's title and main action are on screen without scrolling.

The pages come from the app's own GET routes: a route this file does not know fails
`test_every_admin_page_is_measured`, so a new page cannot be left out. Screenshots go to
VOICEAPP_E2E_SCREENSHOTS when set (`<page>-<language>-<size>.png`), to look at them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.async_api import APIRequestContext, Browser, Page, Response, ViewportSize
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from voiceapp.app import create_app
from voiceapp.emulator.inprocess import remote_carrier
from voiceapp.emulator.recordings import write_recording

from ..conftest import AUTH_TOKEN
from .browser_kit import CHROMIUM, DESKTOP, PHONE, Server, running_server
from .conftest import PASSWORD, USERNAME, admin_settings

SIZES = {
    name: ViewportSize(width=size["width"], height=size["height"])
    for name, size in (("phone", PHONE), ("desktop", DESKTOP))
}
LANGUAGES = {"en": "en-GB", "fr": "fr-FR", "es": "es-ES"}

# Long names as people type them: one with no space to break at, one long sentence.
UNBROKEN_ROOM = "Salle_du_conseil_d_administration_et_des_commissions_permanentes_2024-2025"
LONG_ROOM = "Réunion hebdomadaire de l'équipe commerciale Europe du Sud et Amérique latine (lundi)"
LONG_USER = "Marie-Christine de La Rochefoucauld-Montmorency"
LONG_TARGET = "sip:marie-christine.delarochefoucauld@standard.succursale-internationale.example.com"
# 9 of the 10 rooms allowed: the longest list that still has a live add-room form.
ROOMS = [(UNBROKEN_ROOM, "1001"), (LONG_ROOM, "1002")] + [
    (f"Salle {n} · Équipe projet numéro {n}", str(1000 + n)) for n in range(3, 10)
]
USERS = [("201", LONG_USER, LONG_TARGET)] + [
    (str(200 + n), f"Utilisateur {n}", f"+3361234560{n}") for n in range(2, 7)
]
NUMBERS = [f"+3318000{n:04d}" for n in range(1, 41)]
ORGANIZER = "marie-christine.delarochefoucauld@succursale.example.com"  # 64 at most
CONTACTS = [
    (f"{LONG_USER} {n}", f"contact.{n}.{ORGANIZER.replace('@', '.')}@example.org")
    for n in range(1, 26)
]
VOICEMAIL_NUMBER = NUMBERS[-1]  # reaches the user with the long name, who never answers
CALLER = "+33612345678"
SETUP_TOKEN = "<the setup token voiceapp serve printed>"


@dataclass(frozen=True)
class Visit:
    """How to open one page: its URL's path parameters and query, whether it is seen
    before any admin exists (first run) or by a logged-in admin, and whether it has one
    main action (the element marked data-main-action)."""

    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    first_run: bool = False
    main_action: bool = True
    # Pages that are no route of their own (error pages): where they show, their status,
    # and whether a form with a stale CSRF token is posted there to get them.
    path: str = ""
    status: int = 200
    stale_form: bool = False


# Every GET route under /admin/ that shows a page, with the seeded thing it shows.
PAGES: dict[str, Visit] = {
    "admin:login": Visit(first_run=True),  # with its "no admin account yet" hint
    "admin:setup": Visit(query={"token": SETUP_TOKEN}, first_run=True),
    "admin:conferences": Visit(),
    "admin:room_settings": Visit({"conference_id": "1001"}),
    "admin:room_delete": Visit({"conference_id": "1001"}),
    "admin:caller_card": Visit(query={"room": "1001"}),
    "admin:bridge_delete": Visit(),
    "admin:numbers": Visit(),
    "admin:number_remove": Visit({"number": NUMBERS[0]}),
    "admin:extensions": Visit(),
    "admin:extension_edit": Visit({"number": "201"}),
    "admin:extension_delete": Visit({"number": "201"}),
    "admin:voicemail_delete": Visit({"message_id": "1"}),
    "admin:account": Visit(),
    "admin:test_call": Visit(),
    "admin:contacts": Visit(),
    "admin:contact_edit": Visit({"contact_id": "1"}),
    "admin:contact_delete": Visit({"contact_id": "1"}),
    "admin:groups": Visit(),
    "admin:group_edit": Visit({"group_id": "1"}),
    "admin:group_delete": Visit({"group_id": "1"}),
    "admin:accounts": Visit(),
    "admin:account_edit": Visit({"username": ORGANIZER}),
    "admin:account_delete": Visit({"username": ORGANIZER}),
    "admin:schedule": Visit(),
    "admin:meetings": Visit(),
    "admin:meeting_edit": Visit({"meeting_id": "1"}),
    "admin:meeting_cancel": Visit({"meeting_id": "1"}),
    "admin:live_end": Visit({"conference_id": "1001"}),
    # Pages that are read, not acted on: no main action to show.
    "admin:meetings_past": Visit(main_action=False),
    "admin:outbox": Visit(main_action=False),
    "admin:outbox_message": Visit({"message_id": "1"}, main_action=False),
    "admin:live": Visit(main_action=False),
    "admin:history": Visit(main_action=False),
    "admin:voicemail": Visit(main_action=False),
    "admin:recordings": Visit(main_action=False),
    "admin:recording_delete": Visit({"recording_id": "1"}),
}
# The error pages (admin/error_pages.py), one per kind; a fault of ours (500) looks like
# these but cannot be caused from a browser.
ERROR_PAGES: dict[str, Visit] = {
    "error:not_found": Visit(path="/admin/no-such-page", status=404),
    "error:form_expired": Visit(path="/admin/language", status=403, stale_form=True),
}
# GET routes under /admin/ that are not pages, and why.
NOT_PAGES = {
    "admin:index": "redirects to the Conferences page",
    "admin:live_rooms": "the fragment the Live page fetches to update itself",
    "admin:voicemail_audio": "a recording's sound, which the Voicemail page plays",
    "admin:recording_audio": "a conference's recording, which the Recordings page plays",
    "admin:outbox_message_html": "a message's HTML part, which its page frames",
}
# Elements meant to scroll sideways (one CSS selector list): their content may pass the
# right edge. None so far.
SCROLLABLE = ""

# The page links the header must hold on one row at desktop size: today's, the Account
# and Test call pages, and room for more.
NAV_LINKS = 9

MEASURE = """([scrollable, navLinks]) => {
  const edge = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '')
    + ' "' + (el.textContent || '').trim().slice(0, 30) + '"';
  const past = [], spilling = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (scrollable && el.closest(scrollable)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > edge + 0.5 || box.left < -0.5) {
      past.push(name(el) + ' ' + Math.round(box.left) + '..' + Math.round(box.right));
    }
    // Content wider than its own box spills out of it: a long word out of a card.
    const style = getComputedStyle(el);
    if (style.display !== 'inline' && style.overflowX === 'visible' && el.clientWidth > 0
        && el.scrollWidth > el.clientWidth + 1) {
      spilling.push(name(el) + ' ' + el.scrollWidth + '>' + el.clientWidth);
    }
  }
  // The header's page links, with copies of the first ones added up to NAV_LINKS: the
  // pages to come must fit too. The rows they take; the copies are removed after.
  const nav = document.querySelector('header nav');
  let navRows = 0;
  if (nav) {
    const links = [...nav.querySelectorAll('a')];
    const copies = links.slice(0, Math.max(0, navLinks - links.length)).map((a) => {
      const copy = a.cloneNode(true);
      copy.removeAttribute('aria-current');
      return nav.appendChild(copy);
    });
    const tops = [...nav.querySelectorAll('a')].map((a) => a.getBoundingClientRect().top);
    navRows = new Set(tops.map(Math.round)).size;
    copies.forEach((copy) => copy.remove());
  }
  const header = document.querySelector('header');
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          past: past.slice(0, 6), spilling: spilling.slice(0, 6), navRows,
          headerHeight: header ? Math.round(header.getBoundingClientRect().height) : 0};
}"""

STALE_FORM = """(action) => {
  const form = Object.assign(document.createElement('form'), {method: 'post', action});
  form.append(Object.assign(document.createElement('input'), {name: 'csrf_token', value: 'stale'}));
  document.body.append(form);
  form.submit();
}"""

IN_FIRST_VIEWPORT = """(el) => {
  const box = el.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0
    && box.bottom <= window.innerHeight && box.right <= document.documentElement.clientWidth;
}"""


def _get_routes(routes: list[BaseRoute], prefix: str = "") -> set[str]:
    """The names of every GET route, mounts included ("admin:numbers")."""
    found: set[str] = set()
    for route in routes:
        if isinstance(route, Mount):
            found |= _get_routes(
                list(route.routes), f"{prefix}{route.name}:" if route.name else prefix
            )
        elif isinstance(route, Route) and route.methods and "GET" in route.methods:
            found.add(prefix + route.name)
    return found


def the_app(tmp_path: Path) -> Starlette:
    """The app as `voiceapp serve` builds it, for its routes (never started)."""
    return create_app(admin_settings(f"sqlite://{tmp_path / 'routes.sqlite3'}"))


def test_every_admin_page_is_measured(tmp_path: Path) -> None:
    routes = {
        name for name in _get_routes(list(the_app(tmp_path).routes)) if name.startswith("admin:")
    }
    assert routes - PAGES.keys() - NOT_PAGES.keys() == set(), "GET routes missing from PAGES"
    assert (PAGES.keys() | NOT_PAGES.keys()) - routes == set(), "PAGES names unknown routes"


async def _post(request: APIRequestContext, url: str, form: list[tuple[str, str]]) -> None:
    """POST a form as the browser does; fields may repeat (ring group members)."""
    response = await request.post(
        url,
        data=urlencode(form),
        headers={"content-type": "application/x-www-form-urlencoded"},
        max_redirects=0,
    )
    if response.status != 303:
        page = await response.text()
        errors = page[page.find("error-summary") :][:800]  # what the page says went wrong
        raise AssertionError(f"{url} {form}: {response.status} {errors}")


async def fill_database(request: APIRequestContext, server: Server, token: str) -> None:
    """A well-used office, through the admin forms and the carrier's webhooks."""

    async def post(path: str, **form: str | list[str]) -> None:
        fields = [
            (key, value)
            for key, values in form.items()
            for value in ([values] if isinstance(values, str) else values)
        ]
        await _post(request, f"{server.url}/admin{path}", [*fields, ("csrf_token", token)])

    await post("/conferences/server", extension="800", language="fr")
    for name, conference_id in ROOMS:
        await post(
            "/conferences/rooms", name=name, conference_id=conference_id, pin="4321", capacity="10"
        )
    for number, name, target in USERS:
        await post("/extensions/new/user", extension=number, name=name, forward_to=target)
    members = [number for number, _, _ in USERS]
    await post(
        "/extensions/new/ring-group",
        extension="300",
        name="Accueil et standard du siège",
        members=members,
    )
    await post("/extensions/new/receptionist", extension="900", name="Standard")
    destinations = ["800", "300", "900", "202", "203"]
    for index, number in enumerate(NUMBERS[:-1]):
        language = "es" if index % 3 == 0 else "fr"
        await post("/numbers", number=number, extension=destinations[index % 5], language=language)
    await post("/numbers", number=VOICEMAIL_NUMBER, extension="201", language="fr")
    await post(
        "/accounts",
        username=ORGANIZER,
        password=PASSWORD,
        role="organizer",
        display_name=LONG_USER,
        email=ORGANIZER,
        language="fr",
        time_zone="America/Argentina/ComodRivadavia",
    )
    for index, (name, email) in enumerate(CONTACTS):
        language = "es" if index % 2 else "fr"
        await post("/contacts/new", name=name, email=email, language=language, phone="")
    everyone = [email for _, email in CONTACTS]
    await post(
        "/groups/new", name="Comité de direction et conseil d'administration", members=everyone
    )
    # Two meetings booked from the schedule page (invitations need the admin's address):
    # meeting 1 a weekly series with long names, meeting 2 cancelled (the Past page).
    await post("/account/details", display_name=LONG_USER, email=ORGANIZER, language="fr")
    next_year = datetime.now(UTC).year + 1
    for day in ("03-15", "03-16"):
        await post(
            "/schedule",
            subject=LONG_ROOM,
            organizer_name=LONG_USER,
            room="1002",
            details="Ordre du jour : " + LONG_TARGET,
            date=f"{next_year}-{day}",
            time="10:00",
            duration="90",
            time_zone="America/Argentina/ComodRivadavia",
            invitee_name=[LONG_USER],
            invitee_email=[LONG_TARGET.removeprefix("sip:")],
            invitee_list="\n".join(email for _, email in CONTACTS[:5]),
            repeat="weekly",
            repeat_end="count",
            repeat_count="3",
            reminder="15",
        )
    await post("/meetings/2/cancel")
    async with remote_carrier(server.url, AUTH_TOKEN) as carrier:
        for _ in range(3):
            await carrier.call(NUMBERS[0], caller=CALLER, digits=["1001#", "4321#"])
        await carrier.call(NUMBERS[0], caller=CALLER, digits=["9999#", "9999#", "9999#"])
        await carrier.call(VOICEMAIL_NUMBER, caller=CALLER, answer="no-answer")
        # A recording of the unbroken name's room (room 1), its audio where the emulator
        # leaves it, as the carrier's callback reports it: the Recordings page's player.
        sid = "RE" + "7" * 32
        write_recording(Path(server.env["VOICEAPP_MEDIA_DIR"]), sid, 5)
        recorded = await carrier.post(
            f"{server.url}/voice/recording-status?room=1",
            {
                "ConferenceSid": "CF" + "7" * 32,
                "RecordingSid": sid,
                "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC{sid[2:]}/Recordings/{sid}",
                "RecordingStatus": "completed",
                "RecordingDuration": "3725",
                "RecordingStartTime": format_datetime(datetime.now(UTC)),
            },
        )
        assert recorded.status_code == 200, recorded.text


async def measure(page: Page, visit: Visit, *, desktop: bool) -> tuple[list[str], int]:
    """What is wrong with the page on screen (nothing: []), and its header's height."""
    problems = []
    found: dict[str, Any] = await page.evaluate(MEASURE, [SCROLLABLE, NAV_LINKS])
    if desktop and found["navRows"] > 1:
        problems.append(f"{NAV_LINKS} page links would take {found['navRows']} rows, not one")
    if found["scrollWidth"] > found["innerWidth"]:
        problems.append(f"scrolls sideways ({found['scrollWidth']} > {found['innerWidth']} px)")
    if found["past"]:
        problems.append(f"past the edge of the screen: {found['past']}")
    if found["spilling"]:
        problems.append(f"content wider than its box: {found['spilling']}")
    titles = page.locator("h1")
    if await titles.count() != 1:
        problems.append(f"{await titles.count()} h1 instead of 1")
    elif not await titles.evaluate(IN_FIRST_VIEWPORT):
        problems.append("the h1 is not in the first viewport")
    actions = page.locator("[data-main-action]")
    wanted = 1 if visit.main_action else 0
    if await actions.count() != wanted:
        problems.append(f"{await actions.count()} data-main-action instead of {wanted}")
    elif visit.main_action and not await actions.evaluate(IN_FIRST_VIEWPORT):
        problems.append("the main action is not in the first viewport")
    return problems, found["headerHeight"]


async def open_page(tab: Page, url: str, visit: Visit, setup_token: str) -> int:
    """Open the page in `tab` as a person would; its HTTP status."""
    response: Response | None
    if visit.stale_form:
        # A form left open past its session: posted with a token the server never made.
        async with tab.expect_navigation() as navigation:
            await tab.evaluate(STALE_FORM, url)
        response = await navigation.value
    else:
        query = {k: setup_token if v == SETUP_TOKEN else v for k, v in visit.query.items()}
        response = await tab.goto(url + ("?" + urlencode(query) if query else ""))
    assert response is not None, url
    return response.status


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
async def test_every_page_fits_phones_and_desktops_in_every_language(
    chromium: Browser, screenshots: Path, tmp_path: Path
) -> None:
    app = the_app(tmp_path)
    # Full-page screenshots of every page take a fifth of the run: taken when someone looks.
    keep_screenshots = "VOICEAPP_E2E_SCREENSHOTS" in os.environ
    problems: list[str] = []
    # The header's height on each page at desktop size, by language: the same in all three
    # (a longer translation must not push it onto another row).
    headers: dict[str, dict[str, int]] = {}

    async def measure_all(
        server: Server, *, first_run: bool, session: Any = None, token: str = ""
    ) -> None:
        """Every page of this phase, in each language (one browser context each) at
        each size (one tab, resized)."""
        for language, locale in LANGUAGES.items():
            context = await chromium.new_context(locale=locale, storage_state=session)
            tab = await context.new_page()
            for size, viewport in SIZES.items():
                await tab.set_viewport_size(viewport)
                for name, visit in {**PAGES, **ERROR_PAGES}.items():
                    if visit.first_run != first_run:
                        continue
                    url = server.url + (visit.path or app.url_path_for(name, **visit.params))
                    status = await open_page(tab, url, visit, token)
                    assert status == visit.status, f"{url}: {status}"
                    label = f"{name.partition(':')[2]}-{language}-{size}"
                    found, header = await measure(tab, visit, desktop=size == "desktop")
                    problems.extend(f"{label}: {problem}" for problem in found)
                    if size == "desktop":
                        headers.setdefault(name, {})[language] = header
                    if keep_screenshots:
                        await tab.screenshot(path=str(screenshots / f"{label}.png"), full_page=True)
            await context.close()

    with running_server(tmp_path, with_admin=False) as server:
        # First run: the login page's hint and the setup page, from the link serve printed.
        printed = re.search(r"/admin/setup\?token=(\S+)", server.output())
        assert printed is not None, server.output()
        await measure_all(server, first_run=True, token=printed.group(1))

        # The newcomer makes the admin account with the setup link, then fills the office.
        context = await chromium.new_context(locale="en-GB", viewport=SIZES["desktop"])
        tab = await context.new_page()
        await tab.goto(f"{server.url}/admin/setup?token={printed.group(1)}")
        await tab.get_by_label("Username").fill(USERNAME)
        await tab.get_by_label("Password", exact=True).fill(PASSWORD)
        await tab.get_by_label("Password, again").fill(PASSWORD)
        await tab.get_by_role("button", name="Create the account").click()
        await tab.wait_for_url(server.url + "/admin/conferences")
        token = await tab.locator('input[name="csrf_token"]').first.input_value()
        await fill_database(context.request, server, token)
        await tab.reload()  # shows, and so clears, the notices of all those changes
        session = await context.storage_state()
        await context.close()

        async with remote_carrier(server.url, AUTH_TOKEN) as carrier:
            # Someone is in the room with the unbroken name while Live is measured.
            caller = await carrier.call(
                NUMBERS[0], caller=CALLER, digits=["1001#", "4321#"], stay=True
            )
            await measure_all(server, first_run=False, session=session)
            await caller.hangup()
    for name, heights in headers.items():
        if len(set(heights.values())) > 1:
            problems.append(f"{name}: the desktop header's height varies by language: {heights}")
    assert not problems, "\n".join(problems)
