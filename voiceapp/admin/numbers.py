"""The Numbers page: each phone number, where it goes, and the language it greets in."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.admin.actions import Deletion, FormPost
from voiceapp.admin.auth import requires_admin
from voiceapp.admin.forms import FormState, field_text
from voiceapp.admin.http import found, settings_of
from voiceapp.admin.labels import CALLER_LANGUAGES, destination_options, options
from voiceapp.admin.locale import request_gettext
from voiceapp.admin.templating import render
from voiceapp.core.models import PhoneNumber
from voiceapp.media import greetings
from voiceapp.switchboard import numbers
from voiceapp.switchboard.extensions import list_extensions

PAGE = "admin:numbers"
FIELDS = ("number", "extension", "language")


async def _page(
    request: Request,
    *,
    add_form: FormState | None = None,
    row_forms: dict[str, FormState] | None = None,
) -> Response:
    _ = request_gettext(request)
    mapped = await numbers.list_numbers()
    rows = {
        number.e164: FormState(
            values={"extension": number.extension.number, "language": number.language.value}
        )
        for number in mapped
    }
    rows.update(row_forms or {})
    return render(
        request,
        "admin/numbers.html",
        {
            "numbers": mapped,
            "row_forms": rows,
            "add_form": add_form or FormState(values={"language": "fr"}),
            "destinations": destination_options(await list_extensions(), _),
            "language_options": options(CALLER_LANGUAGES, _),
        },
    )


@requires_admin
async def numbers_page(request: Request) -> Response:
    return await _page(request)


def _mapped(request: Request, number: PhoneNumber) -> str:
    _ = request_gettext(request)
    return _("%(number)s now reaches extension %(extension)s.") % {
        "number": number.e164,
        "extension": number.extension.number,
    }


async def _add_number(request: Request, form: FormData) -> str:
    added = await numbers.add_number(
        field_text(form, "number"), field_text(form, "extension"), field_text(form, "language")
    )
    return _mapped(request, added)


async def _show_add_form(request: Request, state: FormState) -> Response:
    return await _page(request, add_form=state)


async def _update_number(request: Request, form: FormData) -> str:
    updated = await numbers.update_number(
        request.path_params["number"],
        extension_number=field_text(form, "extension"),
        language=field_text(form, "language"),
    )
    return _mapped(request, updated)


async def _show_row_form(request: Request, state: FormState) -> Response:
    number = await _find_number(request)
    return await _page(request, row_forms={number.e164: state})


async def _find_number(request: Request) -> PhoneNumber:
    # Not a number, or not ours: a 404 either way.
    return await found(numbers.get_number(request.path_params["number"]))


def _ask(request: Request, number: PhoneNumber) -> tuple[str, str]:
    _ = request_gettext(request)
    return (
        _("Remove %(number)s?") % {"number": number.e164},
        _("Calls to %(number)s will no longer be answered.") % {"number": number.e164},
    )


async def _remove(request: Request, number: PhoneNumber) -> str:
    removed = await numbers.remove_number(number.e164)
    greetings.forget_recording(removed, settings_of(request))
    _ = request_gettext(request)
    return _("%(number)s removed.") % {"number": removed.e164}


NUMBER = "/numbers/{number}"
routes = [
    Route("/numbers", numbers_page, methods=["GET"], name="numbers"),
    FormPost(_add_number, _show_add_form, FIELDS, PAGE).route("/numbers", "number_add"),
    FormPost(_update_number, _show_row_form, FIELDS, PAGE).route(NUMBER, "number_update"),
    *Deletion(_find_number, _ask, _remove, PAGE).routes(NUMBER + "/delete", "number_remove"),
]
