"""The Test call page: call one of your numbers from the browser and hear it as a caller.

The page (GET /admin/test-call) is a phone keypad beside a transcript. The call runs over
one WebSocket (/admin/test-call/socket), inside the worker that accepted it: the carrier
emulator (voiceapp.emulator) posts the webhooks a carrier would, signed with the server's
carrier token, to this very app in-process. So the call takes a seat, shows on the Live
page, and gives it back through the carrier's own leave and status callbacks when it
ends: the Hang up button, the tab closed, or MAX_CALL_SECONDS in the room. Nothing is
looked up between requests, which keeps it right behind several workers.

Each worker has one emulated carrier for its test calls, whose REST API the Live page's
controls reach (test_call_slots.py).

Who may open the socket: a logged-in admin, from a page of this site. A WebSocket carries
no CSRF token and any site may open one with our cookie, so its Origin must be ours:
VOICEAPP_PUBLIC_URL's, or that of the Host it was opened on. Anything else is closed before
it is accepted (the browser sees a refused handshake). Each admin has at most
MAX_CALLS_PER_ADMIN test calls at once in a worker, so the page cannot fill rooms.

Messages are JSON text frames. From the browser:
  {"type": "call", "to": "+33180000001", "answer": "no-answer"}
                                          first, once: call this number (one of ours);
                                          "answer" is how a call put through to a person
                                          ends (ANSWERS; DEFAULT_ANSWER when left out)
  {"type": "key", "key": "5"}             one key, 0-9 * #; lost when no <Gather> listens
  {"type": "heard"}                       all that was sent has been played: a waiting
                                          <Gather>'s timeout starts now
  {"type": "hangup"}                      hang up (closing the socket does too)
From the server:
  {"type": "event", "kind": K, "line": L, "lang": "fr-FR",
   "speak": {"text": T, "lang": "fr-FR"}, "audio": "/media/...", "loop": false}
      one event of the call, K one of emulator.events' kinds. L is the transcript's line
      in the admin's language ("" for none), and "lang" its language when it is what
      the caller hears; "speak" when the carrier says a text (the page speaks it), "audio"
      when it plays one of our files (a path on this site: the line then has its words),
      "loop" for hold music. "continues": true when the file is the next piece of the
      sentence on the line before (a prompt with a value in it is several files): the
      line goes on that one. Kind "gather": the call waits for keys; "hangup": it ended.
  {"type": "status", "line": L}           in a conference, its callers came or went: L
                                          is the status line with the room's count now
  {"type": "refused", "message": M}       the call is not placed (M says why)
The server closes the socket once the call has ended.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from contextlib import suppress
from typing import Any, cast
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketState

from voiceapp.admin import auth
from voiceapp.admin.auth import requires_admin
from voiceapp.admin.labels import CALLER_LANGUAGES
from voiceapp.admin.locale import request_language
from voiceapp.admin.templating import render
from voiceapp.admin.test_call_lines import Heard, Recount, Transcript
from voiceapp.admin.test_call_slots import MAX_CALLS_PER_ADMIN, CallSlots, call_slots
from voiceapp.core.i18n import N_, translations
from voiceapp.core.models import AccountRole, AdminUser, PhoneNumber
from voiceapp.core.settings import Settings
from voiceapp.emulator.call import EmulatedCall
from voiceapp.emulator.events import Event
from voiceapp.emulator.far_end import DialOutcome
from voiceapp.emulator.keypad import Handset
from voiceapp.switchboard import numbers

log = logging.getLogger(__name__)

# A test call left in a room hangs up by itself after this long.
MAX_CALL_SECONDS = 30 * 60
# The browser has this long to say which number to call once the socket is open.
FIRST_MESSAGE_SECONDS = 30.0
MAX_MESSAGE_CHARS = 512
# How a call put through to a person (a user's extension, a ring group) ends: nobody is at
# the far end of a test call, so "answered" only says they talk, and the page's default is
# the path an admin can hear through: no answer, the voicemail greeting, the beep and a
# message left, which then shows on the Voicemail page. (`voiceapp call` keeps answered.)
ANSWERS: tuple[DialOutcome, ...] = ("no-answer", "answered", "busy")
DEFAULT_ANSWER: DialOutcome = "no-answer"
ANSWER_LABELS: dict[str, str] = {
    "no-answer": N_("No answer: voicemail"),
    "answered": N_("They answer"),
    "busy": N_("Busy"),
}
# The message the caller "speaks" at the beep: long enough to try the Voicemail page's
# player, short enough to wait for.
MESSAGE_SECONDS = 5
# How often the status line's count of callers is read again while in a room.
RECOUNT_SECONDS = 3.0
POLICY_VIOLATION = 1008  # WebSocket close codes (RFC 6455)
INTERNAL_ERROR = 1011


def number_label(number: PhoneNumber, gettext: Callable[[str], str]) -> str:
    language = gettext(CALLER_LANGUAGES[number.language.value])
    return f"{number.e164} · {number.extension.number} · {language}"


@requires_admin
async def test_call_page(request: Request) -> Response:
    language = request_language(request)
    gettext = translations(language).gettext
    choices = [(n.e164, number_label(n, gettext)) for n in await numbers.list_numbers()]
    answers = [(answer, gettext(ANSWER_LABELS[answer])) for answer in ANSWERS]
    return render(request, "admin/test_call.html", {"numbers": choices, "answers": answers})


# ---- the socket ---------------------------------------------------------------------


def own_origins(websocket: WebSocket, public_url: str) -> set[str]:
    """The origins a page of this site has: the public URL's, and the Host's the socket
    was opened on (an admin may reach the pages by another name than the carrier does)."""
    public = urlsplit(public_url)
    origins = {f"{public.scheme}://{public.netloc}".lower()}
    host = websocket.headers.get("host", "").lower()
    if host:
        origins |= {f"http://{host}", f"https://{host}"}
    return origins


async def admitted(websocket: WebSocket, settings: Settings) -> AdminUser | None:
    """The admin opening this socket from one of our pages, or None (an organizer too:
    the page is an admin's, as requires_admin says for pages)."""
    origin = websocket.headers.get("origin", "").lower()
    if origin not in own_origins(websocket, settings.public_url):
        log.warning("test call socket refused: origin %r is not this site's", origin[:100])
        return None
    # auth reads only the session, which a WebSocket carries as a Request does.
    user = await auth.current_admin(websocket)
    if user is None or user.role is not AccountRole.ADMIN:
        return None
    return user


async def test_call_socket(websocket: WebSocket) -> None:
    settings: Settings = websocket.app.state.settings
    user = await admitted(websocket, settings)
    if user is None:
        await websocket.close(code=POLICY_VIOLATION)
        return
    await websocket.accept()
    session = TestCall(websocket, settings, user)
    slots = call_slots(websocket.app)
    if not slots.claim(user.pk):
        await session.refuse(
            session.ngettext(
                "You already have %(count)s test call going: hang it up first.",
                "You already have %(count)s test calls going: hang one up first.",
                MAX_CALLS_PER_ADMIN,
            )
            % {"count": MAX_CALLS_PER_ADMIN}
        )
        return
    try:
        await session.run(slots)
    except Exception:
        log.exception("test call of admin %s failed", user.username)
        await session.close(INTERNAL_ERROR)
    finally:
        slots.release(user.pk)


def _stopping() -> bool:
    """Whether this task was asked to stop (a webhook it ran may have swallowed that)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class TestCall:
    """One admin's call over one socket: read what the browser does, tell it what happens."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, websocket: WebSocket, settings: Settings, user: AdminUser) -> None:
        self.websocket = websocket
        self.settings = settings
        self.user = user
        language = request_language(websocket)
        catalog = translations(language)
        self.gettext = catalog.gettext
        self.ngettext = catalog.ngettext
        self.transcript = Transcript(language, settings)
        self.handset = Handset()
        self.events: asyncio.Queue[Heard | Recount | None] = asyncio.Queue()

    async def run(self, slots: CallSlots) -> None:
        asked = await self._call_asked()
        if asked is None:
            return
        to, answer = asked
        carrier = await slots.network.carrier(self.websocket.app, self.settings)
        # From "client:NAME", as a carrier's browser and app calls are.
        call = carrier.dial(
            to,
            caller=f"client:{self.user.username}",
            keypad=self.handset,
            answer=answer,
            message_seconds=MESSAGE_SECONDS,
        )
        call.on_event = lambda event: self._heard_of(event, call)
        sender = asyncio.create_task(self._send_events())
        reader = asyncio.create_task(self._read_keys())
        counter = asyncio.create_task(self._recount(call))
        try:
            await call.run(stay=True)
            if not _stopping():
                await call.stay(MAX_CALL_SECONDS)
        finally:
            # Even cancelled (the server stopping), the caller leaves the room.
            counter.cancel()
            await call.hangup()
            reader.cancel()
            self.events.put_nowait(None)
            with suppress(asyncio.CancelledError):
                await reader
            await sender
        await self.close(1000)

    async def _call_asked(self) -> tuple[str, DialOutcome] | None:
        """The number of ours the browser asks to call and how a call put through to a
        person ends; None when refused, or gone."""
        try:
            async with asyncio.timeout(FIRST_MESSAGE_SECONDS):
                message = await self._receive()
        except TimeoutError:
            message = {}
        if message is None:
            return None
        to = message.get("to") if message.get("type") == "call" else None
        ours = {number.e164 for number in await numbers.list_numbers()}
        if not isinstance(to, str) or to not in ours:
            await self.refuse(self.gettext("Choose one of your numbers to call."))
            return None
        answer = message.get("answer", DEFAULT_ANSWER)
        if answer not in ANSWERS:
            await self.refuse(self.gettext("Choose how a call put through to a person ends."))
            return None
        return to, cast(DialOutcome, answer)

    async def _receive(self) -> dict[str, Any] | None:
        """The next message as a JSON object ({} when it is not one); None: socket closed."""
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text") or ""
        try:
            parsed = json.loads(text) if len(text) <= MAX_MESSAGE_CHARS else {}
        except ValueError:
            parsed = {}
        return parsed if isinstance(parsed, dict) else {}

    async def _read_keys(self) -> None:
        while (message := await self._receive()) is not None:
            kind = message.get("type")
            if kind == "key" and isinstance(message.get("key"), str):
                self.handset.press(message["key"])
            elif kind == "heard":
                self.handset.heard()
            elif kind == "hangup":
                break
        self.handset.hang_up()

    def _heard_of(self, event: Event, call: EmulatedCall) -> None:
        self.events.put_nowait(Heard.on(call, event))

    async def _recount(self, call: EmulatedCall) -> None:
        """While the caller is in a room, have its count of callers read again now and
        then: others join and leave it from their phones, on any worker, and the status
        line says what the Live page says. Queued with the events, so it never passes
        the line of the caller's own joining. (Out of the room in the keypad menu, and
        back: it counts whenever the caller is in.)"""
        while True:
            await asyncio.sleep(RECOUNT_SECONDS)
            if call.conference is not None:
                self.events.put_nowait(Recount(call.conference.name))

    async def _send_events(self) -> None:
        while (heard := await self.events.get()) is not None:
            try:
                message = await self.transcript.message(heard)
            except Exception:  # the call goes on; the page misses one line
                log.exception("test call: cannot show %r", heard)
                continue
            if message is None:
                continue
            # A browser gone away hears nothing more; the call goes on to hang up.
            with suppress(Exception):
                await self.websocket.send_json(message)

    async def refuse(self, text: str) -> None:
        with suppress(Exception):
            await self.websocket.send_json({"type": "refused", "message": text})
        await self.close(POLICY_VIOLATION)

    async def close(self, code: int) -> None:
        socket = self.websocket
        if WebSocketState.DISCONNECTED not in (socket.client_state, socket.application_state):
            with suppress(Exception):
                await socket.close(code)


routes = [
    Route("/test-call", test_call_page, methods=["GET"], name="test_call"),
    WebSocketRoute("/test-call/socket", test_call_socket, name="test_call_socket"),
]
