"""Run the app inside this process for the emulator: no server, the configured database."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from voiceapp.app import create_app
from voiceapp.core.settings import Settings
from voiceapp.emulator.carrier import Carrier
from voiceapp.emulator.events import Event
from voiceapp.emulator.sids import ACCOUNT_SID


@asynccontextmanager
async def in_process_carrier(
    settings: Settings,
    *,
    echo: Callable[[Event], None] | None = None,
    account_sid: str = ACCOUNT_SID,
) -> AsyncIterator[Carrier]:
    """A Carrier wired straight to a fresh app (lifespan included) on `settings`.

    Without TWILIO_AUTH_TOKEN a throwaway token is shared by both sides, so a test call
    works on a fresh install; signatures are still made and checked. (A server's Live
    controls ask an emulator's REST API with the server's token: `voiceapp call --stay`
    passes the token the database keeps.)
    """
    if not settings.auth_token:
        settings = dataclasses.replace(settings, auth_token=secrets.token_hex(16))
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client,
    ):
        yield Carrier(
            client,
            settings.public_url,
            settings.auth_token,
            echo=echo,
            media_dir=settings.media_dir,
            account_sid=account_sid,
        )


@asynccontextmanager
async def remote_carrier(
    base_url: str,
    auth_token: str,
    *,
    echo: Callable[[Event], None] | None = None,
    media_dir: Path | None = None,
    account_sid: str = ACCOUNT_SID,
) -> AsyncIterator[Carrier]:
    """A Carrier calling a running voiceapp server over HTTP; `media_dir`, the server's
    media directory when it is on this machine, receives the recordings (Carrier)."""
    async with httpx.AsyncClient(timeout=15.0) as client:  # the carrier's own webhook timeout
        yield Carrier(
            client, base_url, auth_token, echo=echo, media_dir=media_dir, account_sid=account_sid
        )
