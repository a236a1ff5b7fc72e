"""The Extensions page: users, ring groups and the virtual receptionist."""

from __future__ import annotations

from collections import defaultdict

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp import directory, extensions
from voiceapp.admin.actions import confirm_page, form_action
from voiceapp.admin.auth import requires_admin
from voiceapp.admin.forms import FormState, field_text
from voiceapp.admin.labels import kind_label
from voiceapp.admin.locale import request_gettext
from voiceapp.admin.templating import render
from voiceapp.errors import VoiceappError
from voiceapp.models import Extension, ExtensionKind

FIELDS = ("extension", "name", "forward_to", "members")
LISTS = ("members",)
# The kinds an admin adds here, as they appear in URLs.
KINDS = {
    "user": ExtensionKind.USER,
    "ring-group": ExtensionKind.RING_GROUP,
    "receptionist": ExtensionKind.RECEPTIONIST,
}


def _members(form: FormData) -> list[str]:
    return [value for value in form.getlist("members") if isinstance(value, str)]


async def _page(request: Request, *, kind: str = "", form: FormState | None = None) -> Response:
    all_extensions = await extensions.list_extensions()
    reached_by: dict[str, list[str]] = defaultdict(list)
    for number in await directory.list_numbers():
        reached_by[number.extension.number].append(number.e164)
    by_kind: dict[ExtensionKind, list[Extension]] = defaultdict(list)
    for extension in all_extensions:
        by_kind[ExtensionKind(extension.kind)].append(extension)
    add_forms = {name: FormState() for name in KINDS}
    _ = request_gettext(request)
    # Translators: the default name of the virtual receptionist extension.
    add_forms["receptionist"].values["name"] = _("Receptionist")
    if form is not None:
        add_forms[kind] = form
    return render(
        request,
        "admin/extensions.html",
        {
            "by_kind": by_kind,
            "kinds": ExtensionKind,
            "reached_by": reached_by,
            "users": by_kind[ExtensionKind.USER],
            "add_forms": add_forms,
        },
    )


async def _extension(number: str) -> Extension:
    try:
        extension = await extensions.get_extension(number)
    except VoiceappError:
        raise HTTPException(404) from None
    if extension.kind is ExtensionKind.CONFERENCE_SERVER:
        raise HTTPException(404)  # managed on the Conferences page
    return extension


@requires_admin
async def extensions_page(request: Request) -> Response:
    return await _page(request)


@requires_admin
async def add_extension(request: Request) -> Response:
    _ = request_gettext(request)
    kind = request.path_params["kind"]
    if kind not in KINDS:
        raise HTTPException(404)

    async def change(form: FormData) -> str:
        added = await extensions.add_extension(
            field_text(form, "extension"),
            KINDS[kind],
            field_text(form, "name"),
            forward_to=field_text(form, "forward_to") or None,
            members=_members(form),
        )
        return _("Extension %(extension)s added.") % {"extension": added.number}

    async def redisplay(state: FormState) -> Response:
        return await _page(request, kind=kind, form=state)

    return await form_action(
        request,
        change,
        fields=FIELDS,
        lists=LISTS,
        redisplay=redisplay,
        then=request.url_for("admin:extensions"),
    )


async def _edit_page(request: Request, extension: Extension, form: FormState) -> Response:
    users = [user for user in await extensions.list_extensions() if user.kind is ExtensionKind.USER]
    return render(
        request,
        "admin/extension_edit.html",
        {
            "extension": extension,
            "kind_label": kind_label(extension),
            "kinds": ExtensionKind,
            "users": users,
            "form": form,
        },
    )


@requires_admin
async def edit_page(request: Request) -> Response:
    extension = await _extension(request.path_params["number"])
    await extension.fetch_related("members")
    form = FormState(
        values={"name": extension.name, "forward_to": extension.forward_to or ""},
        lists={"members": [member.number for member in extension.members]},
    )
    return await _edit_page(request, extension, form)


@requires_admin
async def update_extension(request: Request) -> Response:
    _ = request_gettext(request)
    extension = await _extension(request.path_params["number"])

    async def change(form: FormData) -> str:
        kind = ExtensionKind(extension.kind)
        updated = await extensions.update_extension(
            extension.number,
            extensions.ExtensionChange(
                name=field_text(form, "name"),
                forward_to=field_text(form, "forward_to") if kind is ExtensionKind.USER else None,
                members=_members(form) if kind is ExtensionKind.RING_GROUP else None,
            ),
        )
        return _("Extension %(extension)s saved.") % {"extension": updated.number}

    async def redisplay(state: FormState) -> Response:
        return await _edit_page(request, extension, state)

    return await form_action(
        request,
        change,
        fields=FIELDS,
        lists=LISTS,
        redisplay=redisplay,
        then=request.url_for("admin:extensions"),
    )


def _confirm_delete(
    request: Request, extension: Extension, form: FormState | None = None
) -> Response:
    _ = request_gettext(request)
    return confirm_page(
        request,
        title=_("Delete extension %(extension)s?") % {"extension": extension.number},
        question=_(
            "%(name)s will be deleted. An extension that a phone number maps to cannot be "
            "deleted: map those numbers elsewhere first."
        )
        % {"name": extension.name},
        action=request.url_for("admin:extension_delete_submit", number=extension.number),
        cancel=request.url_for("admin:extensions"),
        form=form,
    )


@requires_admin
async def confirm_delete(request: Request) -> Response:
    return _confirm_delete(request, await _extension(request.path_params["number"]))


@requires_admin
async def delete_extension(request: Request) -> Response:
    _ = request_gettext(request)
    extension = await _extension(request.path_params["number"])

    async def change(form: FormData) -> str:
        removed = await extensions.remove_extension(extension.number)
        return _("Extension %(extension)s deleted.") % {"extension": removed.number}

    async def redisplay(state: FormState) -> Response:
        return _confirm_delete(request, extension, state)

    return await form_action(
        request, change, fields=(), redisplay=redisplay, then=request.url_for("admin:extensions")
    )


EXTENSION = "/extensions/{number}"
routes = [
    Route("/extensions", extensions_page, methods=["GET"], name="extensions"),
    Route("/extensions/new/{kind}", add_extension, methods=["POST"], name="extension_add"),
    Route(EXTENSION, edit_page, methods=["GET"], name="extension_edit"),
    Route(EXTENSION, update_extension, methods=["POST"], name="extension_edit_submit"),
    Route(EXTENSION + "/delete", confirm_delete, methods=["GET"], name="extension_delete"),
    Route(
        EXTENSION + "/delete", delete_extension, methods=["POST"], name="extension_delete_submit"
    ),
]
