"""The Voicemail page: messages callers left when a user or ring group did not answer,
each with a player, "Mark as heard" and Delete.

The player's source is /admin/voicemail/{id}/audio, streamed through voiceapp: the
carrier's credentials stay on the server, and the recording is only heard logged in.
Pressing play marks a message heard (the player's first request, from the first byte);
"Mark as heard" does it without listening.
"""

from __future__ import annotations

import logging

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from voiceapp.admin.actions import Deletion, FormPost
from voiceapp.admin.auth import requires_admin
from voiceapp.admin.forms import FormState
from voiceapp.admin.http import settings_of
from voiceapp.admin.locale import request_gettext, request_language
from voiceapp.admin.templating import render
from voiceapp.carrier.recordings import Discarded, NoAudio, RecordingUnavailable, locate
from voiceapp.core.errors import Conflict, VoiceappError
from voiceapp.core.models import Voicemail
from voiceapp.media.recordings import audio_response, from_the_start
from voiceapp.switchboard import voicemail

log = logging.getLogger(__name__)
PAGE = "admin:voicemail"


async def _page(request: Request, form: FormState | None = None) -> Response:
    settings = settings_of(request)
    language = request_language(request)
    listed = []
    for message in await voicemail.list_messages():
        audio = locate(settings, message.recording_url, message.recording_sid)
        # Known before anyone presses play: no account set, a URL voiceapp does not fetch.
        note = audio.problem.in_language(language) if isinstance(audio, NoAudio) else ""
        listed.append((message, note))
    context = {"messages": listed, "form": form or FormState()}
    return render(request, "admin/voicemail.html", context)


@requires_admin
async def voicemail_page(request: Request) -> Response:
    return await _page(request)


# The id column is a 32-bit integer: a larger number in a URL names no message (and
# PostgreSQL would refuse to compare it).
LARGEST_ID = 2**31 - 1


async def _find(request: Request) -> Voicemail:
    message_id: int = request.path_params["message_id"]
    if not 0 < message_id <= LARGEST_ID:
        raise HTTPException(404)
    try:
        return await voicemail.get_message(message_id)
    except VoiceappError:
        raise HTTPException(404) from None


@requires_admin
async def recording_audio(request: Request) -> Response:
    """The message's recording, for the page's <audio> player."""
    message = await _find(request)
    settings = settings_of(request)
    audio = locate(settings, message.recording_url, message.recording_sid)
    try:
        if isinstance(audio, NoAudio):
            raise audio.problem
        response = await audio_response(request.headers, settings, audio)
    except RecordingUnavailable as problem:
        # Plain text the page's script shows beside the player; never a 500.
        return PlainTextResponse(
            problem.in_language(request_language(request)),
            status_code=problem.http_status,
            headers={"Cache-Control": "no-store"},
        )
    if request.method == "GET" and response.status_code < 300 and from_the_start(request.headers):
        await voicemail.mark_heard(message.pk)
    return response


def _caller(message: Voicemail, request: Request) -> str:
    _ = request_gettext(request)
    return message.caller or _("an unknown caller")


async def _mark_heard(request: Request, form: FormData) -> str:
    message = await _find(request)
    await voicemail.mark_heard(message.pk)
    _ = request_gettext(request)
    return _("The message from %(caller)s is marked as heard.") % {
        "caller": _caller(message, request)
    }


async def _show_page(request: Request, state: FormState) -> Response:
    return await _page(request, state)


def _ask(request: Request, message: Voicemail) -> tuple[str, str]:
    _ = request_gettext(request)
    title = _("Delete the message from %(caller)s?") % {"caller": _caller(message, request)}
    return title, _(
        "The message and its recording will be deleted, at the carrier too when the carrier "
        "keeps it. This cannot be undone."
    )


async def _delete(request: Request, message: Voicemail) -> str:
    try:
        discarded = await voicemail.delete_message(settings_of(request), message)
    except RecordingUnavailable as refused:
        # The confirmation page shows why; 409: the carrier's state stands in the way.
        raise Conflict(refused.template, params=refused.params) from None
    _ = request_gettext(request)
    params = {"caller": _caller(message, request)}
    if discarded is Discarded.LEFT:
        return (
            _(
                "The message from %(caller)s is deleted. Its recording was left where it is: "
                "voiceapp cannot reach it."
            )
            % params
        )
    return _("The message from %(caller)s and its recording are deleted.") % params


deletion: Deletion[Voicemail] = Deletion(find=_find, ask=_ask, delete=_delete, back=PAGE)
mark_heard = FormPost(change=_mark_heard, redisplay=_show_page, fields=(), then=PAGE)

routes = [
    Route("/voicemail", voicemail_page, methods=["GET"], name="voicemail"),
    Route(
        "/voicemail/{message_id:int}/audio",
        recording_audio,
        methods=["GET"],
        name="voicemail_audio",
    ),
    mark_heard.route("/voicemail/{message_id:int}/heard", "voicemail_heard"),
    *deletion.routes("/voicemail/{message_id:int}/delete", "voicemail_delete"),
]
