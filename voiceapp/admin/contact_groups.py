"""The Groups page: the logged-in account's named groups of contacts ("Partners"), to
invite as a whole; add, edit (name and members), delete. Each account sees only its own.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.admin.actions import Deletion, FormPost
from voiceapp.admin.auth import requires_login, signed_in
from voiceapp.admin.forms import FormState, field_text
from voiceapp.admin.http import found, row_id
from voiceapp.admin.locale import request_gettext
from voiceapp.admin.templating import render
from voiceapp.contacts import groups, people
from voiceapp.core.models import ContactGroup

PAGE = "admin:groups"
FIELDS = ("name", "members")
LISTS = ("members",)


def _members(form: FormData) -> list[str]:
    return [value for value in form.getlist("members") if isinstance(value, str)]


async def _page(request: Request, *, form: FormState | None = None) -> Response:
    owner = signed_in(request)
    found = await groups.list_groups(owner)
    context = {
        "groups": found,
        "members": {
            group.pk: sorted(group.members, key=lambda c: (c.name, c.email)) for group in found
        },
        "contacts": await people.list_contacts(owner),
        "add_form": form or FormState(),
    }
    return render(request, "admin/groups.html", context)


@requires_login
async def groups_page(request: Request) -> Response:
    return await _page(request)


async def _add(request: Request, form: FormData) -> str:
    group = await groups.add_group(signed_in(request), field_text(form, "name"), _members(form))
    _ = request_gettext(request)
    return _("Group %(name)s added.") % {"name": group.name}


async def _show_add_form(request: Request, state: FormState) -> Response:
    return await _page(request, form=state)


async def _find(request: Request) -> ContactGroup:
    return await found(groups.get_group(signed_in(request), row_id(request, "group_id")))


async def _show_edit_form(request: Request, state: FormState) -> Response:
    group = await _find(request)
    contacts = await people.list_contacts(signed_in(request))
    context = {"group": group, "contacts": contacts, "form": state}
    return render(request, "admin/group_edit.html", context)


@requires_login
async def edit_page(request: Request) -> Response:
    group = await _find(request)
    members = await groups.members_of(group)
    form = FormState(
        values={"name": group.name}, lists={"members": [member.email for member in members]}
    )
    return await _show_edit_form(request, form)


async def _update(request: Request, form: FormData) -> str:
    group = await _find(request)
    saved = await groups.update_group(
        signed_in(request), group.pk, field_text(form, "name"), _members(form)
    )
    _ = request_gettext(request)
    return _("Group %(name)s saved.") % {"name": saved.name}


def _ask(request: Request, group: ContactGroup) -> tuple[str, str]:
    _ = request_gettext(request)
    return _("Delete the group %(name)s?") % {"name": group.name}, _(
        "The group is deleted; its members stay in your contacts."
    )


async def _delete(request: Request, group: ContactGroup) -> str:
    await groups.remove_group(signed_in(request), group)
    _ = request_gettext(request)
    return _("Group %(name)s deleted.") % {"name": group.name}


GROUP = "/groups/{group_id:int}"
routes = [
    Route("/groups", groups_page, methods=["GET"], name="groups"),
    FormPost(_add, _show_add_form, FIELDS, PAGE, LISTS).route(
        "/groups/new", "group_add", guard=requires_login
    ),
    Route(GROUP, edit_page, methods=["GET"], name="group_edit"),
    FormPost(_update, _show_edit_form, FIELDS, PAGE, LISTS).route(
        GROUP, "group_edit_submit", guard=requires_login
    ),
    *Deletion(_find, _ask, _delete, PAGE).routes(
        GROUP + "/delete", "group_delete", guard=requires_login
    ),
]
