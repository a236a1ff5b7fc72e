"""Which language an admin page speaks, and the gettext callables its templates use.

The language is the one the admin picked with the switcher (kept in the session cookie,
so it sticks across requests and workers), else the best match for the browser's
Accept-Language, else English, the source language. Translations come from the same
babel catalogs as the caller prompts (voiceapp.core.i18n).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import HTTPConnection

from voiceapp.core.i18n import LANGUAGES, SOURCE_LANGUAGE, translations

SESSION_KEY = "language"
# The switcher's choices, each named in its own language.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}


def from_accept_language(header: str) -> str | None:
    """The best of our languages for an Accept-Language header ("fr-CA,fr;q=0.9,en;q=0.5")."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        language = tag.strip().lower().split("-")[0]
        if language in LANGUAGES and quality > 0:
            # Ties keep the header's order: highest quality first, then earliest.
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None


def request_language(request: HTTPConnection) -> str:
    chosen = request.session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    return from_accept_language(request.headers.get("accept-language", "")) or SOURCE_LANGUAGE


def request_gettext(request: HTTPConnection) -> Callable[[str], str]:
    """`_` for Python code that builds page text (flash messages)."""
    return translations(request_language(request)).gettext


def _finish(context: Context, text: str, variables: dict[str, Any]) -> str:
    """Format a translated template string as jinja2's newstyle gettext does."""
    if context.eval_ctx.autoescape:
        # The catalogs are ours, as trusted as the templates; the %(name)s values put
        # into them are escaped by Markup's % operator.
        text = Markup(text)  # noqa: S704
    return text % variables


def template_callables(language: str) -> dict[str, Any]:
    """gettext and ngettext for jinja2's i18n extension (newstyle), in `language`.

    Passed in each template's context rather than installed on the shared Environment,
    which would let concurrent requests in different languages overwrite each other.
    """
    catalog = translations(language)

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        return _finish(context, catalog.gettext(message), variables)

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return _finish(context, catalog.ngettext(singular, plural, num), variables)

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}
