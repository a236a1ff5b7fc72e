"""The benchmark's baseline: the least a Starlette app can do for a webhook.

It answers every POST with the same TwiML, without reading the form, checking a
signature or touching a database. bench/run.py serves it with uvicorn exactly as
`voiceapp serve` serves voiceapp, so the ratio to it is the cost of voiceapp's own work.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Say language="fr-FR">Bienvenue sur le service de conférence.</Say></Response>'
)


async def constant_twiml(request: Request) -> Response:
    return Response(TWIML, media_type="application/xml")


async def health(request: Request) -> Response:
    return Response("ok", media_type="text/plain")


app = Starlette(
    routes=[
        Route("/twiml", constant_twiml, methods=["POST"]),
        Route("/healthz", health),
    ]
)
