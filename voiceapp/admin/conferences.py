"""The Conferences page: the conference server, its rooms, each room's settings."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp import bridge
from voiceapp.admin.actions import confirm_page, form_action
from voiceapp.admin.auth import requires_admin
from voiceapp.admin.forms import FormState, field_text
from voiceapp.admin.http import settings_of
from voiceapp.admin.labels import CALLER_LANGUAGES, options
from voiceapp.admin.locale import request_gettext
from voiceapp.admin.templating import render
from voiceapp.errors import NotFound
from voiceapp.models import Bridge, Room

BRIDGE_FIELDS = ("extension", "language")
ROOM_FIELDS = ("name", "conference_id", "pin", "capacity")
SETTINGS_FIELDS = ("name", "new_conference_id", "pin", "capacity")


async def _page(
    request: Request,
    *,
    bridge_form: FormState | None = None,
    room_form: FormState | None = None,
) -> Response:
    settings = settings_of(request)
    current = await bridge.get_bridge()
    rooms = await bridge.list_rooms()
    if bridge_form is None:
        bridge_form = FormState(
            values={
                "extension": current.extension.number if current else "",
                "language": current.default_language.value if current else "fr",
            }
        )
    return render(
        request,
        "admin/conferences.html",
        {
            "bridge": current,
            "rooms": rooms,
            "max_rooms": settings.max_rooms,
            "bridge_form": bridge_form,
            "room_form": room_form
            or FormState(values={"capacity": str(settings.default_capacity)}),
            "language_options": options(CALLER_LANGUAGES, request_gettext(request)),
        },
    )


async def _room(conference_id: str) -> Room:
    try:
        return await bridge.get_room(conference_id)
    except NotFound:
        raise HTTPException(404) from None


@requires_admin
async def conferences_page(request: Request) -> Response:
    return await _page(request)


@requires_admin
async def setup_bridge(request: Request) -> Response:
    _ = request_gettext(request)

    async def change(form: FormData) -> str:
        current = await bridge.setup_bridge(
            field_text(form, "extension"), field_text(form, "language")
        )
        return _("The conference server is on extension %(extension)s.") % {
            "extension": current.extension.number
        }

    async def redisplay(state: FormState) -> Response:
        return await _page(request, bridge_form=state)

    return await form_action(
        request,
        change,
        fields=BRIDGE_FIELDS,
        redisplay=redisplay,
        then=request.url_for("admin:conferences"),
    )


@requires_admin
async def add_room(request: Request) -> Response:
    _ = request_gettext(request)

    async def change(form: FormData) -> str:
        room = await bridge.add_room(
            settings_of(request),
            name=field_text(form, "name"),
            conference_id=field_text(form, "conference_id"),
            pin=field_text(form, "pin") or None,
            capacity=field_text(form, "capacity") or None,
        )
        return _("Room %(name)s added.") % {"name": room.name}

    async def redisplay(state: FormState) -> Response:
        return await _page(request, room_form=state)

    return await form_action(
        request,
        change,
        fields=ROOM_FIELDS,
        redisplay=redisplay,
        then=request.url_for("admin:conferences"),
    )


def _settings_form(room: Room) -> FormState:
    return FormState(
        values={
            "name": room.name,
            "new_conference_id": room.conference_id,
            "capacity": str(room.capacity),
        }
    )


async def _settings_page(request: Request, room: Room, form: FormState) -> Response:
    return render(request, "admin/room_settings.html", {"room": room, "form": form})


@requires_admin
async def room_settings_page(request: Request) -> Response:
    room = await _room(request.path_params["conference_id"])
    return await _settings_page(request, room, _settings_form(room))


@requires_admin
async def update_room(request: Request) -> Response:
    _ = request_gettext(request)
    room = await _room(request.path_params["conference_id"])

    async def change(form: FormData) -> str:
        updated = await bridge.update_room(
            settings_of(request),
            room.conference_id,
            bridge.RoomChange(
                name=field_text(form, "name"),
                conference_id=field_text(form, "new_conference_id"),
                # An empty PIN field keeps the PIN; the checkbox removes it.
                pin=field_text(form, "pin") or None,
                clear_pin=field_text(form, "clear_pin") == "yes",
                capacity=field_text(form, "capacity"),
            ),
        )
        return _("Room %(name)s saved.") % {"name": updated.name}

    async def redisplay(state: FormState) -> Response:
        return await _settings_page(request, room, state)

    return await form_action(
        request,
        change,
        fields=SETTINGS_FIELDS,
        redisplay=redisplay,
        then=request.url_for("admin:conferences"),
    )


def _confirm_room_delete(request: Request, room: Room, form: FormState | None = None) -> Response:
    _ = request_gettext(request)
    return confirm_page(
        request,
        title=_("Delete room %(name)s?") % {"name": room.name},
        question=_(
            "Callers will no longer reach conference ID %(conference_id)s. This cannot be undone."
        )
        % {"conference_id": room.conference_id},
        action=request.url_for("admin:room_delete_submit", conference_id=room.conference_id),
        cancel=request.url_for("admin:conferences"),
        form=form,
    )


@requires_admin
async def confirm_room_delete(request: Request) -> Response:
    room = await _room(request.path_params["conference_id"])
    return _confirm_room_delete(request, room)


@requires_admin
async def delete_room(request: Request) -> Response:
    _ = request_gettext(request)
    room = await _room(request.path_params["conference_id"])

    async def change(form: FormData) -> str:
        removed = await bridge.remove_room(room.conference_id)
        return _("Room %(name)s deleted.") % {"name": removed.name}

    async def redisplay(state: FormState) -> Response:
        return _confirm_room_delete(request, room, state)

    return await form_action(
        request, change, fields=(), redisplay=redisplay, then=request.url_for("admin:conferences")
    )


async def _require_bridge() -> Bridge:
    current = await bridge.get_bridge()
    if current is None:
        raise HTTPException(404)
    return current


def _confirm_bridge_delete(
    request: Request, current: Bridge, form: FormState | None = None
) -> Response:
    _ = request_gettext(request)
    return confirm_page(
        request,
        title=_("Delete the conference server?"),
        question=_(
            "Extension %(extension)s will stop answering. The conference server can only "
            "be deleted once it has no rooms and no phone number maps to it."
        )
        % {"extension": current.extension.number},
        action=request.url_for("admin:bridge_delete_submit"),
        cancel=request.url_for("admin:conferences"),
        form=form,
    )


@requires_admin
async def confirm_bridge_delete(request: Request) -> Response:
    return _confirm_bridge_delete(request, await _require_bridge())


@requires_admin
async def delete_bridge(request: Request) -> Response:
    _ = request_gettext(request)
    current = await _require_bridge()

    async def change(form: FormData) -> str:
        await bridge.remove_bridge()
        return _("The conference server is deleted.")

    async def redisplay(state: FormState) -> Response:
        return _confirm_bridge_delete(request, current, state)

    return await form_action(
        request, change, fields=(), redisplay=redisplay, then=request.url_for("admin:conferences")
    )


ROOM = "/conferences/rooms/{conference_id}"
routes = [
    Route("/conferences", conferences_page, methods=["GET"], name="conferences"),
    Route("/conferences/server", setup_bridge, methods=["POST"], name="bridge_setup"),
    Route(
        "/conferences/server/delete", confirm_bridge_delete, methods=["GET"], name="bridge_delete"
    ),
    Route(
        "/conferences/server/delete", delete_bridge, methods=["POST"], name="bridge_delete_submit"
    ),
    Route("/conferences/rooms", add_room, methods=["POST"], name="room_add"),
    Route(ROOM, room_settings_page, methods=["GET"], name="room_settings"),
    Route(ROOM, update_room, methods=["POST"], name="room_settings_submit"),
    Route(ROOM + "/delete", confirm_room_delete, methods=["GET"], name="room_delete"),
    Route(ROOM + "/delete", delete_room, methods=["POST"], name="room_delete_submit"),
]
