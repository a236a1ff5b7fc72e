"""The Contacts page: the logged-in account's own contacts; add, edit, delete, and import
a CSV or vCard file with a report of what was imported, updated and skipped.

Every account has this page, an organizer as well as an admin, and each sees only their
own contacts: the owner is always the account logged in, never a value from the form.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.admin.actions import Deletion, FormPost
from voiceapp.admin.auth import requires_login, signed_in
from voiceapp.admin.csrf import verified_form
from voiceapp.admin.forms import FormState, field_text, with_error
from voiceapp.admin.http import found, row_id
from voiceapp.admin.locale import LANGUAGE_NAMES, request_gettext, request_language
from voiceapp.admin.templating import render
from voiceapp.contacts import groups, importing, people
from voiceapp.contacts.files import Place
from voiceapp.core.errors import InvalidInput, VoiceappError
from voiceapp.core.i18n import N_
from voiceapp.core.models import Contact
from voiceapp.web.body_limits import ADMIN_PREFIX, CONTACTS_IMPORT_PATH

PAGE = "admin:contacts"
FIELDS = ("name", "email", "language", "phone")
IMPORT_FIELDS = ("file",)


def language_options(request: Request) -> list[tuple[str, str]]:
    """The languages a person's mail is written in, named in the page's language by
    babel's CLDR data ("Anglais" on a French page): the admin reads them, about someone
    else. (The header's switcher names each in its own, for a reader of that language.)"""
    names = Locale.parse(request_language(request)).languages
    # CLDR writes them as inside a sentence ("anglais"); these stand alone, as list items.
    return [(code, names[code][:1].upper() + names[code][1:]) for code in LANGUAGE_NAMES]


@dataclass(frozen=True)
class ReportLine:
    where: str  # "Line 4", "Card 2", in the page's language
    text: str


def _where(request: Request, place: Place) -> str:
    _ = request_gettext(request)
    if place.kind == "card":
        return _("Card %(number)s") % {"number": place.number}
    return _("Line %(number)s") % {"number": place.number}


def report_lines(request: Request, report: importing.ImportReport) -> dict[str, list[ReportLine]]:
    """The report in the page's language: what was skipped and why; what was taken
    without its phone; who was added and updated."""
    language = request_language(request)
    _ = request_gettext(request)
    return {
        "skipped": [
            ReportLine(_where(request, s.place), s.reason.in_language(language))
            for s in report.skipped
        ],
        "notes": [
            ReportLine(
                _where(request, done.place),
                _("%(email)s, without the phone: %(reason)s")
                % {"email": done.email, "reason": done.note.in_language(language)},
            )
            for done in [*report.added, *report.updated]
            if done.note is not None
        ],
        "added": [ReportLine(_where(request, d.place), d.email) for d in report.added],
        "updated": [ReportLine(_where(request, d.place), d.email) for d in report.updated],
    }


async def _page(
    request: Request,
    *,
    add_form: FormState | None = None,
    import_form: FormState | None = None,
    report: importing.ImportReport | None = None,
    filename: str = "",
    status_code: int = 200,
) -> Response:
    owner = signed_in(request)
    contacts = await people.list_contacts(owner)
    in_groups: dict[int, list[str]] = {contact.pk: [] for contact in contacts}
    for group in await groups.list_groups(owner):
        for member in group.members:
            in_groups[member.pk].append(group.name)
    return render(
        request,
        "admin/contacts.html",
        {
            "contacts": contacts,
            "in_groups": in_groups,
            "add_form": add_form or FormState(values={"language": owner.language}),
            "import_form": import_form or FormState(),
            "language_options": language_options(request),
            "report": report,
            "report_lines": report_lines(request, report) if report else {},
            "filename": filename,
            "max_file": importing.MAX_FILE_TEXT,
        },
        status_code=status_code,
    )


@requires_login
async def contacts_page(request: Request) -> Response:
    return await _page(request)


def _details(form: FormData) -> people.ContactDetails:
    return people.ContactDetails(
        name=field_text(form, "name"),
        email=field_text(form, "email"),
        language=field_text(form, "language"),
        phone=field_text(form, "phone"),
    )


async def _add(request: Request, form: FormData) -> str:
    contact = await people.add_contact(signed_in(request), _details(form))
    _ = request_gettext(request)
    return _("%(name)s added to your contacts.") % {"name": contact.name}


async def _show_add_form(request: Request, state: FormState) -> Response:
    return await _page(request, add_form=state)


async def _find(request: Request) -> Contact:
    return await found(people.get_contact(signed_in(request), row_id(request, "contact_id")))


async def _show_edit_form(request: Request, state: FormState) -> Response:
    contact = await _find(request)
    context = {"contact": contact, "form": state, "language_options": language_options(request)}
    return render(request, "admin/contact_edit.html", context)


@requires_login
async def edit_page(request: Request) -> Response:
    contact = await _find(request)
    values = {
        "name": contact.name,
        "email": contact.email,
        "language": contact.language,
        "phone": contact.phone or "",
    }
    return await _show_edit_form(request, FormState(values=values))


async def _update(request: Request, form: FormData) -> str:
    contact = await _find(request)
    saved = await people.update_contact(signed_in(request), contact.pk, _details(form))
    _ = request_gettext(request)
    return _("%(name)s saved.") % {"name": saved.name}


def _ask(request: Request, contact: Contact) -> tuple[str, str]:
    _ = request_gettext(request)
    return _("Delete the contact %(name)s?") % {"name": contact.name}, _(
        "%(email)s will be deleted from your contacts and from your groups. Meetings they "
        "are invited to keep them."
    ) % {"email": contact.email}


async def _delete(request: Request, contact: Contact) -> str:
    await people.remove_contact(signed_in(request), contact)
    _ = request_gettext(request)
    return _("%(name)s deleted from your contacts.") % {"name": contact.name}


async def _uploaded(form: FormData) -> tuple[str, bytes]:
    """The uploaded file's name and bytes (one more than an import takes, at most, so that
    the import can say it is too large)."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput(N_("choose a file to import"), field="file")
    data = await upload.read(importing.MAX_FILE_BYTES + 1)
    return upload.filename, data


@requires_login
async def import_file(request: Request) -> Response:
    """Import the uploaded file, then show the page with the report on top. Shown, not
    redirected to: the report is too long for a notice, and importing the same file
    again changes nothing."""
    form = await verified_form(request)
    try:
        filename, data = await _uploaded(form)
        report = await importing.import_contacts(signed_in(request), filename, data)
    except VoiceappError as error:
        state = with_error(FormState(), error, IMPORT_FIELDS, request_language(request))
        return await _page(request, import_form=state, status_code=400)
    return await _page(request, report=report, filename=filename)


CONTACT = "/contacts/{contact_id:int}"
routes = [
    Route("/contacts", contacts_page, methods=["GET"], name="contacts"),
    FormPost(_add, _show_add_form, FIELDS, PAGE).route(
        "/contacts/new", "contact_add", guard=requires_login
    ),
    Route(
        CONTACTS_IMPORT_PATH.removeprefix(ADMIN_PREFIX),
        import_file,
        methods=["POST"],
        name="contact_import",
    ),
    Route(CONTACT, edit_page, methods=["GET"], name="contact_edit"),
    FormPost(_update, _show_edit_form, FIELDS, PAGE).route(
        CONTACT, "contact_edit_submit", guard=requires_login
    ),
    *Deletion(_find, _ask, _delete, PAGE).routes(
        CONTACT + "/delete", "contact_delete", guard=requires_login
    ),
]
