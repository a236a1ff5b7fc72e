"""`voiceapp contacts|groups ...`: an account's contacts and contact groups, and importing
a CSV or vCard file of contacts. The rules are in voiceapp.contacts; this module parses
and prints."""

from __future__ import annotations

import argparse
from pathlib import Path

from voiceapp.accounts import profiles
from voiceapp.commands.base import Groups, table
from voiceapp.contacts import groups as contact_groups
from voiceapp.contacts import importing, people
from voiceapp.contacts.files import Place
from voiceapp.core.contact_details import MAIL_LANGUAGES
from voiceapp.core.db import database
from voiceapp.core.errors import InvalidInput
from voiceapp.core.models import Contact, ContactGroup
from voiceapp.core.settings import Settings

OWNER_HELP = "the account whose contacts these are (its login name)"


def register(groups: Groups) -> None:
    _register_contacts(groups)
    _register_groups(groups)


def describe(contact: Contact) -> str:
    """contact ana@example.com: 'Ana Ruiz', es, +34600123456"""
    details = [repr(contact.name), contact.language, *([contact.phone] if contact.phone else [])]
    return f"contact {contact.email}: {', '.join(details)}"


def place_text(place: Place) -> str:
    return f"{place.kind} {place.number}"


# ---- contacts ----------------------------------------------------------------------------


def _register_contacts(groups: Groups) -> None:
    parser = groups.add_parser("contacts", help="an account's contacts, to invite to meetings")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a contact")
    add.add_argument("--owner", required=True, help=OWNER_HELP)
    add.add_argument("--name", required=True, help='their name, e.g. "Ana Ruiz"')
    add.add_argument("--email", required=True, help="their e-mail address (one contact each)")
    add.add_argument(
        "--language",
        choices=MAIL_LANGUAGES,
        help="the language of their invitations (default: the owner's)",
    )
    add.add_argument("--phone", help="their phone number with + and the country code")
    add.set_defaults(handler=contacts_add)
    listing = actions.add_parser("list", help="list an account's contacts")
    listing.add_argument("--owner", required=True, help=OWNER_HELP)
    listing.set_defaults(handler=contacts_list)
    remove = actions.add_parser("remove", help="delete a contact (it leaves its groups)")
    remove.add_argument("--owner", required=True, help=OWNER_HELP)
    remove.add_argument("email", help="the contact's e-mail address")
    remove.set_defaults(handler=contacts_remove)
    load = actions.add_parser(
        "import",
        help="import contacts from a CSV or vCard file",
        description="Import a CSV file (a header row naming the columns name, email, "
        "language and optionally phone; commas or semicolons; UTF-8) or a vCard file "
        "(.vcf: FN, EMAIL, LANG, TEL). A contact already there is updated. Prints what "
        "was imported, updated and skipped, and why, by line or card number.",
    )
    load.add_argument("--owner", required=True, help=OWNER_HELP)
    load.add_argument("file", type=Path, help="the .csv or .vcf file")
    load.set_defaults(handler=contacts_import)


async def contacts_add(args: argparse.Namespace, settings: Settings) -> int:
    details = people.ContactDetails(args.name, args.email, args.language or "", args.phone or "")
    async with database(settings.database_url):
        owner = await profiles.get_account(args.owner)
        print(describe(await people.add_contact(owner, details)))
    return 0


async def contacts_list(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        owner = await profiles.get_account(args.owner)
        contacts = await people.list_contacts(owner)
        in_groups: dict[int, list[str]] = {contact.pk: [] for contact in contacts}
        for group in await contact_groups.list_groups(owner):
            for member in group.members:
                in_groups[member.pk].append(group.name)
    if not contacts:
        print(
            f"no contacts yet for {owner.username!r}: voiceapp contacts add --owner "
            f"{owner.username} --name NAME --email EMAIL"
        )
        return 0
    rows = [
        (
            contact.name,
            contact.email,
            contact.language,
            contact.phone or "-",
            ", ".join(in_groups[contact.pk]) or "-",
        )
        for contact in contacts
    ]
    print(table(("NAME", "EMAIL", "LANGUAGE", "PHONE", "GROUPS"), rows))
    return 0


async def contacts_remove(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        owner = await profiles.get_account(args.owner)
        contact = await people.remove_by_email(owner, args.email)
    print(f"removed contact {contact.email} ({contact.name!r})")
    return 0


def read_file(path: Path) -> bytes:
    """The file's bytes, at most one more than importing takes (so that it can say so)."""
    try:
        with path.open("rb") as file:
            return file.read(importing.MAX_FILE_BYTES + 1)
    except OSError as error:
        raise InvalidInput(f"cannot read {str(path)!r}: {error.strerror}") from None


async def contacts_import(args: argparse.Namespace, settings: Settings) -> int:
    data = read_file(args.file)
    async with database(settings.database_url):
        owner = await profiles.get_account(args.owner)
        report = await importing.import_contacts(owner, args.file.name, data)
    print(
        f"{args.file.name}: {len(report.added)} imported, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped"
    )
    remarks = [
        (done.place, f"{done.email}: phone left out: {done.note.message}")
        for done in [*report.added, *report.updated]
        if done.note is not None
    ]
    remarks += [(skipped.place, f"skipped: {skipped.reason.message}") for skipped in report.skipped]
    for place, remark in sorted(remarks, key=lambda item: item[0].number):
        print(f"{place_text(place)}: {remark}")
    return 0


# ---- groups ------------------------------------------------------------------------------


def _register_groups(groups: Groups) -> None:
    parser = groups.add_parser("groups", help="an account's named groups of contacts")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="make a group of contacts")
    add.add_argument("--owner", required=True, help=OWNER_HELP)
    add.add_argument("--name", required=True, help='the group\'s name, e.g. "Partners"')
    add.add_argument(
        "--member",
        action="append",
        required=True,
        metavar="EMAIL",
        help="a contact's e-mail address; repeat for each member",
    )
    add.set_defaults(handler=groupsadd)
    listing = actions.add_parser("list", help="list an account's groups and their members")
    listing.add_argument("--owner", required=True, help=OWNER_HELP)
    listing.set_defaults(handler=groupslist)
    remove = actions.add_parser("remove", help="delete a group (its members stay contacts)")
    remove.add_argument("--owner", required=True, help=OWNER_HELP)
    remove.add_argument("name", help="the group's name")
    remove.set_defaults(handler=groupsremove)


async def describe_group(group: ContactGroup) -> str:
    members = await contact_groups.members_of(group)
    return f"group {group.name!r}: {', '.join(member.email for member in members)}"


async def groupsadd(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        owner = await profiles.get_account(args.owner)
        group = await contact_groups.add_group(owner, args.name, args.member)
        print(await describe_group(group))
    return 0


async def groupslist(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        owner = await profiles.get_account(args.owner)
        found = await contact_groups.list_groups(owner)
    if not found:
        print(
            f"no groups yet for {owner.username!r}: voiceapp groups add --owner "
            f"{owner.username} --name NAME --member EMAIL"
        )
        return 0
    rows = [
        (group.name, len(group.members), ", ".join(sorted(m.email for m in group.members)))
        for group in found
    ]
    print(table(("NAME", "SIZE", "MEMBERS"), rows))
    return 0


async def groupsremove(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        owner = await profiles.get_account(args.owner)
        group = await contact_groups.remove_by_name(owner, args.name)
    print(f"removed group {group.name!r}")
    return 0
