"""The Test call page and its WebSocket: who may open it, a call driven key by key, the
seat it takes and gives back, and the limit of calls per admin.

The socket is driven in this event loop, straight through the app (as httpx's
ASGITransport does for HTTP): the test and the server's emulator then share the database.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import Message

from voiceapp.accounts import admins
from voiceapp.admin import test_call, test_call_slots
from voiceapp.admin.sessions import COOKIE
from voiceapp.admin.test_call_lines import Heard, Sentences, Transcript, whole_sentences
from voiceapp.app import create_app
from voiceapp.carrier.recordings import local_file
from voiceapp.conferencing import controls, seats
from voiceapp.core.models import AccountRole, CallRecord, Room, Seat
from voiceapp.core.settings import Settings
from voiceapp.emulator import Carrier
from voiceapp.emulator.events import Event
from voiceapp.switchboard import voicemail

from ..conftest import ES_NUMBER, FR_NUMBER, PUBLIC_URL, make_settings, provision_conference
from ..test_routing import (
    ALICE_NUMBER,
    GOODBYE,
    LEAVE_MESSAGE,
    MESSAGE_SAVED,
    NO_ANSWER,
    add_office,
)
from .conftest import PASSWORD, USERNAME, Browser, admin_settings

SOCKET = "/admin/test-call/socket"
WAIT = 10.0


class Refused(Exception):
    """The server closed the socket before accepting it (the browser sees a 403)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Closed(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Socket:
    """A WebSocket client speaking ASGI to the app in this event loop."""

    def __init__(self, app: Starlette, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = headers
        self.to_app: asyncio.Queue[Message] = asyncio.Queue()
        self.from_app: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.closed: int | None = None

    async def open(self) -> Socket:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "scheme": "wss",
            "server": ("voice.example.test", 443),
            "client": ("127.0.0.1", 50000),
            "root_path": "",
            "path": SOCKET,
            "raw_path": SOCKET.encode(),
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in self.headers.items()],
            "subprotocols": [],
        }
        self.task = asyncio.create_task(self.app(scope, self.to_app.get, self.from_app.put))
        await self.to_app.put({"type": "websocket.connect"})
        first = await asyncio.wait_for(self.from_app.get(), WAIT)
        if first["type"] == "websocket.close":
            await asyncio.wait_for(self.task, WAIT)
            raise Refused(first.get("code", 1000))
        assert first["type"] == "websocket.accept", first
        return self

    async def send(self, **message: object) -> None:
        await self.to_app.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def receive(self) -> dict[str, Any]:
        message = await asyncio.wait_for(self.from_app.get(), WAIT)
        if message["type"] == "websocket.close":
            self.closed = message.get("code", 1000)
            raise Closed(self.closed)
        assert message["type"] == "websocket.send", message
        parsed: dict[str, Any] = json.loads(message["text"])
        return parsed

    async def until(self, kind: str, seen: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The next event of this kind; the ones before it are added to `seen`."""
        while True:
            message = await self.receive()
            if seen is not None:
                seen.append(message)
            if message.get("kind") == kind:
                return message

    async def until_closed(self) -> int:
        try:
            while True:
                await self.receive()
        except Closed as closed:
            await asyncio.wait_for(self.finished(), WAIT)
            return closed.code

    async def disconnect(self) -> None:
        await self.to_app.put({"type": "websocket.disconnect", "code": 1001})
        await asyncio.wait_for(self.finished(), WAIT)

    async def finished(self) -> None:
        assert self.task is not None
        await self.task


@dataclass
class Site:
    app: Starlette
    browser: Browser
    settings: Settings
    sockets: list[Socket] = field(default_factory=list)

    def socket(
        self,
        *,
        origin: str | None = PUBLIC_URL,
        logged_in: bool = True,
        browser: Browser | None = None,
    ) -> Socket:
        headers = {"host": "voice.example.test"}
        if origin is not None:
            headers["origin"] = origin
        cookie = (browser or self.browser).client.cookies.get(COOKIE)
        if logged_in and cookie:
            headers["cookie"] = f"{COOKIE}={cookie}"
        socket = Socket(self.app, headers)
        self.sockets.append(socket)
        return socket

    async def hang_up_all(self) -> None:
        """Close what a test left open (it failed midway), while the app still runs."""
        for socket in self.sockets:
            if socket.task is not None and not socket.task.done():
                await socket.disconnect()


async def open_site(settings: Settings) -> AsyncIterator[Site]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client,
    ):
        await admins.create_admin(USERNAME, PASSWORD)
        browser = Browser(client)
        assert (await browser.log_in()).status_code == 303
        await provision_conference(settings)
        opened = Site(app, browser, settings)
        try:
            yield opened
        finally:
            await opened.hang_up_all()


@pytest.fixture
async def site(site_settings: Settings) -> AsyncIterator[Site]:
    """The app with a logged-in admin, the bridge, two numbers and two rooms."""
    async for opened in open_site(site_settings):
        yield opened


async def callers_in(conference_id: str) -> list[str]:
    room = await Room.get(conference_id=conference_id)
    return [seat.caller for seat in await seats.roster(room)]


async def dial(socket: Socket, number: str = FR_NUMBER) -> None:
    await socket.open()
    await socket.send(type="call", to=number)


async def type_keys(socket: Socket, keys: str) -> None:
    for key in keys:
        await socket.send(type="key", key=key)


async def join_ventes(socket: Socket) -> list[dict[str, Any]]:
    """Dial, then type the room's ID and PIN as a person would; the messages seen."""
    seen: list[dict[str, Any]] = []
    await dial(socket)
    await socket.until("gather", seen)
    await socket.send(type="heard")
    await type_keys(socket, "1234#")
    await socket.until("gather", seen)
    await type_keys(socket, "4321#")
    await socket.until("conference", seen)
    return seen


# ---- the page -------------------------------------------------------------------------


async def test_page_needs_a_login(site_settings: Settings) -> None:
    app = create_app(site_settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL) as client,
    ):
        response = await client.get("/admin/test-call")
    assert response.status_code == 303
    assert response.headers["location"].endswith("/admin/login?next=%2Fadmin%2Ftest-call")


async def test_page_has_the_numbers_a_keypad_and_a_transcript(site: Site) -> None:
    page = (await site.browser.get("/admin/test-call")).text
    assert (
        '<a href="https://voice.example.test/admin/test-call" aria-current="page">Test call</a>'
        in page
    )
    options = re.findall(r'<option value="(\+\d+)">([^<]+)</option>', page)
    assert options == [
        (FR_NUMBER, f"{FR_NUMBER} · 800 · French"),
        (ES_NUMBER, f"{ES_NUMBER} · 800 · Spanish"),
    ]
    assert re.findall(r'data-key="([^"]+)"', page) == list("123456789*0#")
    assert 'data-socket="/admin/test-call/socket"' in page
    assert 'id="test-call-transcript" aria-live="polite"' in page
    assert "test_call.js" in page


async def test_page_without_numbers_says_where_to_add_one(admin: Browser) -> None:
    page = (await admin.get("/admin/test-call")).text
    assert "No phone numbers yet" in page
    assert 'href="https://voice.example.test/admin/numbers"' in page
    assert "data-key=" not in page


# ---- who may open the socket ----------------------------------------------------------


async def test_socket_needs_a_login(site: Site) -> None:
    with pytest.raises(Refused) as refused:
        await site.socket(logged_in=False).open()
    assert refused.value.code == 1008


async def test_socket_is_for_admins_only(site: Site) -> None:
    await admins.create_admin("olga", PASSWORD, columns={"role": AccountRole.ORGANIZER})
    transport = httpx.ASGITransport(app=site.app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        organizer = Browser(client)
        assert (await organizer.log_in("olga")).status_code == 303
        assert (await organizer.get("/admin/test-call")).status_code == 403
        with pytest.raises(Refused):
            await site.socket(browser=organizer).open()


@pytest.mark.parametrize(
    "origin",
    [None, "https://evil.example", "http://voice.example.test.evil.example", "null"],
)
async def test_socket_from_another_site_is_refused(site: Site, origin: str | None) -> None:
    with pytest.raises(Refused):
        await site.socket(origin=origin).open()
    assert await callers_in("1234") == []


async def test_socket_from_the_host_it_was_opened_on_is_ours(site: Site) -> None:
    # The public URL is https://voice.example.test; an admin on the same host by http.
    socket = await site.socket(origin="http://voice.example.test").open()
    await socket.disconnect()


async def test_a_number_that_is_not_ours_is_refused(site: Site) -> None:
    socket = site.socket()
    await dial(socket, "+33999999999")
    refused = await socket.receive()
    assert refused == {"type": "refused", "message": "Choose one of your numbers to call."}
    assert await socket.until_closed() == 1008
    assert not await CallRecord.exists()


# ---- a call, key by key ----------------------------------------------------------------


async def test_keys_join_the_room_and_hanging_up_frees_the_seat(site: Site) -> None:
    socket = site.socket()
    seen = await join_ventes(socket)
    lines = [message["line"] for message in seen if message["line"]]
    assert lines[0] == "Bienvenue sur le service de conférence."
    assert "You pressed 1234#" in lines and "You pressed 4321#" in lines
    assert lines[-1] == "In conference Ventes with 1 caller"
    # In say mode, the page speaks each prompt in its language.
    spoken = [message["speak"] for message in seen if "speak" in message]
    assert spoken[0] == {"text": "Bienvenue sur le service de conférence.", "lang": "fr-FR"}
    assert {
        "text": "Para continuar en español, marque la tecla asterisco.",
        "lang": "es-ES",
    } in spoken
    assert [message["kind"] for message in seen].count("gather") == 2

    # The Live page's roster has the caller while the call lasts.
    assert await callers_in("1234") == [f"client:{USERNAME}"]
    live = (await site.browser.get("/admin/live/rooms")).text
    assert f"client:{USERNAME}" in live

    await socket.send(type="hangup")
    ended = await socket.until("hangup")
    assert ended["line"] == "Call ended"
    assert await socket.until_closed() == 1000
    assert await callers_in("1234") == []
    record = await CallRecord.get(caller=f"client:{USERNAME}")
    assert record.outcome == "joined" and record.ended_at is not None


async def test_closing_the_tab_hangs_up(site: Site) -> None:
    socket = site.socket()
    await join_ventes(socket)
    assert await callers_in("1234") == [f"client:{USERNAME}"]
    await socket.disconnect()
    assert await callers_in("1234") == []
    assert test_call_slots.call_slots(site.app).by_admin == {}


async def test_closing_the_tab_at_a_prompt_ends_the_call(site: Site) -> None:
    socket = site.socket()
    await dial(socket)
    await socket.until("gather")
    await socket.disconnect()
    record = await CallRecord.get(caller=f"client:{USERNAME}")
    assert record.ended_at is not None


async def test_two_test_calls_share_the_room(site: Site) -> None:
    first, second = site.socket(), site.socket()
    await join_ventes(first)
    joined = await join_ventes(second)
    assert joined[-1]["line"] == "In conference Ventes with 2 callers"
    assert await callers_in("1234") == [f"client:{USERNAME}"] * 2
    await first.disconnect()
    await second.disconnect()
    assert await callers_in("1234") == []


async def test_calls_per_admin_are_limited(site: Site) -> None:
    limit = test_call_slots.MAX_CALLS_PER_ADMIN
    sockets = [await site.socket().open() for _ in range(limit)]
    extra = await site.socket().open()
    refused = await extra.receive()
    assert refused["type"] == "refused"
    assert refused["message"] == (f"You already have {limit} test calls going: hang one up first.")
    assert await extra.until_closed() == 1008
    # One hangs up: a new call may start.
    await sockets[0].disconnect()
    again = site.socket()
    await dial(again)
    assert (await again.until("gather"))["kind"] == "gather"
    for socket in [*sockets[1:], again]:
        await socket.disconnect()
    assert test_call_slots.call_slots(site.app).by_admin == {}


async def test_odd_messages_change_nothing(site: Site) -> None:
    socket = site.socket()
    await dial(socket)
    await socket.until("gather")
    await socket.to_app.put({"type": "websocket.receive", "text": "not json"})
    await socket.to_app.put({"type": "websocket.receive", "text": "[1, 2]"})
    await socket.to_app.put({"type": "websocket.receive", "bytes": b"\x00"})
    await socket.send(type="key", key="x")
    await socket.send(type="key", key=["1"])
    await socket.send(type="key", key="9" * 5000)
    await socket.send(type="heard")
    await type_keys(socket, "5555#")
    joined = await socket.until("conference")
    assert joined["line"] == "In conference Support with 1 caller"
    await socket.disconnect()


async def test_transcript_speaks_the_admins_language(site: Site) -> None:
    browser = site.browser
    await browser.submit("/admin/test-call", "/admin/language", {"language": "fr"})
    socket = site.socket()
    seen = await join_ventes(socket)
    lines = [message["line"] for message in seen if message["line"]]
    assert "Vous avez tapé 1234#" in lines
    assert lines[-1] == "En conférence Ventes avec 1 participant"
    await socket.send(type="hangup")
    assert (await socket.until("hangup"))["line"] == "Appel terminé"
    await socket.until_closed()


@pytest.fixture
async def playing_site(
    migrated_database_url: str, rendered_media: Path, tmp_path: Path
) -> AsyncIterator[Site]:
    """The site with every prompt rendered and VOICEAPP_MEDIA_MODE=play."""
    media = tmp_path / "rendered"
    shutil.copytree(rendered_media, media)
    settings = admin_settings(
        migrated_database_url, VOICEAPP_MEDIA_MODE="play", VOICEAPP_MEDIA_DIR=str(media)
    )
    async for opened in open_site(settings):
        yield opened


@pytest.mark.slow
async def test_rendered_prompts_are_files_on_this_site(playing_site: Site) -> None:
    socket = playing_site.socket()
    seen = await join_ventes(socket)
    audio = [message for message in seen if "audio" in message]
    assert audio and not [message for message in seen if "speak" in message]
    for message in audio:
        assert message["audio"].startswith("/media/")
        response = await playing_site.browser.get(message["audio"])
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("audio/")
    # Each file's line has its words, in its language.
    assert (audio[0]["line"], audio[0]["lang"]) == ("Bienvenue sur le service de conférence.", "fr")
    assert (audio[1]["line"], audio[1]["lang"]) == (
        "Para continuar en español, marque la tecla asterisco.",
        "es",
    )
    music = [message for message in audio if message["loop"]]
    assert [message["line"] for message in music] == ["Hold music"]
    await socket.disconnect()


# ---- the room's real count of callers ---------------------------------------------------


@asynccontextmanager
async def phone_caller(site: Site) -> AsyncIterator[Carrier]:
    """A carrier of its own on the same app, as `voiceapp call --url` is: its callers are
    nobody the Test call's emulator knows."""
    transport = httpx.ASGITransport(app=site.app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield Carrier(client, PUBLIC_URL, site.settings.auth_token)


async def until_status(socket: Socket) -> dict[str, Any]:
    while (message := await socket.receive())["type"] != "status":
        pass
    return message


async def test_the_count_is_the_rooms_callers_and_stays_current(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(test_call, "RECOUNT_SECONDS", 0.05)
    async with phone_caller(site) as phones:
        first = await phones.call(FR_NUMBER, digits=["1234#", "4321#"], stay=True)
        socket = site.socket()
        joined = await join_ventes(socket)
        # The caller on a phone counts, as on the Live page, though this emulator never
        # saw them.
        assert joined[-1]["line"] == "In conference Ventes with 2 callers"
        assert len(await callers_in("1234")) == 2

        await first.hangup()
        assert await until_status(socket) == {
            "type": "status",
            "line": "In conference Ventes with 1 caller",
        }
        second = await phones.call(FR_NUMBER, digits=["1234#", "4321#"], stay=True)
        second_status = await until_status(socket)
        assert second_status["line"] == "In conference Ventes with 2 callers"
        await second.hangup()
        await until_status(socket)
    await socket.send(type="hangup")
    await socket.until("hangup")
    await socket.until_closed()


async def test_the_count_is_sent_again_only_when_it_changes(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(test_call, "RECOUNT_SECONDS", 0.02)
    socket = site.socket()
    await join_ventes(socket)
    await asyncio.sleep(0.3)  # many recounts, nobody came or went
    await socket.send(type="hangup")
    rest: list[dict[str, Any]] = []
    await socket.until("hangup", rest)
    assert [message for message in rest if message["type"] == "status"] == []
    await socket.until_closed()


# ---- a call put through to a person -------------------------------------------------------


async def call_alice(site: Site, **asked: str) -> list[dict[str, Any]]:
    """Call Alice's number (user 201, who forwards to a phone); every message seen."""
    await add_office()
    socket = site.socket()
    await socket.open()
    await socket.send(type="call", to=ALICE_NUMBER, **asked)
    seen: list[dict[str, Any]] = []
    await socket.until("hangup", seen)
    await socket.until_closed()
    return seen


def lines_of(seen: list[dict[str, Any]]) -> list[str]:
    return [message["line"] for message in seen if message.get("line")]


async def test_a_person_who_does_not_answer_gets_a_voicemail_with_its_audio(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(test_call, "MESSAGE_SECONDS", 1)
    seen = await call_alice(site)  # the page's default: no answer
    lines = lines_of(seen)
    assert lines[:5] == [
        "Put through: ringing +33612345601 for up to 20 s",
        "Put through: no answer after 20 s",
        NO_ANSWER,
        LEAVE_MESSAGE,
        lines[4],
    ]
    assert lines[4].startswith("Voicemail: beep; the caller leaves a 1 s message (RE")
    assert lines[5:] == [MESSAGE_SAVED, GOODBYE, "Call ended"]

    # On the Voicemail page, with the WAV the in-server emulator wrote to the media folder.
    [message] = await voicemail.list_messages()
    assert (message.caller, message.extension_number) == (f"client:{USERNAME}", "201")
    assert message.recording_sid is not None
    assert local_file(site.settings.media_dir, message.recording_sid).is_file()
    page = (await site.browser.get("/admin/voicemail")).text
    assert f"client:{USERNAME}" in page
    audio = await site.browser.get(f"/admin/voicemail/{message.pk}/audio")
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/wav"


async def test_the_page_offers_how_a_put_through_call_ends(site: Site) -> None:
    page = (await site.browser.get("/admin/test-call")).text
    choices = re.findall(r'<option value="([a-z-]+)">([^<]+)</option>', page)
    assert choices == [
        ("no-answer", "No answer: voicemail"),
        ("answered", "They answer"),
        ("busy", "Busy"),
    ]
    assert 'id="test-call-answer"' in page


async def test_a_person_who_answers_talks_and_no_message_is_left(site: Site) -> None:
    lines = lines_of(await call_alice(site, answer="answered"))
    assert "Put through: +33612345601 answered; they talk for 30 s" in lines
    assert not await voicemail.list_messages()


async def test_an_unknown_way_to_end_is_refused(site: Site) -> None:
    socket = site.socket()
    await socket.open()
    await socket.send(type="call", to=FR_NUMBER, answer="maybe")
    refused = await socket.receive()
    assert refused == {
        "type": "refused",
        "message": "Choose how a call put through to a person ends.",
    }
    assert await socket.until_closed() == 1008
    assert not await CallRecord.exists()


# ---- a prompt of several files is one line ------------------------------------------------


def page_lines(seen: list[dict[str, Any]]) -> list[str]:
    """The transcript's lines as test_call.js writes them: a piece that continues the
    sentence before goes on its line."""
    lines: list[str] = []
    for message in seen:
        if not message.get("line") or message.get("kind") == "gather":
            continue
        if message.get("continues") and lines:
            lines[-1] += " " + message["line"]
        else:
            lines.append(message["line"])
    return lines


def test_pieces_of_a_sentence_go_on_one_line() -> None:
    sentences = Sentences()
    heard = [
        ("joining.1", "Vous allez rejoindre la conférence"),
        ("number-1", "1"),
        ("number-2", "2"),
        ("participants.0.1", "Il y a déjà"),
        ("number-1", "1"),
        ("participants.0.2", "participant dans la conférence."),
        ("number-3", "3"),  # a number said alone: a line of its own
        ("greeting", "Bienvenue sur le service de conférence."),
        ("first_participant", "Vous êtes le premier participant."),
    ]
    whole = whole_sentences("fr")
    continues = [sentences.continues(name, text, whole=text in whole) for name, text in heard]
    assert continues == [False, True, True, False, True, True, False, False, False]
    sentences.continues("joining.1", "Vous allez rejoindre la conférence")
    sentences.close()  # a key pressed, a <Say>...: the sentence is over
    assert not sentences.continues("number-1", "1")


@pytest.mark.slow
async def test_a_rendered_prompt_with_a_value_is_one_line(playing_site: Site) -> None:
    async with phone_caller(playing_site) as phones:
        other = await phones.call(FR_NUMBER, digits=["1234#", "4321#"], stay=True)
        socket = playing_site.socket()
        seen = await join_ventes(socket)
        lines = page_lines(seen)
        assert "Vous allez rejoindre la conférence 1 2 3 4" in lines
        assert "Il y a déjà 1 participant dans la conférence." in lines
        # Every file is still played, in order: one message each.
        files = [message["audio"].split("?")[0] for message in seen if "audio" in message]
        joining = files.index("/media/fr/joining.1.wav")
        assert files[joining : joining + 8] == [
            "/media/fr/joining.1.wav",
            "/media/fr/number-1.wav",
            "/media/fr/number-2.wav",
            "/media/fr/number-3.wav",
            "/media/fr/number-4.wav",
            "/media/fr/participants.0.1.wav",
            "/media/fr/number-1.wav",
            "/media/fr/participants.0.2.wav",
        ]
        await socket.disconnect()
        await other.hangup()


# ---- inside the conference: what the carrier does to the caller there ------------------------

# Each kind of event the emulator notes in a conference, as its words are (in_conference.py,
# conferences.py), and the line the page shows for it in English, French and Spanish.
IN_CONFERENCE_LINES = [
    (
        Event("wait", "waiting for the host: conference voiceapp-room-1 has not started"),
        "Waiting for a host: the conference starts when one joins",
        "En attente d'un organisateur : la conférence commence dès qu'il arrive",
        "Esperando a un anfitrión: la conferencia empieza cuando se una",
    ),
    (
        Event("menu", "* pressed: out of the conference"),
        "You pressed *: out of the conference, to the keypad menu",
        "Vous avez tapé * : sortie de la conférence, vers le menu du clavier",
        "Ha marcado *: sale de la conferencia y pasa al menú del teclado",
    ),
    (
        Event("tone", "entry tone: a caller joins"),
        "Tone: a caller joined",
        "Bip : un participant est arrivé",
        "Tono: ha entrado un participante",
    ),
    (
        Event("tone", "exit tone: a caller leaves"),
        "Tone: a caller left",
        "Bip : un participant est parti",
        "Tono: ha salido un participante",
    ),
    (
        Event("muted", "muted through the carrier's API"),
        "Muted: the others cannot hear you",
        "Micro coupé : les autres ne vous entendent pas",
        "Silenciado: los demás no le oyen",
    ),
    (
        Event("unmuted", "unmuted through the carrier's API"),
        "Unmuted: the others can hear you",
        "Micro rétabli : les autres vous entendent",
        "Micrófono activado: los demás le oyen",
    ),
    (
        Event("held", "put on hold through the carrier's API"),
        "Put on hold: you cannot hear the conference",
        "Mis en attente : vous n'entendez plus la conférence",
        "En espera: no oye la conferencia",
    ),
    (
        Event("unheld", "back from hold"),
        "Back from hold",
        "Fin de la mise en attente",
        "Fuera de espera",
    ),
    (
        Event("removed", "removed from the conference through the carrier's API"),
        "A host removed you from the conference",
        "Un organisateur vous a retiré de la conférence",
        "Un anfitrión le ha retirado de la conferencia",
    ),
    (
        Event("ended", "the conference has ended"),
        "The conference ended",
        "La conférence a pris fin",
        "La conferencia ha terminado",
    ),
]


@pytest.mark.parametrize(("language", "column"), [("en", 1), ("fr", 2), ("es", 3)])
async def test_what_happens_in_the_conference_has_a_line_in_the_admins_language(
    language: str, column: int
) -> None:
    transcript = Transcript(language, make_settings("sqlite://:memory:"))
    for row in IN_CONFERENCE_LINES:
        event = row[0]
        message = await transcript.message(Heard(event, "voiceapp-room-1"))
        assert message == {"type": "event", "kind": event.kind, "line": row[column]}
    # An announcement is heard as a prompt is: its words, said in their language.
    announced = await transcript.message(Heard(Event("announce", "Bonjour à tous.", "fr-FR")))
    assert announced == {
        "type": "event",
        "kind": "announce",
        "line": "Bonjour à tous.",
        "lang": "fr-FR",
        "speak": {"text": "Bonjour à tous.", "lang": "fr-FR"},
    }


async def test_the_live_controls_reach_the_test_call_and_its_transcript_says_so(
    site: Site,
) -> None:
    socket = site.socket()
    await join_ventes(socket)
    seat = await Seat.get(caller=f"client:{USERNAME}")
    # As the Live page does: the server's own emulator answers the carrier's REST API.
    settings: Settings = site.app.state.settings
    await controls.set_seat_muted(settings, seat.call_sid, True)
    assert (await socket.until("muted"))["line"] == "Muted: the others cannot hear you"
    await controls.set_seat_muted(settings, seat.call_sid, False)
    assert (await socket.until("unmuted"))["line"] == "Unmuted: the others can hear you"
    await controls.remove_seat(settings, seat.call_sid)
    assert (await socket.until("removed"))["line"] == "A host removed you from the conference"
    assert (await socket.until("hangup"))["line"] == "Call ended"
    await socket.until_closed()
    assert await callers_in("1234") == []
