"""The Conferences page: the conference server, its rooms, each room's settings."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.admin.actions import Deletion, FormPost
from voiceapp.admin.auth import requires_admin
from voiceapp.admin.forms import FormState, field_text
from voiceapp.admin.http import found, settings_of
from voiceapp.admin.labels import CALLER_LANGUAGES, options
from voiceapp.admin.locale import request_gettext, request_language
from voiceapp.admin.templating import render
from voiceapp.conferencing import rooms
from voiceapp.core.i18n import N_plural, format_message
from voiceapp.core.models import Bridge, Room
from voiceapp.media import greetings
from voiceapp.switchboard import conference_server

PAGE = "admin:conferences"
CALLERS_IN_ROOM = N_plural(
    "%(count)s caller is in this room now; deleting it does not hang up on them, "
    "but they will no longer show on the Live page.",
    "%(count)s callers are in this room now; deleting it does not hang up on them, "
    "but they will no longer show on the Live page.",
)


async def _page(
    request: Request,
    *,
    bridge_form: FormState | None = None,
    room_form: FormState | None = None,
) -> Response:
    settings = settings_of(request)
    current = await rooms.get_bridge()
    all_rooms = await rooms.list_rooms()
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
            "rooms": all_rooms,
            "max_rooms": settings.max_rooms,
            "rooms_full": rooms.is_full(settings, len(all_rooms)),
            "bridge_form": bridge_form,
            "room_form": room_form
            or FormState(values={"capacity": str(settings.default_capacity), "tones": TICKED}),
            "language_options": options(CALLER_LANGUAGES, request_gettext(request)),
        },
    )


@requires_admin
async def conferences_page(request: Request) -> Response:
    return await _page(request)


# ---- the conference server ---------------------------------------------------------------


async def _setup_bridge(request: Request, form: FormData) -> str:
    _ = request_gettext(request)
    current = await conference_server.setup_bridge(
        field_text(form, "extension"), field_text(form, "language")
    )
    return _("The conference server is on extension %(extension)s.") % {
        "extension": current.extension.number
    }


async def _show_bridge_form(request: Request, state: FormState) -> Response:
    return await _page(request, bridge_form=state)


async def _find_bridge(request: Request) -> Bridge:
    current = await rooms.get_bridge()
    if current is None:
        raise HTTPException(404)
    return current


def _ask_bridge(request: Request, current: Bridge) -> tuple[str, str]:
    _ = request_gettext(request)
    return _("Delete the conference server?"), _(
        "Extension %(extension)s will stop answering. The conference server can only "
        "be deleted once it has no rooms and no phone number maps to it."
    ) % {"extension": current.extension.number}


async def _delete_bridge(request: Request, current: Bridge) -> str:
    await conference_server.remove_bridge()
    _ = request_gettext(request)
    return _("The conference server is deleted.")


# ---- rooms --------------------------------------------------------------------------------

# A ticked box's value (the forms' checkboxes send it; an unticked box sends nothing).
TICKED = "yes"
# The fields the room forms show errors beside, after those of each form's own.
CALL_FIELDS = ("host_pin", *rooms.CALL_SWITCHES)


def _ticked_switches(form: FormData) -> dict[str, bool]:
    """Each during-the-call switch as the form has it: a box not sent is unticked."""
    return {column: field_text(form, column) == TICKED for column in rooms.CALL_SWITCHES}


async def _add_room(request: Request, form: FormData) -> str:
    _ = request_gettext(request)
    room = await rooms.add_room(
        settings_of(request),
        name=field_text(form, "name"),
        conference_id=field_text(form, "conference_id"),
        pin=field_text(form, "pin") or None,
        capacity=field_text(form, "capacity") or None,
        host_pin=field_text(form, "host_pin") or None,
        **_ticked_switches(form),
    )
    return _("Room %(name)s added.") % {"name": room.name}


async def _show_room_form(request: Request, state: FormState) -> Response:
    return await _page(request, room_form=state)


async def _find_room(request: Request) -> Room:
    # Not a conference ID ("abc"), or no room has it: a 404 either way.
    return await found(rooms.get_room(request.path_params["conference_id"]))


async def _show_settings(request: Request, state: FormState) -> Response:
    room = await _find_room(request)
    return render(request, "admin/room_settings.html", {"room": room, "form": state})


@requires_admin
async def room_settings_page(request: Request) -> Response:
    room = await _find_room(request)
    values = {
        "name": room.name,
        "new_conference_id": room.conference_id,
        "capacity": str(room.capacity),
        # Never the PINs: the page says whether each is set, as the room list does.
        **{column: TICKED for column in rooms.CALL_SWITCHES if getattr(room, column)},
    }
    return await _show_settings(request, FormState(values=values))


async def _update_room(request: Request, form: FormData) -> str:
    _ = request_gettext(request)
    updated = await rooms.update_room(
        settings_of(request),
        request.path_params["conference_id"],
        rooms.RoomChange(
            name=field_text(form, "name"),
            conference_id=field_text(form, "new_conference_id"),
            # An empty PIN field keeps the PIN; the checkbox removes it.
            pin=field_text(form, "pin") or None,
            clear_pin=field_text(form, "clear_pin") == TICKED,
            capacity=field_text(form, "capacity"),
            host_pin=field_text(form, "host_pin") or None,
            clear_host_pin=field_text(form, "clear_host_pin") == TICKED,
            **_ticked_switches(form),
        ),
    )
    return _("Room %(name)s saved.") % {"name": updated.name}


def _warn_room(request: Request, room: Room) -> str:
    """Callers in the room now, as its seat counter says (read just now by _find_room)."""
    if room.seats_taken == 0:
        return ""
    return format_message(request_language(request), CALLERS_IN_ROOM, {"count": room.seats_taken})


def _ask_room(request: Request, room: Room) -> tuple[str, str]:
    _ = request_gettext(request)
    return _("Delete room %(name)s?") % {"name": room.name}, _(
        "Callers will no longer reach conference ID %(conference_id)s. This cannot be undone."
    ) % {"conference_id": room.conference_id}


async def _delete_room(request: Request, room: Room) -> str:
    removed = await rooms.remove_room(room.conference_id)
    greetings.forget_recording(removed, settings_of(request))
    _ = request_gettext(request)
    return _("Room %(name)s deleted.") % {"name": removed.name}


ROOM = "/conferences/rooms/{conference_id}"
routes = [
    Route("/conferences", conferences_page, methods=["GET"], name="conferences"),
    FormPost(_setup_bridge, _show_bridge_form, ("extension", "language"), PAGE).route(
        "/conferences/server", "bridge_setup"
    ),
    *Deletion(_find_bridge, _ask_bridge, _delete_bridge, PAGE).routes(
        "/conferences/server/delete", "bridge_delete"
    ),
    FormPost(
        _add_room, _show_room_form, ("name", "conference_id", "pin", "capacity", *CALL_FIELDS), PAGE
    ).route("/conferences/rooms", "room_add"),
    Route(ROOM, room_settings_page, methods=["GET"], name="room_settings"),
    FormPost(
        _update_room,
        _show_settings,
        ("name", "new_conference_id", "pin", "capacity", *CALL_FIELDS),
        PAGE,
    ).route(ROOM, "room_settings_submit"),
    *Deletion(_find_room, _ask_room, _delete_room, PAGE, warn=_warn_room).routes(
        ROOM + "/delete", "room_delete"
    ),
]
