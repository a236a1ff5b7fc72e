"""The two shapes every admin form POST takes.

FormPost: hand the form to a function that calls the domain; on success, flash what was
done and redirect (so a reload does not post again); on a domain error, show the same
page again with the message beside the field at fault and the values as typed.

Deletion: a confirmation page (GET) whose button posts back to the same URL; a refusal
from the domain (a rule such as "still reached by these numbers") is shown on it.

The CSRF token is checked before either runs (by auth.requires_admin, and again here).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.admin.auth import Handler, requires_admin
from voiceapp.admin.csrf import verified_form
from voiceapp.admin.forms import FormState, typed, with_error
from voiceapp.admin.http import see_other
from voiceapp.admin.locale import request_language
from voiceapp.admin.templating import flash, render
from voiceapp.core.errors import Conflict, LimitReached, NotFound, VoiceappError

T = TypeVar("T")
Change = Callable[[Request, FormData], Awaitable[str]]
Redisplay = Callable[[Request, FormState], Awaitable[Response]]
# Who may post: auth.requires_admin (the default) or auth.requires_login (own pages).
Guard = Callable[[Handler], Handler]


def status_for(error: VoiceappError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict | LimitReached):
        return 409
    return 400


async def _run(
    request: Request,
    change: Change,
    redisplay: Redisplay,
    *,
    fields: tuple[str, ...],
    lists: tuple[str, ...],
    then: str,
    then_query: Mapping[str, str] | None = None,
) -> Response:
    form = await verified_form(request)
    try:
        notice = await change(request, form)
    except VoiceappError as error:
        state = with_error(typed(form, lists=lists), error, fields, request_language(request))
        response = await redisplay(request, state)
        response.status_code = status_for(error)
        return response
    flash(request, notice)
    return see_other(request.url_for(then).include_query_params(**(then_query or {})))


@dataclass(frozen=True)
class FormPost:
    """The endpoint of one form. `change` returns the notice to flash; `then` is the
    route shown after success; `fields` are those the page shows errors beside."""

    change: Change
    redisplay: Redisplay
    fields: tuple[str, ...]
    then: str
    lists: tuple[str, ...] = ()  # multi-valued fields (checkboxes)

    async def __call__(self, request: Request) -> Response:
        return await _run(
            request,
            self.change,
            self.redisplay,
            fields=self.fields,
            lists=self.lists,
            then=self.then,
        )

    def route(self, path: str, name: str, *, guard: Guard = requires_admin) -> Route:
        return Route(path, guard(self), methods=["POST"], name=name)


@dataclass(frozen=True)
class Deletion(Generic[T]):
    """Delete the thing a URL names, after a confirmation page.

    `find` loads it (or raises a 404); `ask` gives the page's title and question;
    `delete` calls the domain and returns the notice; `back` is the list page's route;
    `warn`, when given, says what deleting it now would disturb ("" when nothing), shown
    above the question in a warning style. `keep`: query parameters of the confirmation
    page that the list page is shown with again, after deleting and on Cancel (the
    Recordings page's room).
    """

    find: Callable[[Request], Awaitable[T]]
    ask: Callable[[Request, T], tuple[str, str]]
    delete: Callable[[Request, T], Awaitable[str]]
    back: str
    warn: Callable[[Request, T], str] | None = None
    keep: tuple[str, ...] = ()

    def _kept(self, request: Request) -> dict[str, str]:
        query = request.query_params
        return {name: query[name] for name in self.keep if query.get(name)}

    async def _page(self, request: Request, form: FormState) -> Response:
        thing = await self.find(request)
        title, question = self.ask(request, thing)
        warning = self.warn(request, thing) if self.warn else ""
        context = {
            "title": title,
            "question": question,
            "warning": warning,
            "form": form,
            "back": request.url_for(self.back).include_query_params(**self._kept(request)),
        }
        return render(request, "admin/confirm.html", context)

    async def confirm(self, request: Request) -> Response:
        return await self._page(request, FormState())

    async def submit(self, request: Request) -> Response:
        thing = await self.find(request)

        async def change(request: Request, form: FormData) -> str:
            return await self.delete(request, thing)

        return await _run(
            request,
            change,
            self._page,
            fields=(),
            lists=(),
            then=self.back,
            then_query=self._kept(request),
        )

    def routes(self, path: str, name: str, *, guard: Guard = requires_admin) -> list[Route]:
        """GET `path` asks; POST `path` (the page's own URL) deletes."""
        return [
            Route(path, guard(self.confirm), methods=["GET"], name=name),
            Route(path, guard(self.submit), methods=["POST"], name=name + "_submit"),
        ]
