"""Who is logged in: the admin's id in the signed session cookie, checked on every page.

The cookie is signed (itsdangerous, VOICEAPP_SECRET_KEY) and holds no secret, only the
admin's id and the account's session generation when it logged in. Each request reloads
the account, so deleting an admin ends their sessions, and so does moving the account to
a new generation (logging out, changing the password): a signed cookie cannot be taken
back from whoever copied it, but it can stop matching.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from voiceapp.accounts import admins
from voiceapp.admin import csrf
from voiceapp.admin.locale import SESSION_KEY as LANGUAGE_KEY
from voiceapp.core.models import AdminUser

SESSION_KEY = "admin_id"
EPOCH_KEY = "admin_epoch"
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
    request.session[EPOCH_KEY] = user.session_epoch
    csrf.rotate(request)


async def end_every_session(request: Request) -> None:
    """Log the admin out of this session and of every other one, copies of this cookie
    included; clearing this cookie alone would leave any copy of it logged in."""
    user_id = request.session.get(SESSION_KEY)
    epoch = request.session.get(EPOCH_KEY)
    if isinstance(user_id, int) and isinstance(epoch, int):
        await admins.end_sessions(user_id, epoch)
    log_out(request)


async def current_admin(request: Request) -> AdminUser | None:
    """The admin this session is logged in as, or None: no login, the account deleted, or
    the session ended since (a logout anywhere, a new password). A session from before
    generations were kept has none, and counts as ended."""
    user_id = request.session.get(SESSION_KEY)
    epoch = request.session.get(EPOCH_KEY)
    if not isinstance(user_id, int) or not isinstance(epoch, int):
        return None
    # The same one query per request as before: the generation is a column of the row.
    user = await admins.get_admin(user_id)
    if user is None or user.session_epoch != epoch:
        return None
    return user


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
        user = await current_admin(request)
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
