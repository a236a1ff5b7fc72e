"""A stand-in for the carrier's REST API: a real HTTP server on loopback that answers the
2010-04-01 Calls resource the way Twilio does, and keeps every request it was sent."""

from __future__ import annotations

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


@dataclass
class CarrierDouble:
    base_url: str
    # CallSid -> status; a call not listed is unknown to the carrier (404).
    calls: dict[str, str] = field(default_factory=dict)
    requests: list[Sent] = field(default_factory=list)

    def handler(self, request: web.Request) -> web.Response:
        user, _, password = (
            base64.b64decode(request.headers.get("Authorization", "Basic ").split()[-1])
            .decode()
            .partition(":")
        )
        self.requests.append(Sent(request.method, request.path, user, password))
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
        double.handler,  # type: ignore[arg-type]
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield double
    finally:
        await runner.cleanup()
