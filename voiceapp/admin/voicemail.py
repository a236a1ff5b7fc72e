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
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.admin.actions import Deletion, FormPost
from voiceapp.admin.auth import requires_admin
from voiceapp.admin.forms import FormState
from voiceapp.admin.http import found, row_id, settings_of
from voiceapp.admin.locale import request_gettext, request_language
from voiceapp.admin.recording_audio import audio_answer, deleted, known_problem
from voiceapp.admin.templating import render
from voiceapp.carrier.recordings import Discarded
from voiceapp.core.models import Voicemail
from voiceapp.media.recordings import from_the_start
from voiceapp.switchboard import voicemail

log = logging.getLogger(__name__)
PAGE = "admin:voicemail"


async def _page(request: Request, form: FormState | None = None) -> Response:
    settings = settings_of(request)
    language = request_language(request)
    listed = [
        (message, known_problem(settings, language, message.recording_url, message.recording_sid))
        for message in await voicemail.list_messages()
    ]
    context = {"messages": listed, "form": form or FormState()}
    return render(request, "admin/voicemail.html", context)


@requires_admin
async def voicemail_page(request: Request) -> Response:
    return await _page(request)


async def _find(request: Request) -> Voicemail:
    return await found(voicemail.get_message(row_id(request, "message_id")))


@requires_admin
async def recording_audio(request: Request) -> Response:
    """The message's recording, for the page's <audio> player."""
    message = await _find(request)
    response = await audio_answer(request, message.recording_url, message.recording_sid)
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
    discarded = await deleted(voicemail.delete_message(settings_of(request), message))
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
