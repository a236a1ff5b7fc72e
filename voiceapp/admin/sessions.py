"""The admin session cookie, signed with the key the running server resolved.

Starlette's SessionMiddleware wants its key when the app is built, but with no
VOICEAPP_SECRET_KEY the key only exists once the database is open (server_secrets makes
it on the first run): this wrapper builds the middleware on the first request, from the
settings the app's startup resolved, and again only if that key changes.
"""

from __future__ import annotations

from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from voiceapp.core.settings import Settings

COOKIE = "voiceapp_admin"
WAITING = (
    "The admin pages are waiting for the database, where their session key is kept: "
    "check VOICEAPP_DATABASE_URL and that the database is running. Retrying every few seconds."
)
# How long a login lasts. The cookie is signed with a timestamp, so an old one stops
# working even if a browser keeps it.
SECONDS = 12 * 60 * 60


class AdminSessions:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._key = ""
        self._sessions: SessionMiddleware | None = None

    def _for(self, settings: Settings) -> SessionMiddleware:
        if self._sessions is None or settings.secret_key != self._key:
            self._key = settings.secret_key
            self._sessions = SessionMiddleware(
                self.app,
                secret_key=settings.secret_key,
                session_cookie=COOKIE,
                max_age=SECONDS,
                path="/admin",
                same_site="lax",
                https_only=settings.public_url.startswith("https://"),
            )
        return self._sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings: Settings = scope["app"].state.settings
        if not settings.secret_key:
            # The key is kept in the database, which could not be read yet (app.py
            # keeps trying): say so rather than sign sessions with nothing.
            if scope["type"] == "http":
                waiting = PlainTextResponse(WAITING, status_code=503, headers={"Retry-After": "5"})
                await waiting(scope, receive, send)
            else:
                await send({"type": "websocket.close", "code": 1013})
            return
        await self._for(settings)(scope, receive, send)
