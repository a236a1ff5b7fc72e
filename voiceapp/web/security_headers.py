"""Response headers that make the admin pages harder to attack from other sites."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = {
    # Only our own stylesheet and script; no inline script, so injected markup cannot run;
    # forms post only to us; no other site may frame the pages (clickjacking).
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """Plain ASGI middleware adding HEADERS to every admin response, error pages included.

    Two kinds of error are answered outside the admin mount, past this middleware, so it
    answers them itself: the router's own 404 (no such admin page) and 405 (not with this
    method), which it raises for the app to turn into a page; and any exception, which
    Starlette turns into a 500 further out. For the latter it sends the same plain 500
    and lets the exception go on, so that the server still logs it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except HTTPException as error:
            if started:
                raise
            page = PlainTextResponse(error.detail, error.status_code, headers=error.headers)
            await page(scope, receive, send_with_headers)
        except Exception:
            if not started:
                page = PlainTextResponse("Internal Server Error", status_code=500)
                await page(scope, receive, send_with_headers)
            raise
