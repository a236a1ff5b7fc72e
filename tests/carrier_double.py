"""A stand-in for the carrier's REST API: a real HTTP server on loopback that answers the
2010-04-01 Calls, Recordings and Conferences (and their Participants) resources the way
Twilio does, and keeps every request it was sent: method, path, form, credentials.

    async with carrier_double() as double:
        double.conferences = {"CF...": {"CA...": Participant()}}
        ...  # point a CarrierAccount (or VOICEAPP_CARRIER_API_URL) at double.base_url
        assert double.requests[-1].form == {"Muted": "true"}

Scripted failures: `refuse` (every Recordings and Conferences request gets that status),
`token` (another auth token gets Twilio's 401), `hang` (Calls and Conferences requests
are not answered while the double runs), `web_page`, `delay`.
"""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from aiohttp import web

ACCOUNT_SID = "AC" + "5" * 32
# A recording the tests keep at the double (and at voiceapp, which names it so).
RECORDING_SID = "RE" + "1" * 32
API = "/2010-04-01/Accounts/{account}"


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    user: str  # the basic-auth user (the account SID)
    password: str
    range: str | None = None  # the Range header, if any
    form: dict[str, str] = field(default_factory=dict, hash=False)  # a POST's fields
    authorization: str = ""  # the Authorization header as sent


@dataclass
class Participant:
    """A caller in one of the double's conferences."""

    muted: bool = False
    hold: bool = False


@dataclass
class CarrierDouble:
    base_url: str
    # CallSid -> status; a call not listed is unknown to the carrier (404).
    calls: dict[str, str] = field(default_factory=dict)
    requests: list[Sent] = field(default_factory=list)
    # RecordingSid -> its WAV; a recording not listed is unknown to the carrier (404).
    recordings: dict[str, bytes] = field(default_factory=dict)
    # Whether recording downloads honour Range (206), or always send the whole file.
    ranges: bool = True
    # A status every Recordings and Conferences request gets instead (401, 404, 500...),
    # and a wait before answering any of them (seconds), for a carrier that refuses or is
    # slow.
    refuse: int | None = None
    delay: float = 0.0
    # Where recording downloads are redirected (another server's base URL), as Twilio
    # sends them to its media store.
    redirect_to: str | None = None
    # ConferenceSid -> CallSid -> participant: what the Conferences resources answer for;
    # a conference or participant not listed is unknown to the carrier (404). A conference
    # ended (Status=completed) leaves the dict for `ended`.
    conferences: dict[str, dict[str, Participant]] = field(default_factory=dict)
    ended: list[str] = field(default_factory=list)
    # The auth token Conferences requests must carry (None: any); Calls and Recordings
    # check the account SID only.
    token: str | None = None
    # Calls and Conferences requests are held unanswered until the double stops: a
    # carrier that hangs.
    hang: bool = False
    # Conferences requests are answered 200 with a web page, not the API's JSON: what a
    # VOICEAPP_CARRIER_API_URL pointing at a website gets.
    web_page: bool = False
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def _sent(self, request: web.Request, form: dict[str, str] | None = None) -> Sent:
        authorization = request.headers.get("Authorization", "")
        credentials = authorization.removeprefix("Basic ")
        user, _, password = base64.b64decode(credentials).decode().partition(":")
        sent = Sent(
            request.method,
            request.path,
            user,
            password,
            request.headers.get("Range"),
            form=form or {},
            authorization=authorization,
        )
        self.requests.append(sent)
        return sent

    async def _conference_request(self, request: web.Request) -> Sent | web.Response:
        """Keep the request, then play the scripted failures: Twilio's refusal (a Response),
        or the request as kept, to be answered."""
        form = {name: str(value) for name, value in (await request.post()).items()}
        sent = self._sent(request, form)
        if self.hang:
            await self._stopping.wait()
            return web.Response(status=503)
        await asyncio.sleep(self.delay)
        if self.web_page:
            return web.Response(text="<html><body>Welcome</body></html>", content_type="text/html")
        wrong_token = self.token is not None and sent.password != self.token
        if request.match_info["account"] != ACCOUNT_SID or sent.user != ACCOUNT_SID or wrong_token:
            return refusal(401, request.path)
        if self.refuse is not None:
            return refusal(self.refuse, request.path)
        return sent

    async def participant(self, request: web.Request) -> web.Response:
        """POST (Muted, Hold, AnnounceUrl) and DELETE .../Conferences/{CF}/Participants/{CA}."""
        sent = await self._conference_request(request)
        if isinstance(sent, web.Response):
            return sent
        conference_sid = request.match_info["conference_sid"]
        call_sid = request.match_info["call_sid"]
        participants = self.conferences.get(conference_sid, {})
        if call_sid not in participants:
            return refusal(404, request.path)
        if request.method == "DELETE":
            del participants[call_sid]
            return web.Response(status=204)
        form = sent.form
        participant = participants[call_sid]
        if "Muted" in form:
            participant.muted = form["Muted"] == "true"
        if "Hold" in form:
            participant.hold = form["Hold"] == "true"
        return web.json_response(participant_json(conference_sid, call_sid, participant))

    async def participant_list(self, request: web.Request) -> web.Response:
        """GET .../Conferences/{CF}/Participants.json (one page, all of them)."""
        sent = await self._conference_request(request)
        if isinstance(sent, web.Response):
            return sent
        conference_sid = request.match_info["conference_sid"]
        participants = self.conferences.get(conference_sid, {})
        return web.json_response(
            {
                "participants": [
                    participant_json(conference_sid, call_sid, participant)
                    for call_sid, participant in participants.items()
                ],
                "page": 0,
                "page_size": 50,
                "first_page_uri": request.path,
                "next_page_uri": None,
                "previous_page_uri": None,
                "uri": request.path,
                "start": 0,
                "end": len(participants),
            }
        )

    async def conference(self, request: web.Request) -> web.Response:
        """POST .../Conferences/{CF}.json: Status=completed ends it; AnnounceUrl speaks."""
        sent = await self._conference_request(request)
        if isinstance(sent, web.Response):
            return sent
        conference_sid = request.match_info["conference_sid"]
        if conference_sid not in self.conferences:
            return refusal(404, request.path)
        status = "in-progress"
        if sent.form.get("Status") == "completed":
            del self.conferences[conference_sid]
            self.ended.append(conference_sid)
            status = "completed"
        return web.json_response(
            {
                "account_sid": ACCOUNT_SID,
                "sid": conference_sid,
                "friendly_name": "voiceapp-room",
                "status": status,
                "date_created": _now(),
                "date_updated": _now(),
                "api_version": "2010-04-01",
                "region": "us1",
                "reason_conference_ended": (
                    "conference-ended-via-api" if status == "completed" else None
                ),
                "call_sid_ending_conference": None,
                "uri": request.path,
                "subresource_uris": {},
            }
        )

    async def recording(self, request: web.Request) -> web.StreamResponse:
        """GET .../Recordings/{sid}.wav (the audio) and DELETE .../Recordings/{sid}.json."""
        self._sent(request)
        await asyncio.sleep(self.delay)
        sid = request.match_info["sid"]
        if self.refuse is not None:
            return web.json_response({"code": 20003, "status": self.refuse}, status=self.refuse)
        if request.match_info["account"] != ACCOUNT_SID:
            return web.json_response({"code": 20003, "status": 401}, status=401)
        if sid not in self.recordings:
            return web.json_response(
                {"code": 20404, "message": "not found", "status": 404}, status=404
            )
        if request.method == "DELETE":
            del self.recordings[sid]
            return web.Response(status=204)
        if self.redirect_to is not None:
            raise web.HTTPFound(self.redirect_to + request.path)
        audio = self.recordings[sid]
        if self.ranges and request.http_range.start is not None:
            start = request.http_range.start
            stop = min(request.http_range.stop or len(audio), len(audio))
            return web.Response(
                status=206,
                body=audio[start:stop],
                content_type="audio/x-wav",
                headers={"Content-Range": f"bytes {start}-{stop - 1}/{len(audio)}"},
            )
        return web.Response(body=audio, content_type="audio/x-wav")

    async def handler(self, request: web.Request) -> web.Response:
        self._sent(request)
        if self.hang:
            await self._stopping.wait()
            return web.Response(status=503)
        call_sid = request.match_info["call_sid"]
        if request.match_info["account"] != ACCOUNT_SID:
            return web.json_response({"code": 20003, "status": 401}, status=401)
        if call_sid not in self.calls:
            return web.json_response(
                {"code": 20404, "message": "not found", "status": 404}, status=404
            )
        return web.json_response(
            {"sid": call_sid, "account_sid": ACCOUNT_SID, "status": self.calls[call_sid]}
        )


def _now() -> str:
    return format_datetime(datetime.now(UTC), usegmt=True)


def refusal(status: int, path: str) -> web.Response:
    """Twilio's error body for `status`: 20003 for credentials, 20404 for the unknown."""
    code = {401: 20003, 403: 20003, 404: 20404}.get(status, 20001)
    message = {
        20003: "Authenticate",
        20404: f"The requested resource {path} was not found",
    }.get(code, "Error")
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


def participant_json(
    conference_sid: str, call_sid: str, participant: Participant
) -> dict[str, object]:
    return {
        "account_sid": ACCOUNT_SID,
        "call_sid": call_sid,
        "conference_sid": conference_sid,
        "muted": participant.muted,
        "hold": participant.hold,
        "start_conference_on_enter": True,
        "end_conference_on_exit": False,
        "coaching": False,
        "status": "connected",
        "date_created": _now(),
        "date_updated": _now(),
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Conferences/{conference_sid}"
        f"/Participants/{call_sid}.json",
        "label": None,
        "call_sid_to_coach": None,
    }


def carrier_url(base_url: str, sid: str = RECORDING_SID) -> str:
    """A recording's RecordingUrl at the double (or at `base_url`), as a callback gives it."""
    return f"{base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}"


@asynccontextmanager
async def carrier_double() -> AsyncIterator[CarrierDouble]:
    # Bound before the server starts: no other process can take the port meanwhile.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    double = CarrierDouble(f"http://127.0.0.1:{sock.getsockname()[1]}")
    app = web.Application()
    app.router.add_get(
        "/2010-04-01/Accounts/{account}/Calls/{call_sid}.json",
        double.handler,
    )
    for method in ("GET", "DELETE"):
        app.router.add_route(
            method,
            "/2010-04-01/Accounts/{account}/Recordings/{sid}.{format:wav|json}",
            double.recording,
        )
    participant = API + "/Conferences/{conference_sid}/Participants/{call_sid}.json"
    app.router.add_post(participant, double.participant)
    app.router.add_delete(participant, double.participant)
    app.router.add_get(
        API + "/Conferences/{conference_sid}/Participants.json", double.participant_list
    )
    app.router.add_post(API + "/Conferences/{conference_sid}.json", double.conference)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    try:
        yield double
    finally:
        double._stopping.set()  # a hanging request is answered, so cleanup need not wait
        await runner.cleanup()
