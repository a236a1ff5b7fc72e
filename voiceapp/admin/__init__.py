"""The admin web pages under /admin/: conferences, numbers, extensions, live rooms, calls,
voicemail.

HTTP only: each handler parses the form, calls the domain module that holds the rule
(conferencing, switchboard, accounts, history), and renders a template.
"""

from __future__ import annotations

from pathlib import Path

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from voiceapp.admin import conferences, extensions, live, numbers, session_routes, voicemail
from voiceapp.core.settings import Settings
from voiceapp.web.security_headers import SecurityHeaders

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SESSION_COOKIE = "voiceapp_admin"
# How long a login lasts. The cookie is signed with a timestamp, so an old one stops
# working even if a browser keeps it.
SESSION_SECONDS = 12 * 60 * 60


async def _disabled(request: Request) -> Response:
    return PlainTextResponse(
        "The admin pages are off: set VOICEAPP_SECRET_KEY (at least 32 random characters) "
        "and restart voiceapp.",
        status_code=503,
    )


def mount(settings: Settings) -> Mount:
    """The /admin mount for the app. Without a secret key to sign sessions with, every
    admin URL says how to turn the pages on: a key made up here would differ between
    workers and change at each restart, and a built-in one would let anyone forge a login.
    """
    if not settings.secret_key:
        return Mount(
            "/admin",
            routes=[Route("/{path:path}", _disabled, methods=["GET", "HEAD", "POST"])],
            middleware=[Middleware(SecurityHeaders)],
            name="admin",
        )
    return Mount(
        "/admin",
        routes=[
            *session_routes.routes,
            *conferences.routes,
            *numbers.routes,
            *extensions.routes,
            *live.routes,
            *voicemail.routes,
            Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_SECONDS,
                path="/admin",
                same_site="lax",
                https_only=settings.public_url.startswith("https://"),
            ),
        ],
        name="admin",
    )
