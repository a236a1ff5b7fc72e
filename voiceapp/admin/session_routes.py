"""Logging in and out, the language switcher, and /admin/ itself."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.accounts import admins, login_throttle
from voiceapp.admin import auth
from voiceapp.admin.csrf import verified_form
from voiceapp.admin.forms import GENERAL, FormState, field_text
from voiceapp.admin.http import see_other, settings_of
from voiceapp.admin.locale import SESSION_KEY as LANGUAGE_KEY
from voiceapp.admin.locale import request_gettext
from voiceapp.admin.templating import flash, render
from voiceapp.core.i18n import LANGUAGES

HOME = "admin:conferences"


@auth.requires_admin
async def index(request: Request) -> Response:
    return see_other(request.url_for(HOME))


async def login_page(request: Request) -> Response:
    state = FormState(values={"next": request.query_params.get("next", "")})
    return render(request, "admin/login.html", {"form": state})


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
        return render(request, "admin/login.html", {"form": state}, status_code=429)
    user = await admins.authenticate(username, password)
    if user is None:
        login_throttle.login_failed(username, address)
        state.errors[GENERAL] = _("Wrong username or password.")
        return render(request, "admin/login.html", {"form": state}, status_code=400)
    await login_throttle.login_succeeded(admission, username)
    auth.log_in(request, user)
    return see_other(auth.safe_next(state.value("next")) or request.url_for(HOME))


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
    return see_other(auth.safe_next(field_text(form, "next")) or request.url_for(HOME))


routes = [
    Route("/", index, name="index"),
    Route("/login", login_page, methods=["GET"], name="login"),
    Route("/login", login, methods=["POST"], name="login_submit"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/language", choose_language, methods=["POST"], name="language"),
]
