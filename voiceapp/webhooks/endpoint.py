"""The one wrapper every carrier webhook goes through.

It reads the form, refuses unsigned requests (403), and turns any failure inside the
handler, the database being down included, into a 200 with valid TwiML (an apology, then
hangup): a 5xx or broken XML would make the carrier play its own generic error. The
call's history then says it failed, unless it already had an outcome (as far as the
database lets: it may be what failed, and the apology comes first).
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import parse_qsl

from starlette.datastructures import FormData, QueryParams, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from twilio.twiml.voice_response import VoiceResponse

from voiceapp.conferencing.replies import Reply
from voiceapp.core.db import is_connection_lost
from voiceapp.core.models import Language
from voiceapp.core.settings import Settings
from voiceapp.history import call_records
from voiceapp.history.call_records import Caller
from voiceapp.web.body_limits import WEBHOOK_MAX_BYTES
from voiceapp.webhooks import twiml
from voiceapp.webhooks.answers import RenderedReplies
from voiceapp.webhooks.signature import signature_problem
from voiceapp.webhooks.state import language_from

log = logging.getLogger(__name__)

# A carrier's form is a few dozen short fields; anything past this is not from one.
MAX_FIELDS = 200
# The longest the apology waits on the call's history: it may come after the whole
# webhook deadline (at most 14 s), under the carrier's own 15 s.
FAILURE_RECORD_SECONDS = 0.5


def clean(value: object, limit: int = 64) -> str:
    """A form value as safe text: no control characters (NUL breaks PostgreSQL text),
    trimmed, at most `limit` characters."""
    if not isinstance(value, str):
        return ""
    if value.isascii() and value.isprintable():  # what carriers send: nothing to drop
        return value.strip()[:limit]
    kept = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    return kept.strip()[:limit]


def whole_number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


async def read_form(request: Request) -> FormData:
    """The carrier's form (always application/x-www-form-urlencoded). Parsed with the
    standard library rather than Starlette's multipart-capable parser, which costs
    several times more on every webhook. A malformed body gives an empty form: it
    cannot carry a valid signature either. Read before the signature is checked, so
    never past WEBHOOK_MAX_BYTES (413)."""
    try:
        body = (await _body_within(request, WEBHOOK_MAX_BYTES)).decode("utf-8", errors="replace")
        fields = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:  # more than MAX_FIELDS fields
        return FormData()
    pairs: list[tuple[str, str | UploadFile]] = list(fields)
    return FormData(pairs)


async def _body_within(request: Request, limit: int) -> bytes:
    """The body, read no further than `limit` bytes. The app's BodyLimits has already
    refused a longer or cut body before any handler runs; this keeps read_form bounded
    wherever the webhooks are mounted. An HTTPException, not an error: no traceback,
    and no apology TwiML for what no carrier sends."""
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise HTTPException(413, "The request body is too large.", {"Connection": "close"})
            chunks.append(chunk)
    except ClientDisconnect:
        raise HTTPException(400, "The request body was cut short.") from None
    return b"".join(chunks)


@dataclass(frozen=True)
class VoiceRequest:
    """A verified carrier webhook."""

    request: Request
    form: FormData
    settings: Settings

    def answer(self, reply: Reply, accent: str | None = None) -> str:
        """The TwiML for `reply` (said with `accent`), as this worker last rendered it
        (see webhooks.answers)."""
        replies: RenderedReplies = self.request.app.state.replies
        return replies.twiml(
            (reply, accent), lambda: str(twiml.render(reply, self.settings, accent))
        )

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    def field(self, name: str, limit: int = 64) -> str:
        return clean(self.form.get(name), limit)

    def whole_number(self, name: str) -> int | None:
        """A field of plain ASCII digits ("42") as a number, else None: str.isdigit()
        alone also admits "²", which int() refuses."""
        return whole_number(self.field(name))

    @property
    def call_sid(self) -> str:
        return self.field("CallSid")

    @property
    def caller(self) -> str:
        return self.field("From")

    @property
    def called(self) -> str:
        return self.field("To")

    @property
    def digits(self) -> str:
        """What the caller typed: keypad characters only, so garbage cannot reach the flow."""
        raw = self.field("Digits", 128)
        return "".join(ch for ch in raw if ch in "0123456789*#")


# A handler answers TwiML: built now, or a string kept from an earlier build.
VoiceHandler = Callable[[VoiceRequest], Awaitable[VoiceResponse | str]]


def voice_webhook(handler: VoiceHandler) -> Callable[[Request], Awaitable[Response]]:
    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        form = await read_form(request)
        problem = signature_problem(request, form, settings.auth_token, settings.public_url)
        if problem is not None:
            log.warning("refused request to %s: %s", request.url.path, problem)
            return PlainTextResponse("invalid or missing X-Twilio-Signature", status_code=403)
        voice = VoiceRequest(request, form, settings)
        try:
            # The carrier waits 15 s, then plays its own error: a handler stuck on the
            # database (a lock, a pool with no free connection, a dead server) is cut off
            # in time for the caller to hear our apology instead.
            async with asyncio.timeout(settings.webhook_deadline_seconds):
                return twiml.xml(await _answer(handler, voice))
        except TimeoutError:
            log.error(
                "voice webhook %s took over %s s, apologised call_sid=%s",
                request.url.path,
                settings.webhook_deadline_seconds,
                voice.call_sid,
            )
        except asyncio.CancelledError:
            # The server is stopping and its grace period (VOICEAPP_SHUTDOWN_TIMEOUT) ran
            # out with this webhook still waiting: the caller hears the apology rather
            # than the carrier's error for a 500. Nothing is written: the database is
            # being closed.
            log.warning(
                "voice webhook %s cut off by the server's shutdown, apologised call_sid=%s",
                request.url.path,
                voice.call_sid,
            )
            return twiml.xml(twiml.apology(_apology_languages(request), settings))
        except Exception:
            log.exception("voice webhook %s failed call_sid=%s", request.url.path, voice.call_sid)
        await _record_failure(voice)
        return twiml.xml(twiml.apology(_apology_languages(request), settings))

    return endpoint


async def _answer(handler: VoiceHandler, voice: VoiceRequest) -> VoiceResponse | str:
    try:
        return await handler(voice)
    except Exception as failure:
        if not is_connection_lost(failure):
            raise
        # Every voice webhook may run twice: a seat is taken once per call, and outcomes
        # and ends are upserts. A lost connection is worth one more go on a fresh one
        # before the caller hears the apology.
        log.warning(
            "voice webhook %s lost its database connection, trying once more call_sid=%s",
            voice.request.url.path,
            voice.call_sid,
        )
        return await handler(voice)


async def _record_failure(voice: VoiceRequest) -> None:
    """The call's history says it failed (call_records.FAILED), if the database answers
    in time; whatever happens here, the caller still hears the apology."""
    caller = Caller(call_sid=voice.call_sid, number=voice.caller, called=voice.called)
    try:
        async with asyncio.timeout(FAILURE_RECORD_SECONDS):
            await call_records.record(caller, call_records.FAILED)
    except Exception as failure:  # the timeout included
        log.warning(
            "could not record the failure of call_sid=%s: %s",
            voice.call_sid,
            type(failure).__name__,
        )


def _apology_languages(request: Request) -> tuple[Language, ...]:
    """The call's language when the URL says it; both when we never learnt it."""
    if "lang" in request.query_params:
        return (language_from(request.query_params),)
    return (Language.FR, Language.ES)
