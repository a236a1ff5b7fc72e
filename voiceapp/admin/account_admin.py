"""The Accounts page, for admins: who can log in, as an admin or an organizer; add an
account, change its role and details, delete it. (Each account's own settings are on
the Account page, admin/account.py.)

The rules are in accounts.profiles: the last admin can be neither demoted nor deleted,
whoever asks, from here or from the command line.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.accounts import admins, profiles
from voiceapp.admin.account import zone_options
from voiceapp.admin.actions import Deletion, FormPost
from voiceapp.admin.auth import requires_admin, signed_in
from voiceapp.admin.forms import FormState, field_text
from voiceapp.admin.http import found
from voiceapp.admin.locale import LANGUAGE_NAMES, request_gettext
from voiceapp.admin.templating import render
from voiceapp.core.enum_labels import labels_for
from voiceapp.core.i18n import N_
from voiceapp.core.models import AccountRole, AdminUser

PAGE = "admin:accounts"
FIELDS = ("username", "password", "role", "display_name", "email", "language", "time_zone")
ROLE_LABELS = labels_for(
    AccountRole,
    {
        # Translators: a role: runs everything (rooms, numbers, extensions, accounts).
        AccountRole.ADMIN: N_("Admin"),
        # Translators: a role: schedules meetings, keeps their own contacts and groups.
        AccountRole.ORGANIZER: N_("Organizer"),
    },
)


def role_options(request: Request) -> list[tuple[str, str]]:
    _ = request_gettext(request)
    return [(role.value, _(label)) for role, label in ROLE_LABELS.items()]


def time_zone_options(request: Request, current: str | None) -> list[tuple[str, str]]:
    """The zones, after a first choice of none: the account's browser then sets it at
    their first login."""
    _ = request_gettext(request)
    return [("", _("Not set: the browser's, at their first login")), *zone_options(current)]


def _choices(request: Request, current_zone: str | None = None) -> dict[str, object]:
    return {
        "role_options": role_options(request),
        "language_options": list(LANGUAGE_NAMES.items()),
        "language_names": LANGUAGE_NAMES,
        "zone_options": time_zone_options(request, current_zone),
        "role_labels": {role.value: label for role, label in ROLE_LABELS.items()},
        "password_min": admins.PASSWORD_MIN,
    }


def _profile(form: FormData, *, with_role: bool = True) -> profiles.Profile:
    return profiles.Profile(
        role=field_text(form, "role") if with_role else None,
        display_name=field_text(form, "display_name"),
        email=field_text(form, "email"),
        language=field_text(form, "language"),
        time_zone=field_text(form, "time_zone"),
    )


async def _page(request: Request, *, form: FormState | None = None) -> Response:
    default = {"role": AccountRole.ORGANIZER.value, "language": "en", "time_zone": ""}
    context = {
        "accounts": await profiles.list_accounts(),
        "add_form": form or FormState(values=default),
        **_choices(request),
    }
    return render(request, "admin/accounts.html", context)


@requires_admin
async def accounts_page(request: Request) -> Response:
    return await _page(request)


async def _add(request: Request, form: FormData) -> str:
    account = await profiles.create_account(
        field_text(form, "username"), field_text(form, "password"), _profile(form)
    )
    _ = request_gettext(request)
    return _("Account %(name)s added: give them their password in person.") % {
        "name": account.username
    }


async def _show_add_form(request: Request, state: FormState) -> Response:
    state.values.pop("password", None)  # never sent back to the browser
    return await _page(request, form=state)


async def _find(request: Request) -> AdminUser:
    return await found(profiles.get_account(str(request.path_params["username"])))


async def _show_edit_form(request: Request, state: FormState) -> Response:
    account = await _find(request)
    context = {
        "account": account,
        "form": state,
        "is_you": account.pk == signed_in(request).pk,
        **_choices(request, account.time_zone),
    }
    return render(request, "admin/accounts_edit.html", context)


@requires_admin
async def edit_page(request: Request) -> Response:
    account = await _find(request)
    values = {
        "role": account.role.value,
        "display_name": account.display_name,
        "email": account.email or "",
        "language": account.language,
        "time_zone": account.time_zone or "",
    }
    return await _show_edit_form(request, FormState(values=values))


async def _update(request: Request, form: FormData) -> str:
    account = await _find(request)
    saved = await profiles.update_account(account.username, _profile(form))
    _ = request_gettext(request)
    return _("Account %(name)s saved.") % {"name": saved.username}


def _ask(request: Request, account: AdminUser) -> tuple[str, str]:
    _ = request_gettext(request)
    return _("Delete the account %(name)s?") % {"name": account.username}, _(
        "%(name)s will no longer be able to log in, and their contacts and groups are "
        "deleted with the account."
    ) % {"name": account.username}


async def _delete(request: Request, account: AdminUser) -> str:
    await profiles.remove_account(account.username)
    _ = request_gettext(request)
    return _("Account %(name)s deleted.") % {"name": account.username}


ACCOUNT = "/accounts/{username}"
routes = [
    Route("/accounts", accounts_page, methods=["GET"], name="accounts"),
    # Posted to the page's own URL: /accounts/new would be the edit URL of an account
    # named "new".
    FormPost(_add, _show_add_form, FIELDS, PAGE).route("/accounts", "account_add"),
    Route(ACCOUNT, edit_page, methods=["GET"], name="account_edit"),
    FormPost(_update, _show_edit_form, FIELDS, PAGE).route(ACCOUNT, "account_edit_submit"),
    *Deletion(_find, _ask, _delete, PAGE).routes(ACCOUNT + "/delete", "account_delete"),
]
