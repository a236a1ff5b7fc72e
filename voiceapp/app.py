"""Builds the Starlette app: routes, middleware, lifespan. Wiring only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from tortoise.contrib.starlette import RegisterTortoise

from voiceapp import admin, housekeeping
from voiceapp.core.db import tortoise_config
from voiceapp.core.settings import Settings, get_settings
from voiceapp.core.sqlite_inline import close_inline_connections
from voiceapp.media import serve as media
from voiceapp.web.body_limits import BodyLimits
from voiceapp.webhooks import forwarding, voice
from voiceapp.webhooks.answers import AnswerCache, RenderedReplies

log = logging.getLogger(__name__)


async def health(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    if not settings.auth_token:
        log.warning("TWILIO_AUTH_TOKEN is not set: every carrier webhook will be refused (403)")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            await housekeeping.at_start(settings)
            upkeep = asyncio.create_task(housekeeping.keep_house(settings))
            try:
                yield
            finally:
                upkeep.cancel()
                with suppress(asyncio.CancelledError):
                    await upkeep
                close_inline_connections()

    app = Starlette(
        routes=[
            Route("/healthz", health),
            *voice.routes,
            *forwarding.routes,
            *media.routes,
            admin.mount(settings),
        ],
        middleware=[Middleware(BodyLimits)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.answers = AnswerCache(settings.directory_cache_seconds)
    app.state.replies = RenderedReplies(settings.directory_cache_seconds)
    return app
