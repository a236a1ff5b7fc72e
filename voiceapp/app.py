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
from tortoise.exceptions import DBConnectionError, OperationalError

from voiceapp import admin, housekeeping
from voiceapp.admin import test_call_slots
from voiceapp.core import server_secrets
from voiceapp.core.db import tortoise_config
from voiceapp.core.settings import Settings, get_settings
from voiceapp.core.sqlite_inline import close_inline_connections
from voiceapp.mail.delivery_loop import deliver_forever
from voiceapp.media import serve as media

# Registers the maker of meetings' mail with the sender (voiceapp.mail cannot import it).
from voiceapp.scheduling import mailing_expansion  # noqa: F401
from voiceapp.web import access_log, calendar_route
from voiceapp.web.body_limits import BodyLimits
from voiceapp.webhooks import forwarding, menu, recording_status, voice
from voiceapp.webhooks.answers import AnswerCache, RenderedReplies

log = logging.getLogger(__name__)


async def health(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


# How often a worker that started with its database unreachable tries again to read the
# secrets it keeps there.
SECRETS_RETRY_SECONDS = 5.0


async def _resolve_secrets(app: Starlette, settings: Settings) -> asyncio.Task[None] | None:
    """Put the resolved settings in app.state. With the database unreachable (and a
    secret to read from it), start anyway: webhooks then answer the callers' apology and
    the admin pages say they are waiting, and a task keeps trying until it can read
    them. Returns that task, or None when the secrets were read at once."""
    try:
        app.state.settings = await server_secrets.resolved(settings)
        return None
    except (DBConnectionError, OperationalError, OSError) as error:
        log.error("cannot read the secrets kept in the database yet (%s): retrying", error)

    async def keep_trying() -> None:
        while True:
            await asyncio.sleep(SECRETS_RETRY_SECONDS)
            with suppress(DBConnectionError, OperationalError, OSError):
                app.state.settings = await server_secrets.resolved(settings)
                log.info("read the secrets kept in the database")
                return

    return asyncio.create_task(keep_trying())


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    access_log.install()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            # From here on, every request reads these: the secrets the environment left
            # unset come from the database (made there on the first run).
            secrets_task = await _resolve_secrets(app, settings)
            ready: Settings = app.state.settings
            if not settings.auth_token:
                log.warning(
                    "TWILIO_AUTH_TOKEN is not set: webhooks are checked with a token voiceapp "
                    "made and keeps in its database, which the built-in emulator (voiceapp "
                    "call --url) uses. A real carrier signs with its account's auth token: "
                    "set TWILIO_AUTH_TOKEN to it."
                )
            await housekeeping.at_start(ready)
            upkeep = asyncio.create_task(housekeeping.keep_house(ready))
            # The outbox's sender (voiceapp.mail): every worker runs one.
            mail = asyncio.create_task(deliver_forever(ready))
            try:
                yield
            finally:
                for task in (upkeep, mail, secrets_task):
                    if task is not None:
                        task.cancel()
                        with suppress(asyncio.CancelledError):
                            await task
                # The Test call page's emulator: its REST API, its registration.
                await test_call_slots.stop_emulator(app)
                close_inline_connections()

    app = Starlette(
        routes=[
            Route("/healthz", health),
            *voice.routes,
            *menu.routes,
            *forwarding.routes,
            *recording_status.routes,
            *calendar_route.routes,
            *media.routes,
            admin.favicon_route(),
            admin.mount(),
        ],
        middleware=[Middleware(BodyLimits)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.answers = AnswerCache(settings.directory_cache_seconds)
    app.state.replies = RenderedReplies(settings.directory_cache_seconds)
    return app
