"""Small helpers every admin handler uses."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse

from voiceapp.core.errors import VoiceappError
from voiceapp.core.models import LARGEST_ROW_ID
from voiceapp.core.settings import Settings

T = TypeVar("T")


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def see_other(url: object) -> RedirectResponse:
    """After a POST, send the browser to a page with GET (so reloading does not re-post)."""
    return RedirectResponse(str(url), status_code=303)


def row_id(request: Request, name: str) -> int:
    """The path's `{name:int}` as a row's id; a 404 for a number no row can have (a
    larger one would reach PostgreSQL, which refuses it: a 500)."""
    value: int = request.path_params[name]
    if not 0 < value <= LARGEST_ROW_ID:
        raise HTTPException(404)
    return value


async def found(lookup: Awaitable[T]) -> T:
    """What the domain's `lookup` finds; a 404 when it says there is no such thing (or
    that the address names none, such as a conference ID with letters)."""
    try:
        return await lookup
    except VoiceappError:
        raise HTTPException(404) from None
