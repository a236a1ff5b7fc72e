"""The admin web pages under /admin/: conferences, numbers, extensions, live rooms, calls,
voicemail, accounts, the outbox; and every account's own: meetings (Invite & Schedule,
upcoming, past), contacts, groups, its Account page.

HTTP only: each handler parses the form, calls the domain module that holds the rule
(conferencing, switchboard, accounts, contacts, scheduling, mail, history), and renders
a template.
"""

from __future__ import annotations

from pathlib import Path

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from voiceapp.admin import (
    account,
    account_admin,
    caller_card,
    conferences,
    contact_groups,
    contacts,
    error_pages,
    extensions,
    live,
    meeting_pages,
    numbers,
    outbox,
    recordings,
    schedule,
    session_routes,
    setup,
    test_call,
    voicemail,
)
from voiceapp.admin.sessions import AdminSessions
from voiceapp.web.security_headers import SecurityHeaders

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# The pages' icon (base.html links to it).
ICON = STATIC_DIR / "favicon.svg"


async def _favicon(request: Request) -> FileResponse:
    # A day in the browser's cache: it asks on every page otherwise.
    headers = {"Cache-Control": "public, max-age=86400"}
    return FileResponse(ICON, media_type="image/svg+xml", headers=headers)


def favicon_route() -> Route:
    """/favicon.ico at the app's root, which browsers ask for whatever a page links to
    (a JSON answer, a plain error page): the pages' icon, rather than a 404 logged in
    every browser console."""
    return Route("/favicon.ico", _favicon, methods=["GET"], name="favicon")


def mount() -> Mount:
    """The /admin mount for the app. Sessions are signed with the key the app resolves
    at startup (VOICEAPP_SECRET_KEY, or the one the server made and keeps)."""
    return Mount(
        "/admin",
        routes=[
            *session_routes.routes,
            *setup.routes,
            *conferences.routes,
            *caller_card.routes,
            *numbers.routes,
            *extensions.routes,
            *live.routes,
            *voicemail.routes,
            *recordings.routes,
            *test_call.routes,
            *account.routes,
            *account_admin.routes,
            *contacts.routes,
            *contact_groups.routes,
            *schedule.routes,
            *meeting_pages.routes,
            *outbox.routes,
            Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(AdminSessions),
            # Last, so that its pages have the session (language) and the headers above.
            error_pages.middleware(),
        ],
        name="admin",
    )
