"""Logging in and out, the language switcher, and /admin/ itself."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.accounts import admins, first_admin, login_throttle
from voiceapp.admin import auth
from voiceapp.admin.csrf import verified_form
from voiceapp.admin.forms import GENERAL, FormState, field_text
from voiceapp.admin.http import see_other, settings_of
from voiceapp.admin.locale import SESSION_KEY as LANGUAGE_KEY
from voiceapp.admin.locale import request_gettext
from voiceapp.admin.templating import flash, render
from voiceapp.core.i18n import LANGUAGES

HOME = "admin:conferences"


@auth.requires_login
async def index(request: Request) -> Response:
    """An admin's first page is Conferences; an organizer's, their contacts."""
    return see_other(request.url_for(auth.home_of(auth.signed_in(request))))


async def _login_form(request: Request, state: FormState, *, status_code: int = 200) -> Response:
    # With no account yet, the page says how to make the first one instead of asking
    # for a password that cannot exist.
    context = {"form": state, "setup_needed": await first_admin.needed()}
    return render(request, "admin/login.html", context, status_code=status_code)


async def login_page(request: Request) -> Response:
    return await _login_form(
        request, FormState(values={"next": request.query_params.get("next", "")})
    )


async def login(request: Request) -> Response:
    form = await verified_form(request)
    username = field_text(form, "username").strip()
    password = field_text(form, "password")
    # The password is never put back in the form, logged, or kept anywhere.
    state = FormState(values={"username": username, "next": field_text(form, "next")})
    _ = request_gettext(request)
    settings = settings_of(request)
    address = request.client.host if request.client else "unknown"
    # Counted before the password is checked, so that guesses sent at once cannot all be
    # checked: see attempt_limits.
    admission = await login_throttle.admit_login(username, address, settings)
    if not admission.admitted:
        state.errors[GENERAL] = _("Too many failed logins. Please try again in a few minutes.")
        return await _login_form(request, state, status_code=429)
    user = await admins.authenticate(username, password)
    if user is None:
        login_throttle.login_failed(username, address)
        state.errors[GENERAL] = _("Wrong username or password.")
        return await _login_form(request, state, status_code=400)
    await login_throttle.login_succeeded(admission, username)
    auth.log_in(request, user)
    return see_other(auth.safe_next(state.value("next")) or request.url_for(auth.home_of(user)))


async def logout(request: Request) -> Response:
    await verified_form(request)
    await auth.end_every_session(request)
    _ = request_gettext(request)
    flash(request, _("You are logged out everywhere: every session of this account has ended."))
    return see_other(request.url_for("admin:login"))


async def choose_language(request: Request) -> Response:
    form = await verified_form(request)
    language = field_text(form, "language")
    if language in LANGUAGES:
        request.session[LANGUAGE_KEY] = language
    return see_other(auth.safe_next(field_text(form, "next")) or request.url_for("admin:index"))


routes = [
    Route("/", index, name="index"),
    Route("/login", login_page, methods=["GET"], name="login"),
    Route("/login", login, methods=["POST"], name="login_submit"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/language", choose_language, methods=["POST"], name="language"),
]
