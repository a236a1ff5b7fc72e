"""The Voicemail page: messages callers left when a user or ring group did not answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.admin.auth import requires_admin
from voiceapp.admin.templating import render
from voiceapp.switchboard import voicemail


@requires_admin
async def voicemail_page(request: Request) -> Response:
    messages = await voicemail.list_messages()
    return render(request, "admin/voicemail.html", {"messages": messages})


routes = [Route("/voicemail", voicemail_page, methods=["GET"], name="voicemail")]
