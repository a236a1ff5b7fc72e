"""The one shape every admin form POST takes.

Check the CSRF token, hand the form to a function that calls the domain; on success,
flash what was done and redirect (so a reload does not post again); on a domain error,
show the same page again with the message beside the field at fault and the values as
the admin typed them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from starlette.datastructures import URL, FormData
from starlette.requests import Request
from starlette.responses import Response

from voiceapp.admin.csrf import verified_form
from voiceapp.admin.forms import FormState, typed, with_error
from voiceapp.admin.http import see_other
from voiceapp.admin.templating import flash, render
from voiceapp.errors import Conflict, LimitReached, NotFound, VoiceappError

Change = Callable[[FormData], Awaitable[str]]
Redisplay = Callable[[FormState], Awaitable[Response]]


def status_for(error: VoiceappError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict | LimitReached):
        return 409
    return 400


async def form_action(
    request: Request,
    change: Change,
    *,
    fields: Iterable[str],
    redisplay: Redisplay,
    then: URL,
    lists: Iterable[str] = (),
) -> Response:
    """Run `change` (which returns the notice to flash) on the verified form."""
    form = await verified_form(request)
    try:
        notice = await change(form)
    except VoiceappError as error:
        response = await redisplay(with_error(typed(form, lists=lists), error, fields))
        response.status_code = status_for(error)
        return response
    flash(request, notice)
    return see_other(then)


def confirm_page(
    request: Request,
    *,
    title: str,
    question: str,
    action: URL,
    cancel: URL,
    form: FormState | None = None,
) -> Response:
    """The confirmation step before a deletion; shows why it was refused, if it was."""
    return render(
        request,
        "admin/confirm.html",
        {
            "title": title,
            "question": question,
            "action": action,
            "cancel": cancel,
            "form": form or FormState(),
        },
    )
