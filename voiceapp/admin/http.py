"""Small helpers every admin handler uses."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from voiceapp.core.settings import Settings


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def see_other(url: object) -> RedirectResponse:
    """After a POST, send the browser to a page with GET (so reloading does not re-post)."""
    return RedirectResponse(str(url), status_code=303)
