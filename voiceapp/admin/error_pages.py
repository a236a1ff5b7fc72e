"""The admin's pages for what went wrong: a refused form (its CSRF token did not match),
no such page, a fault of ours. Styled and translated like every admin page, with a way
back, and never the text of an exception.

`middleware()` is the innermost middleware of the /admin mount: Starlette's own
ExceptionMiddleware with the handlers below. There, it answers both an HTTPException
raised by a handler (a 404 for a room that does not exist, the 403 of csrf.py) and one
raised by the mount's router (no such admin page, not with this method), and any other
exception; inside the session (so the page speaks the admin's language) and inside the
security headers. The carrier webhooks, outside the mount, keep their own answers.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response

from voiceapp.admin.auth import safe_next, same_site_path
from voiceapp.admin.locale import request_gettext
from voiceapp.admin.templating import render

log = logging.getLogger(__name__)

HOME = "/admin/"


def back_to(request: Request) -> str:
    """Where "back" goes after a refused form: the admin page the form was on, when the
    browser says so (Referer) and it is one of ours on this host; else /admin/. Only a
    path is kept, so the link can never lead to another site."""
    return safe_next(same_site_path(request.headers.get("referer", ""), request)) or HOME


def _page(
    request: Request,
    status: int,
    *,
    title: str,
    text: str,
    back: str,
    back_label: str,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {
        "status": status,
        "title": title,
        "text": text,
        "back": back,
        "back_label": back_label,
    }
    response = render(request, "admin/error.html", context, status_code=status)
    response.headers.update(headers or {})
    return response


async def http_error(request: Request, error: Exception) -> Response:
    """An HTTPException as a page: its status, a sentence in the admin's language."""
    if not isinstance(error, HTTPException):  # registered for HTTPException only
        return await server_error(request, error)
    _ = request_gettext(request)
    status = error.status_code
    if status == 403:
        # The admin pages answer 403 only to a form whose CSRF token does not match
        # (csrf.verified_form): it was open longer than the session, or another site sent it.
        return _page(
            request,
            status,
            title=_("This form has expired"),
            text=_(
                "Nothing was changed. The form was open for too long, or it was sent "
                "from another site. Go back to the page, reload it and try again."
            ),
            back=back_to(request),
            back_label=_("Back to the page"),
        )
    if status == 404:
        return _page(
            request,
            status,
            title=_("Page not found"),
            text=_(
                "There is nothing at this address: what it showed may have been deleted, "
                "or the link is wrong."
            ),
            back=HOME,
            back_label=_("Back to the admin pages"),
        )
    return _page(
        request,
        status,
        title=_("This request cannot be answered"),
        text=_("The page did not accept this request. Go back and try again."),
        back=HOME,
        back_label=_("Back to the admin pages"),
        # Allow (after a 405), WWW-Authenticate...: the headers the status calls for.
        headers=dict(error.headers or {}),
    )


async def server_error(request: Request, error: Exception) -> Response:
    """Any other exception: logged with its traceback, shown as a plain apology. Nothing
    of the exception reaches the page, which could hold data or a secret."""
    log.error("admin page %s %s failed", request.method, request.url.path, exc_info=error)
    _ = request_gettext(request)
    return _page(
        request,
        500,
        title=_("Something went wrong"),
        text=_(
            "This page could not be shown because of a fault on the server. It has been "
            "logged. Please try again in a moment."
        ),
        back=HOME,
        back_label=_("Back to the admin pages"),
    )


def middleware() -> Middleware:
    """The error pages, as the last middleware of the /admin mount (see the docstring)."""
    return Middleware(
        ExceptionMiddleware, handlers={HTTPException: http_error, Exception: server_error}
    )
