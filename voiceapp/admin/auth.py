"""Who is logged in: the admin's id in the signed session cookie, checked on every page.

The cookie is signed (itsdangerous, VOICEAPP_SECRET_KEY) and holds no secret, only the
admin's id. Each request reloads the account, so deleting an admin ends their sessions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from voiceapp import accounts
from voiceapp.admin import csrf
from voiceapp.admin.locale import SESSION_KEY as LANGUAGE_KEY
from voiceapp.models import AdminUser

SESSION_KEY = "admin_id"
Handler = Callable[[Request], Awaitable[Response]]


def log_out(request: Request) -> None:
    """End the session, keeping only the language choice, which is not the admin's secret."""
    language = request.session.get(LANGUAGE_KEY)
    request.session.clear()
    if language:
        request.session[LANGUAGE_KEY] = language


def log_in(request: Request, user: AdminUser) -> None:
    """Start a fresh session for `user`: nothing from before the login carries over."""
    log_out(request)
    request.session[SESSION_KEY] = user.pk
    csrf.rotate(request)


def safe_next(target: str | None) -> str | None:
    """A post-login destination, only if it is a path inside the admin pages: an
    absolute or protocol-relative URL here would make the login an open redirect."""
    if target and target.startswith("/admin/") and not target.startswith("/admin//"):
        return target
    return None


def requires_admin(handler: Handler) -> Handler:
    """Serve `handler` to a logged-in admin; send anyone else to the login page.

    A POST must also carry the session's CSRF token (403 otherwise), checked here before
    the handler looks anything up, so no action can forget it.
    """

    @wraps(handler)
    async def guarded(request: Request) -> Response:
        user_id = request.session.get(SESSION_KEY)
        user = await accounts.get_admin(user_id) if isinstance(user_id, int) else None
        if user is None:
            login = request.url_for("admin:login")
            if request.method == "GET":
                login = login.replace_query_params(next=request.url.path)
            return RedirectResponse(str(login), status_code=303)
        if request.method not in ("GET", "HEAD"):
            await csrf.verified_form(request)
        request.state.admin_user = user
        return await handler(request)

    return guarded
