"""The Recordings page: the rooms' recorded conferences, the latest first, all rooms or
one (/admin/recordings?room=CONFERENCE_ID, what each room on the Conferences page links
to), each with a player and Delete (at the carrier too). Admins only, as voicemail.

The player's source is /admin/recordings/{id}/audio, streamed through voiceapp
(admin/recording_audio.py, shared with the Voicemail page).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.admin.actions import Deletion
from voiceapp.admin.auth import requires_admin
from voiceapp.admin.http import found, row_id, settings_of
from voiceapp.admin.locale import request_gettext, request_language
from voiceapp.admin.recording_audio import audio_answer, deleted, known_problem
from voiceapp.admin.templating import format_moment, render
from voiceapp.carrier.recordings import Discarded
from voiceapp.conferencing import recordings
from voiceapp.core.models import ConferenceRecording

PAGE = "admin:recordings"


def _chosen_room(request: Request) -> str | None:
    """The conference ID in ?room=, or None for every room. A value no room could have
    is kept (its list is empty) rather than refused: it came from a link or a bookmark."""
    return request.query_params.get("room", "").strip() or None


@requires_admin
async def recordings_page(request: Request) -> Response:
    settings = settings_of(request)
    language = request_language(request)
    chosen = _chosen_room(request)
    listed = [
        (
            recording,
            known_problem(settings, language, recording.recording_url, recording.recording_sid),
        )
        for recording in await recordings.list_recordings(chosen)
    ]
    rooms = await recordings.rooms_to_choose(including=chosen)
    context = {"recordings": listed, "rooms": rooms, "chosen": chosen or ""}
    return render(request, "admin/recordings.html", context)


async def _find(request: Request) -> ConferenceRecording:
    return await found(recordings.get_recording(row_id(request, "recording_id")))


@requires_admin
async def recording_audio(request: Request) -> Response:
    """The recording's audio, for the page's <audio> player."""
    recording = await _find(request)
    return await audio_answer(request, recording.recording_url, recording.recording_sid)


def _named(request: Request, recording: ConferenceRecording) -> dict[str, str]:
    """The room and the start, as the sentences about one recording say them."""
    _ = request_gettext(request)
    user = getattr(request.state, "admin_user", None)
    start = format_moment(
        recording.started_at, getattr(user, "time_zone", None), request_language(request)
    )
    return {"room": recording.room_name or _("Deleted room"), "start": start.striptags()}


def _ask(request: Request, recording: ConferenceRecording) -> tuple[str, str]:
    _ = request_gettext(request)
    title = _("Delete this recording of %(start)s (%(room)s)?") % _named(request, recording)
    return title, _(
        "The recording will be deleted, at the carrier too when the carrier keeps it. "
        "This cannot be undone."
    )


async def _delete(request: Request, recording: ConferenceRecording) -> str:
    discarded = await deleted(recordings.delete_recording(settings_of(request), recording))
    _ = request_gettext(request)
    named = _named(request, recording)
    if discarded is Discarded.LEFT:
        return (
            _(
                "The recording of %(start)s (%(room)s) is deleted from the list. Its audio "
                "was left where it is: voiceapp cannot reach it."
            )
            % named
        )
    return _("The recording of %(start)s (%(room)s) is deleted.") % named


deletion: Deletion[ConferenceRecording] = Deletion(
    find=_find, ask=_ask, delete=_delete, back=PAGE, keep=("room",)
)


routes = [
    Route("/recordings", recordings_page, methods=["GET"], name="recordings"),
    Route(
        "/recordings/{recording_id:int}/audio",
        recording_audio,
        methods=["GET"],
        name="recording_audio",
    ),
    *deletion.routes("/recordings/{recording_id:int}/delete", "recording_delete"),
]
