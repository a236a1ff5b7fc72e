"""The carrier's REST API for the conferences and calls an emulated Carrier holds: the
2010-04-01 resources voiceapp uses, answered as Twilio answers them, so that the twilio
library's client (voiceapp.carrier) works against it unchanged.

  GET          /2010-04-01/Accounts/{AC}/Conferences/{CF}.json
  POST         same, Status=completed (end it) | AnnounceUrl=URL (speak to everyone)
  GET          .../Conferences/{CF}/Participants.json
  GET|POST|DELETE .../Conferences/{CF}/Participants/{CA}.json
               POST Muted=true|false, Hold=true|false, AnnounceUrl=URL; DELETE removes
  GET          .../Calls/{CA}.json                  (status: in-progress, completed...)
  GET|DELETE   .../Recordings/{RE}.json ; GET .../Recordings/{RE}.wav (the audio)

HTTP basic auth with the Carrier's account SID and auth token (the token it signs its
webhooks with), else 401; an unknown SID is a 404, with Twilio's error bodies. A change
is made at once and answered with the new state; its status callbacks follow, as a
carrier's do (conferences.py). `serving_rest_api(carrier)` runs it with uvicorn on
127.0.0.1, on a port the OS chooses.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from voiceapp.carrier.recordings import local_file
from voiceapp.emulator.carrier import Carrier
from voiceapp.emulator.conferences import Conference, Participant, Why
from voiceapp.emulator.sids import rfc2822

API_VERSION = "2010-04-01"
ACCOUNT = f"/{API_VERSION}/Accounts/{{account}}"
# How long a stopping API waits for requests in flight (seconds).
STOP_SECONDS = 5
# The most a form may hold: a few short fields.
MAX_FORM_BYTES = 16 * 1024

Handler = Callable[[Request, Carrier], Awaitable[Response]]


def _error(status: int, code: int, message: str) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status)


def _not_found(request: Request) -> JSONResponse:
    return _error(404, 20404, f"The requested resource {request.url.path} was not found")


def _invalid(message: str) -> JSONResponse:
    return _error(400, 21218, message)


def _authorized(request: Request, carrier: Carrier) -> bool:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    # Both compared whatever the first gives, in constant time.
    good_user = hmac.compare_digest(user.encode(), carrier.account_sid.encode())
    good_password = hmac.compare_digest(password.encode(), carrier.auth_token.encode())
    return good_user and good_password


def _guarded(carrier: Carrier, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if not _authorized(request, carrier):
            return _error(401, 20003, "Authenticate")
        if request.path_params["account"] != carrier.account_sid:
            return _not_found(request)
        return await handler(request, carrier)

    return endpoint


async def _form(request: Request) -> dict[str, str] | None:
    """The form's fields; None when it is not one, or too big."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _flag(form: dict[str, str], name: str) -> bool | str | None:
    """A true/false field: its value, None when absent, the bad value as a string."""
    value = form.get(name)
    if value is None:
        return None
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _url(form: dict[str, str], name: str) -> str | JSONResponse | None:
    value = form.get(name)
    if value is None:
        return None
    if urlsplit(value).scheme not in ("http", "https"):
        return _invalid(f"{name} must be an absolute http or https URL")
    return value


# ---- what the resources look like ---------------------------------------------------------


def _conference_uri(carrier: Carrier, conference: Conference) -> str:
    return f"/{API_VERSION}/Accounts/{carrier.account_sid}/Conferences/{conference.sid}"


def conference_json(carrier: Carrier, conference: Conference) -> dict[str, Any]:
    uri = _conference_uri(carrier, conference)
    status = "completed" if conference.ended else "in-progress" if conference.started else "init"
    return {
        "account_sid": carrier.account_sid,
        "api_version": API_VERSION,
        "call_sid_ending_conference": conference.call_sid_ending,
        "date_created": rfc2822(conference.created),
        "date_updated": rfc2822(conference.updated),
        "friendly_name": conference.name,
        "reason_conference_ended": conference.reason_ended,
        "region": "us1",
        "sid": conference.sid,
        "status": status,
        "subresource_uris": {
            "participants": f"{uri}/Participants.json",
            "recordings": f"{uri}/Recordings.json",
        },
        "uri": f"{uri}.json",
    }


def participant_json(
    carrier: Carrier, conference: Conference, participant: Participant
) -> dict[str, Any]:
    uri = f"{_conference_uri(carrier, conference)}/Participants/{participant.call_sid}.json"
    return {
        "account_sid": carrier.account_sid,
        "call_sid": participant.call_sid,
        "call_sid_to_coach": None,
        "coaching": False,
        "conference_sid": conference.sid,
        "date_created": rfc2822(participant.created),
        "date_updated": rfc2822(participant.updated),
        "end_conference_on_exit": participant.end_conference_on_exit,
        "hold": participant.hold,
        "label": None,
        "muted": participant.muted,
        "queue_time": "0",
        "start_conference_on_enter": participant.start_conference_on_enter,
        "status": "connected",
        "uri": uri,
    }


# ---- the resources ------------------------------------------------------------------------


def _conference(request: Request, carrier: Carrier) -> Conference | None:
    sid = request.path_params["conference"]
    return next((c for c in list(carrier.conferences.values()) if c.sid == sid), None)


async def conference_resource(request: Request, carrier: Carrier) -> Response:
    conference = _conference(request, carrier)
    if conference is None:
        return _not_found(request)
    if request.method == "POST":
        form = await _form(request)
        if form is None:
            return _invalid("the request's form is too big")
        status = form.get("Status")
        announce = _url(form, "AnnounceUrl")
        if isinstance(announce, JSONResponse):
            return announce
        if status not in (None, "completed"):
            return _invalid("Status can only be completed")
        if announce is not None:
            conference.announce(announce, list(conference.present))
        if status == "completed":
            conference.end("conference-ended-via-api")
    return JSONResponse(conference_json(carrier, conference))


async def participants_resource(request: Request, carrier: Carrier) -> Response:
    conference = _conference(request, carrier)
    if conference is None:
        return _not_found(request)
    uri = f"{_conference_uri(carrier, conference)}/Participants.json"
    listed = [participant_json(carrier, conference, p) for p in conference.present]
    return JSONResponse(
        {
            "participants": listed,
            "end": max(len(listed) - 1, 0),
            "first_page_uri": f"{uri}?PageSize=50&Page=0",
            "next_page_uri": None,
            "page": 0,
            "page_size": 50,
            "previous_page_uri": None,
            "start": 0,
            "uri": uri,
        }
    )


async def participant_resource(request: Request, carrier: Carrier) -> Response:
    conference = _conference(request, carrier)
    participant = None if conference is None else conference.find(request.path_params["call"])
    if conference is None or participant is None:
        return _not_found(request)
    if request.method == "DELETE":
        conference.leave(participant, Why.REMOVED)
        return Response(status_code=204)
    if request.method == "POST":
        form = await _form(request)
        if form is None:
            return _invalid("the request's form is too big")
        changed = _change(conference, participant, form)
        if changed is not None:
            return changed
    return JSONResponse(participant_json(carrier, conference, participant))


def _change(
    conference: Conference, participant: Participant, form: dict[str, str]
) -> JSONResponse | None:
    """Apply a Participant update; a 400 when a field is wrong (nothing is changed then)."""
    hold, muted = _flag(form, "Hold"), _flag(form, "Muted")
    announce = _url(form, "AnnounceUrl")
    for name, value in (("Hold", hold), ("Muted", muted)):
        if isinstance(value, str):
            return _invalid(f"{name} must be true or false")
    if isinstance(announce, JSONResponse):
        return announce
    if isinstance(hold, bool):
        conference.set_hold(participant, hold)
    if isinstance(muted, bool):
        conference.set_muted(participant, muted)
    if announce is not None:
        conference.announce(announce, [participant])
    return None


async def call_resource(request: Request, carrier: Carrier) -> Response:
    sid = request.path_params["call"]
    live = carrier.calls.get(sid)
    status = live.status if live is not None else carrier.ended_calls.get(sid)
    if status is None:
        return _not_found(request)
    body: dict[str, Any] = {
        "account_sid": carrier.account_sid,
        "api_version": API_VERSION,
        "direction": "inbound",
        "sid": sid,
        "status": status,
        "uri": f"/{API_VERSION}/Accounts/{carrier.account_sid}/Calls/{sid}.json",
    }
    if live is not None:
        body.update({"from": live.caller, "to": live.to})
    return JSONResponse(body)


def _recording(request: Request, carrier: Carrier) -> tuple[str, Path | None] | None:
    """The recording's SID and WAV (None: no audio); None when this carrier has no such
    recording. A WAV left in the media directory by an earlier emulator counts."""
    sid = request.path_params["recording"]
    if sid in carrier.recordings:
        return sid, carrier.recordings[sid]
    if carrier.media_dir is None:
        return None
    try:
        path = local_file(carrier.media_dir, sid)
    except ValueError:
        return None
    return (sid, path) if path.is_file() else None


async def recording_resource(request: Request, carrier: Carrier) -> Response:
    found = _recording(request, carrier)
    if found is None:
        return _not_found(request)
    sid, path = found
    if request.method == "DELETE":
        carrier.recordings.pop(sid, None)
        if path is not None:
            path.unlink(missing_ok=True)
        return Response(status_code=204)
    uri = f"/{API_VERSION}/Accounts/{carrier.account_sid}/Recordings/{sid}"
    return JSONResponse(
        {
            "account_sid": carrier.account_sid,
            "api_version": API_VERSION,
            "channels": 1,
            "media_url": carrier.recording_url(sid),
            "sid": sid,
            "status": "completed",
            "uri": f"{uri}.json",
        }
    )


async def recording_audio(request: Request, carrier: Carrier) -> Response:
    found = _recording(request, carrier)
    if found is None or found[1] is None or not found[1].is_file():
        return _not_found(request)
    return FileResponse(found[1], media_type="audio/wav")


def rest_app(carrier: Carrier) -> Starlette:
    def route(path: str, handler: Handler, methods: list[str]) -> Route:
        return Route(ACCOUNT + path, _guarded(carrier, handler), methods=methods)

    conference = "/Conferences/{conference}"
    return Starlette(
        routes=[
            route(conference + ".json", conference_resource, ["GET", "POST"]),
            route(conference + "/Participants.json", participants_resource, ["GET"]),
            route(
                conference + "/Participants/{call}.json",
                participant_resource,
                ["GET", "POST", "DELETE"],
            ),
            route("/Calls/{call}.json", call_resource, ["GET"]),
            route("/Recordings/{recording}.json", recording_resource, ["GET", "DELETE"]),
            route("/Recordings/{recording}.wav", recording_audio, ["GET"]),
        ]
    )


# ---- serving it ---------------------------------------------------------------------------


class _Server(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The process keeps its own signal handling: Ctrl-C of `voiceapp call`, a
        # server worker's shutdown. This server is stopped by its owner.
        yield


@asynccontextmanager
async def serving_rest_api(carrier: Carrier) -> AsyncIterator[str]:
    """Serve `carrier`'s REST API on 127.0.0.1 until the block ends; its base URL, which
    is also `carrier.api_url` meanwhile (its recordings' URLs point there)."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    # No log configuration of its own: the process's (a server's workers') stays.
    config = uvicorn.Config(
        rest_app(carrier),
        lifespan="off",
        log_config=None,
        timeout_graceful_shutdown=STOP_SECONDS,
    )
    server = _Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        while not server.started:
            if serving.done():
                serving.result()  # raises what stopped it
                raise RuntimeError("the emulator's REST API stopped as it started")
            await asyncio.sleep(0.01)
        api_url = f"http://127.0.0.1:{port}"
        carrier.api_url = api_url
        yield api_url
    finally:
        carrier.api_url = None
        server.should_exit = True
        await asyncio.shield(serving)
        listening.close()
