"""CSRF protection: every admin form carries a token that a forged cross-site POST lacks.

The token lives in the signed session cookie and is repeated in a hidden field of every
form; a POST whose field does not match is refused with 403 before anything is read
from it. (SameSite=Lax already stops most cross-site POSTs; the token covers browsers
and same-site subdomains where it does not.)
"""

from __future__ import annotations

import hmac
import logging
import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request

log = logging.getLogger(__name__)

SESSION_KEY = "csrf"
FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    """This session's token, made on first use."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def rotate(request: Request) -> None:
    """A new token, at login: one seen before login is not valid for the admin's session."""
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)


async def verified_form(request: Request) -> FormData:
    """The POSTed form, once its CSRF token matches the session's; 403 otherwise."""
    try:
        form = await request.form()
    except ClientDisconnect:
        # The browser went away mid-upload (a tab closed, a connection lost): nobody is
        # left to answer, and nothing failed here, so one line rather than a traceback.
        log.info(
            "admin form to %s abandoned: the browser left before sending it all", request.url.path
        )
        raise HTTPException(400) from None
    sent = form.get(FIELD)
    expected = request.session.get(SESSION_KEY)
    if not (
        isinstance(sent, str)
        and isinstance(expected, str)
        and expected
        and hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise HTTPException(403, "This form has expired or did not come from this site.")
    return form
