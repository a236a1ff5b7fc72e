"""The Extensions page: users, ring groups and the virtual receptionist."""

from __future__ import annotations

from collections import defaultdict

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.admin.actions import Deletion, FormPost
from voiceapp.admin.auth import requires_admin
from voiceapp.admin.forms import FormState, field_text
from voiceapp.admin.http import found
from voiceapp.admin.labels import extension_name, kind_label
from voiceapp.admin.locale import request_gettext
from voiceapp.admin.templating import render
from voiceapp.core.models import Extension, ExtensionKind
from voiceapp.switchboard import extensions, numbers

PAGE = "admin:extensions"
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
    reached_by: dict[str, list[str]] = defaultdict(list)
    for number in await numbers.list_numbers():
        reached_by[number.extension.number].append(number.e164)
    _ = request_gettext(request)
    by_kind: dict[ExtensionKind, list[Extension]] = defaultdict(list)
    names: dict[str, str] = {}
    for extension in await extensions.list_extensions():
        by_kind[ExtensionKind(extension.kind)].append(extension)
        names[extension.number] = extension_name(extension, _)
    add_forms = {name: FormState() for name in KINDS}
    if form is not None:
        add_forms[kind] = form
    return render(
        request,
        "admin/extensions.html",
        {
            "by_kind": by_kind,
            "names": names,
            "kinds": ExtensionKind,
            "reached_by": reached_by,
            "users": by_kind[ExtensionKind.USER],
            "add_forms": add_forms,
        },
    )


@requires_admin
async def extensions_page(request: Request) -> Response:
    return await _page(request)


def _kind(request: Request) -> str:
    kind = str(request.path_params["kind"])
    if kind not in KINDS:
        raise HTTPException(404)
    return kind


async def _add(request: Request, form: FormData) -> str:
    added = await extensions.add_extension(
        field_text(form, "extension"),
        KINDS[_kind(request)],
        field_text(form, "name"),
        forward_to=field_text(form, "forward_to") or None,
        members=_members(form),
    )
    _ = request_gettext(request)
    return _("Extension %(extension)s added.") % {"extension": added.number}


async def _show_add_form(request: Request, state: FormState) -> Response:
    return await _page(request, kind=_kind(request), form=state)


async def _find(request: Request) -> Extension:
    extension = await found(extensions.get_extension(request.path_params["number"]))
    if extension.kind is ExtensionKind.CONFERENCE_SERVER:
        raise HTTPException(404)  # managed on the Conferences page
    return extension


async def _show_edit_form(request: Request, state: FormState) -> Response:
    extension = await _find(request)
    users = [e for e in await extensions.list_extensions() if e.kind is ExtensionKind.USER]
    return render(
        request,
        "admin/extension_edit.html",
        {
            "extension": extension,
            "kind_label": kind_label(extension),
            "kinds": ExtensionKind,
            "users": users,
            "form": state,
        },
    )


@requires_admin
async def edit_page(request: Request) -> Response:
    extension = await _find(request)
    await extension.fetch_related("members")
    form = FormState(
        values={"name": extensions.given_name(extension), "forward_to": extension.forward_to or ""},
        lists={"members": [member.number for member in extension.members]},
    )
    return await _show_edit_form(request, form)


async def _update(request: Request, form: FormData) -> str:
    extension = await _find(request)
    kind = ExtensionKind(extension.kind)
    updated = await extensions.update_extension(
        extension.number,
        extensions.ExtensionChange(
            name=field_text(form, "name"),
            forward_to=field_text(form, "forward_to") if kind is ExtensionKind.USER else None,
            members=_members(form) if kind is ExtensionKind.RING_GROUP else None,
        ),
    )
    _ = request_gettext(request)
    return _("Extension %(extension)s saved.") % {"extension": updated.number}


def _ask(request: Request, extension: Extension) -> tuple[str, str]:
    _ = request_gettext(request)
    return _("Delete extension %(extension)s?") % {"extension": extension.number}, _(
        "%(name)s will be deleted. An extension that a phone number maps to cannot be "
        "deleted: map those numbers elsewhere first."
    ) % {"name": extension_name(extension, _)}


async def _delete(request: Request, extension: Extension) -> str:
    removed = await extensions.remove_extension(extension.number)
    _ = request_gettext(request)
    return _("Extension %(extension)s deleted.") % {"extension": removed.number}


EXTENSION = "/extensions/{number}"
routes = [
    Route("/extensions", extensions_page, methods=["GET"], name="extensions"),
    FormPost(_add, _show_add_form, FIELDS, PAGE, LISTS).route(
        "/extensions/new/{kind}", "extension_add"
    ),
    Route(EXTENSION, edit_page, methods=["GET"], name="extension_edit"),
    FormPost(_update, _show_edit_form, FIELDS, PAGE, LISTS).route(
        EXTENSION, "extension_edit_submit"
    ),
    *Deletion(_find, _ask, _delete, PAGE).routes(EXTENSION + "/delete", "extension_delete"),
]
