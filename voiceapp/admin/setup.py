"""/admin/setup: the first admin account, made with the link `voiceapp serve` prints."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.accounts import admins, first_admin
from voiceapp.admin import auth
from voiceapp.admin.actions import status_for
from voiceapp.admin.csrf import verified_form
from voiceapp.admin.forms import FormState, field_text, with_error
from voiceapp.admin.http import see_other
from voiceapp.admin.locale import request_gettext, request_language
from voiceapp.admin.session_routes import HOME
from voiceapp.admin.templating import flash, render
from voiceapp.core.errors import InvalidInput, VoiceappError
from voiceapp.core.i18n import N_

FIELDS = ("username", "password", "password_again")


def _page(request: Request, state: FormState, *, link_works: bool, status_code: int) -> Response:
    context = {
        "form": state,
        "link_works": link_works,
        "password_min": admins.PASSWORD_MIN,
        "admin_exists": not link_works and state.value("admin_exists") == "yes",
    }
    return render(request, "admin/setup.html", context, status_code=status_code)


async def setup_page(request: Request) -> Response:
    token = request.query_params.get("token", "")
    works = await first_admin.is_open(token)
    state = FormState(values={"token": token if works else ""})
    if not works and not await first_admin.needed():
        state.values["admin_exists"] = "yes"
    # 404 for a dead link: the page still says what to do instead.
    return _page(request, state, link_works=works, status_code=200 if works else 404)


async def create_first_admin(request: Request) -> Response:
    form = await verified_form(request)
    token = field_text(form, "token")
    state = FormState(values={"token": token, "username": field_text(form, "username").strip()})
    password = field_text(form, "password")
    try:
        if password != field_text(form, "password_again"):
            raise InvalidInput(N_("the two passwords differ"), field="password_again")
        user = await first_admin.create_first_admin(token, state.value("username"), password)
    except VoiceappError as error:
        works = await first_admin.is_open(token)
        with_error(state, error, FIELDS, request_language(request))
        return _page(request, state, link_works=works, status_code=status_for(error))
    auth.log_in(request, user)
    _ = request_gettext(request)
    flash(request, _("Welcome: your admin account %(name)s is ready.") % {"name": user.username})
    return see_other(request.url_for(HOME))


routes = [
    Route("/setup", setup_page, methods=["GET"], name="setup"),
    Route("/setup", create_first_admin, methods=["POST"], name="setup_submit"),
]
