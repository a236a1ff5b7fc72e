"""The Numbers page: each phone number, where it goes, and the language it greets in."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp import directory
from voiceapp.admin.actions import confirm_page, form_action
from voiceapp.admin.auth import requires_admin
from voiceapp.admin.forms import FormState, field_text
from voiceapp.admin.labels import CALLER_LANGUAGES, destination_options, options
from voiceapp.admin.locale import request_gettext
from voiceapp.admin.templating import render
from voiceapp.errors import VoiceappError
from voiceapp.extensions import list_extensions
from voiceapp.models import PhoneNumber

NUMBER_FIELDS = ("number", "extension", "language")


async def _page(
    request: Request,
    *,
    add_form: FormState | None = None,
    row_forms: dict[str, FormState] | None = None,
) -> Response:
    _ = request_gettext(request)
    numbers = await directory.list_numbers()
    rows = {
        number.e164: FormState(
            values={"extension": number.extension.number, "language": number.language.value}
        )
        for number in numbers
    }
    rows.update(row_forms or {})
    return render(
        request,
        "admin/numbers.html",
        {
            "numbers": numbers,
            "row_forms": rows,
            "add_form": add_form or FormState(values={"language": "fr"}),
            "destinations": destination_options(await list_extensions(), _),
            "language_options": options(CALLER_LANGUAGES, _),
        },
    )


async def _number(raw: str) -> PhoneNumber:
    try:
        return await directory.get_number(raw)
    except VoiceappError:  # not a number, or not ours
        raise HTTPException(404) from None


@requires_admin
async def numbers_page(request: Request) -> Response:
    return await _page(request)


@requires_admin
async def add_number(request: Request) -> Response:
    _ = request_gettext(request)

    async def change(form: FormData) -> str:
        added = await directory.add_number(
            field_text(form, "number"), field_text(form, "extension"), field_text(form, "language")
        )
        return _("%(number)s now reaches extension %(extension)s.") % {
            "number": added.e164,
            "extension": field_text(form, "extension").strip(),
        }

    async def redisplay(state: FormState) -> Response:
        return await _page(request, add_form=state)

    return await form_action(
        request,
        change,
        fields=NUMBER_FIELDS,
        redisplay=redisplay,
        then=request.url_for("admin:numbers"),
    )


@requires_admin
async def update_number(request: Request) -> Response:
    _ = request_gettext(request)
    number = await _number(request.path_params["number"])

    async def change(form: FormData) -> str:
        updated = await directory.update_number(
            number.e164,
            extension_number=field_text(form, "extension"),
            language=field_text(form, "language"),
        )
        return _("%(number)s now reaches extension %(extension)s.") % {
            "number": updated.e164,
            "extension": updated.extension.number,
        }

    async def redisplay(state: FormState) -> Response:
        return await _page(request, row_forms={number.e164: state})

    return await form_action(
        request,
        change,
        fields=NUMBER_FIELDS,
        redisplay=redisplay,
        then=request.url_for("admin:numbers"),
    )


def _confirm_remove(
    request: Request, number: PhoneNumber, form: FormState | None = None
) -> Response:
    _ = request_gettext(request)
    return confirm_page(
        request,
        title=_("Remove %(number)s?") % {"number": number.e164},
        question=_("Calls to %(number)s will no longer be answered.") % {"number": number.e164},
        action=request.url_for("admin:number_remove_submit", number=number.e164),
        cancel=request.url_for("admin:numbers"),
        form=form,
    )


@requires_admin
async def confirm_remove(request: Request) -> Response:
    return _confirm_remove(request, await _number(request.path_params["number"]))


@requires_admin
async def remove_number(request: Request) -> Response:
    _ = request_gettext(request)
    number = await _number(request.path_params["number"])

    async def change(form: FormData) -> str:
        removed = await directory.remove_number(number.e164)
        return _("%(number)s removed.") % {"number": removed}

    async def redisplay(state: FormState) -> Response:
        return _confirm_remove(request, number, state)

    return await form_action(
        request, change, fields=(), redisplay=redisplay, then=request.url_for("admin:numbers")
    )


NUMBER = "/numbers/{number}"
routes = [
    Route("/numbers", numbers_page, methods=["GET"], name="numbers"),
    Route("/numbers", add_number, methods=["POST"], name="number_add"),
    Route(NUMBER, update_number, methods=["POST"], name="number_update"),
    Route(NUMBER + "/delete", confirm_remove, methods=["GET"], name="number_remove"),
    Route(NUMBER + "/delete", remove_number, methods=["POST"], name="number_remove_submit"),
]
