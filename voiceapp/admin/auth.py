"""Who is logged in: the admin's id in the signed session cookie, checked on every page.

Two guards: `requires_login` serves any account (an organizer's own pages: Account,
contacts, groups, meetings); `requires_admin` serves admins only, and shows anyone else
a page saying what their account cannot do. The account's role is read with it on every
request, so a change of role applies at the next click.

The cookie is signed (itsdangerous, VOICEAPP_SECRET_KEY) and holds no secret, only the
admin's id and the account's session generation when it logged in. Each request reloads
the account, so deleting an admin ends their sessions, and so does moving the account to
a new generation (logging out, changing the password): a signed cookie cannot be taken
back from whoever copied it, but it can stop matching.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response

from voiceapp.accounts import admins
from voiceapp.admin import csrf
from voiceapp.admin.locale import SESSION_KEY as LANGUAGE_KEY
from voiceapp.admin.locale import request_gettext
from voiceapp.admin.templating import flash, render
from voiceapp.core.models import AccountRole, AdminUser

SESSION_KEY = "admin_id"
EPOCH_KEY = "admin_epoch"
Handler = Callable[[Request], Awaitable[Response]]
# The first page after logging in, and /admin/ itself, for each role.
# An organizer comes to schedule: their meetings come first.
HOME = {AccountRole.ADMIN: "admin:conferences", AccountRole.ORGANIZER: "admin:meetings"}


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


async def current_admin(request: HTTPConnection) -> AdminUser | None:
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
    absolute or protocol-relative URL here would make the login an open redirect (a
    backslash too: some browsers read it as a slash)."""
    if (
        target
        and target.startswith("/admin/")
        and not target.startswith("/admin//")
        and "\\" not in target
    ):
        return target
    return None


def home_of(user: AdminUser) -> str:
    """The route of the account's first page."""
    return HOME.get(AccountRole(user.role), HOME[AccountRole.ORGANIZER])


def not_for_your_role(request: Request) -> Response:
    """The page an organizer gets for an admin's page: what they cannot do, and the way
    back to their own pages. Nothing of the page asked for is read."""
    _ = request_gettext(request)
    context = {
        "status": 403,
        "title": _("Only admins can open this page"),
        "text": _(
            "Your account cannot change rooms, numbers, extensions or accounts, or see "
            "the calls: an organizer schedules meetings and keeps their own contacts and "
            "groups. Ask an admin if something here needs changing."
        ),
        "back": str(request.url_for("admin:index")),
        "back_label": _("Back to your pages"),
    }
    return render(request, "admin/error.html", context, status_code=403)


def page_address(request: Request) -> str:
    """This page's path and query ("/admin/history?page=3"), to come back to it."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _to_login(request: Request) -> Response:
    """The login page, then back here. A form posted after the session ended (a logout in
    another tab, the 12 hours) was not saved: the login page says so, and leads back to
    the page the form was on."""
    login = request.url_for("admin:login")
    if request.method == "GET":
        return RedirectResponse(
            str(login.replace_query_params(next=page_address(request))), status_code=303
        )
    _ = request_gettext(request)
    flash(
        request,
        _(
            "Your session had ended, so the form you sent was not saved: "
            "log in, then send it again."
        ),
    )
    came_from = safe_next(same_site_path(request.headers.get("referer", ""), request))
    if came_from:
        login = login.replace_query_params(next=came_from)
    return RedirectResponse(str(login), status_code=303)


def same_site_path(referer: str, request: Request) -> str:
    """The path and query of `referer` when it is a page of this site, else ""."""
    parts = urlsplit(referer)
    if parts.netloc != request.url.netloc or parts.scheme not in ("http", "https"):
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


def signed_in(request: Request) -> AdminUser:
    """The account a guarded handler (requires_login, requires_admin) runs for."""
    account: AdminUser = request.state.admin_user
    return account


def _guard(handler: Handler, *, admins_only: bool) -> Handler:
    @wraps(handler)
    async def guarded(request: Request) -> Response:
        user = await current_admin(request)
        if user is None:
            return _to_login(request)
        request.state.admin_user = user
        if admins_only and user.role is not AccountRole.ADMIN:
            return not_for_your_role(request)
        if request.method not in ("GET", "HEAD"):
            await csrf.verified_form(request)
        return await handler(request)

    return guarded


def requires_login(handler: Handler) -> Handler:
    """Serve `handler` to any logged-in account, admin or organizer; send anyone else to
    the login page. The handler shows or changes only that account's own things.

    A POST must also carry the session's CSRF token (403 otherwise), checked here before
    the handler looks anything up, so no action can forget it.
    """
    return _guard(handler, admins_only=False)


def requires_admin(handler: Handler) -> Handler:
    """Serve `handler` to a logged-in admin; an organizer gets a 403 page saying their
    account cannot do this; anyone else is sent to the login page. CSRF as above."""
    return _guard(handler, admins_only=True)
