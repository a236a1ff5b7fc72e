"""A stand-in for the carrier's REST API: a real HTTP server on loopback that answers the
2010-04-01 Calls and Recordings resources the way Twilio does, and keeps every request it
was sent."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from voiceapp.emulator.server import free_port

ACCOUNT_SID = "AC" + "5" * 32


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    user: str  # the basic-auth user (the account SID)
    password: str
    range: str | None = None  # the Range header, if any


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
    # A status every Recordings request gets instead (401, 500...), and a wait before
    # answering any of them (seconds), for a carrier that refuses or is slow.
    refuse: int | None = None
    delay: float = 0.0
    # Where recording downloads are redirected (another server's base URL), as Twilio
    # sends them to its media store.
    redirect_to: str | None = None

    def _sent(self, request: web.Request) -> Sent:
        credentials = request.headers.get("Authorization", "Basic ").removeprefix("Basic ")
        user, _, password = base64.b64decode(credentials).decode().partition(":")
        sent = Sent(request.method, request.path, user, password, request.headers.get("Range"))
        self.requests.append(sent)
        return sent

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


@asynccontextmanager
async def carrier_double() -> AsyncIterator[CarrierDouble]:
    port = free_port()
    double = CarrierDouble(f"http://127.0.0.1:{port}")
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
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield double
    finally:
        await runner.cleanup()
