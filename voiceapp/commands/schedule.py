"""`voiceapp schedule add|list|update|cancel|resend` and `voiceapp calendar url|revoke`:
meetings booked ahead, and each account's calendar feed. The rules are in
voiceapp.scheduling; this module parses and prints.

`schedule add` prints the new meeting's ID as the first word of its output, so a script
can keep it: `id=$(voiceapp schedule add ... | cut -d' ' -f1)`.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from zoneinfo import ZoneInfo

from voiceapp.accounts import profiles
from voiceapp.commands.base import Groups, table
from voiceapp.core.db import database
from voiceapp.core.errors import InvalidInput
from voiceapp.core.models import Meeting, Repeat
from voiceapp.core.settings import Settings
from voiceapp.scheduling import calendar_feed, meeting_lists, meeting_updates, meetings
from voiceapp.scheduling.booking import AmbiguousStart
from voiceapp.scheduling.meeting_forms import (
    DEFAULT_REMINDER_MINUTES,
    MeetingChange,
    MeetingForm,
    RepeatForm,
)
from voiceapp.scheduling.meeting_rows import first_start
from voiceapp.scheduling.meeting_view import Weekday

START_HELP = 'the start, wall-clock in the time zone: "YYYY-MM-DD HH:MM"'
FOLD_HELP = (
    "when the start happens twice (the night the clocks go back): first (still summer "
    "time) or second"
)
INVITE_HELP = (
    'someone to invite: EMAIL or "Name <email>" (repeat the option for each); a contact '
    "of the organizer gets the contact's language, anyone else the organizer's"
)


def register(groups: Groups) -> None:
    _register_schedule(groups)
    _register_calendar(groups)


def _repeat_options(parser: argparse.ArgumentParser, *, default_none: bool) -> None:
    parser.add_argument(
        "--repeat",
        choices=[r.value for r in Repeat],
        help="repeat the meeting: daily, weekly (on the start's weekday, or --days), "
        "monthly (on the start's day of the month)"
        + ("" if default_none else "; none makes it a single meeting again"),
    )
    parser.add_argument("--days", help="weekly: the days it falls on, e.g. MO,TH")
    ends = parser.add_mutually_exclusive_group()
    ends.add_argument("--count", help="a series: how many meetings in all, e.g. 10")
    ends.add_argument("--until", help="a series: the last day a meeting may fall on, YYYY-MM-DD")


def _register_schedule(groups: Groups) -> None:
    parser = groups.add_parser("schedule", help="meetings booked ahead, with e-mail invitations")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser(
        "add",
        help="book a meeting in a room and invite people",
        description="Book a meeting (or a series) in a room and queue an invitation to "
        "each invitee (a calendar invitation in their language) and a confirmation to the "
        "organizer. Prints the meeting's ID first.",
    )
    add.add_argument("--organizer", required=True, help="the organizer's account (login name)")
    add.add_argument("--room", required=True, help="the room's conference ID, e.g. 1234")
    add.add_argument("--subject", required=True, help="the meeting's subject, as invitees see it")
    add.add_argument("--start", required=True, help=START_HELP)
    add.add_argument("--duration", required=True, help="its length in minutes (5 to 720)")
    add.add_argument("--timezone", required=True, help="its time zone (IANA), e.g. Europe/Paris")
    add.add_argument("--fold", choices=["first", "second"], help=FOLD_HELP)
    add.add_argument("--details", default="", help="text for the invitees, above the dial-in")
    add.add_argument(
        "--organizer-name",
        default="",
        help="how invitations name the organizer (default: the account's display name)",
    )
    add.add_argument("--invite", action="append", default=[], help=INVITE_HELP)
    add.add_argument(
        "--group",
        action="append",
        default=[],
        help="invite every member of the organizer's contact group NAME (repeatable)",
    )
    _repeat_options(add, default_none=True)
    add.add_argument(
        "--reminder",
        default=str(DEFAULT_REMINDER_MINUTES),
        help="minutes before each meeting that invitees get a reminder; 0 for none "
        f"(default: {DEFAULT_REMINDER_MINUTES})",
    )
    add.set_defaults(handler=schedule_add)

    listing = actions.add_parser("list", help="list upcoming meetings (not cancelled)")
    listing.add_argument("--organizer", help="only this account's meetings (login name)")
    listing.set_defaults(handler=schedule_list)

    update = actions.add_parser(
        "update",
        help="change a meeting; its invitees are told what changed",
        description="Change a meeting. Invitees still invited get an updated invitation "
        "saying what changed, new invitees the invitation, people taken off a "
        "cancellation naming them.",
    )
    update.add_argument("id", help="the meeting's ID (voiceapp schedule list)")
    update.add_argument("--start", help=START_HELP)
    update.add_argument("--fold", choices=["first", "second"], help=FOLD_HELP)
    update.add_argument("--timezone", help="a new time zone; the start stays the same wall-clock")
    update.add_argument("--duration", help="a new length in minutes (5 to 720)")
    update.add_argument("--subject", help="a new subject")
    update.add_argument("--details", help="new text for the invitees")
    update.add_argument("--organizer-name", help="how invitations name the organizer")
    update.add_argument("--room", help="move it to the room with this conference ID")
    update.add_argument("--invite", action="append", default=[], help=INVITE_HELP)
    update.add_argument(
        "--group", action="append", default=[], help="invite a contact group's members too"
    )
    update.add_argument(
        "--uninvite",
        action="append",
        default=[],
        help="take this e-mail address off the list (repeatable); they get a cancellation",
    )
    _repeat_options(update, default_none=False)
    update.add_argument("--reminder", help="minutes before each meeting; 0 for no reminder")
    update.set_defaults(handler=schedule_update)

    cancel = actions.add_parser(
        "cancel", help="cancel a meeting (every meeting of a series); invitees are told"
    )
    cancel.add_argument("id", help="the meeting's ID (voiceapp schedule list)")
    cancel.set_defaults(handler=schedule_cancel)

    resend = actions.add_parser("resend", help="send one invitee their invitation again")
    resend.add_argument("id", help="the meeting's ID (voiceapp schedule list)")
    resend.add_argument("--to", required=True, help="the invitee's e-mail address")
    resend.set_defaults(handler=schedule_resend)


def _register_calendar(groups: Groups) -> None:
    parser = groups.add_parser("calendar", help="each account's private calendar feed URL")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    url = actions.add_parser(
        "url",
        help="make an account's calendar feed URL (shown once)",
        description="Print the URL of an account's calendar feed, to subscribe to from "
        "Google Calendar, Outlook or Apple Calendar. Only a digest of its secret is kept, "
        "so the URL is shown when it is made, never again: --rotate makes a new one and "
        "the old URL stops working.",
    )
    url.add_argument("account", help="the account (login name)")
    url.add_argument(
        "--rotate", action="store_true", help="replace the current URL (it stops working)"
    )
    url.set_defaults(handler=calendar_url)
    revoke = actions.add_parser("revoke", help="turn an account's calendar feed off")
    revoke.add_argument("account", help="the account (login name)")
    revoke.set_defaults(handler=calendar_revoke)


def _repeat_given(args: argparse.Namespace) -> bool:
    return any(v is not None for v in (args.repeat, args.days, args.count, args.until))


def _repeat_form(args: argparse.Namespace) -> RepeatForm:
    return RepeatForm(
        frequency=args.repeat or "none",
        weekdays=[args.days] if args.days else [],
        count=args.count,
        until=args.until,
    )


def _repeat_change(args: argparse.Namespace, meeting: Meeting) -> RepeatForm | None:
    """The series as the options change it; what they leave out stays as it was (a new
    --count alone keeps the pattern and its days, and replaces --until)."""
    if not _repeat_given(args):
        return None
    frequency = args.repeat or meeting.repeat.value
    same = frequency == meeting.repeat.value
    ends_given = args.count is not None or args.until is not None
    # Days that were the start's own follow a new start (left out, they default to it).
    start = first_start(meeting)
    own_weekday = meeting.repeat_weekdays == Weekday.of(start.date()).value
    own_day = meeting.repeat_month_day == start.day
    return RepeatForm(
        frequency=frequency,
        weekdays=[args.days or (meeting.repeat_weekdays if same and not own_weekday else "")],
        month_day=meeting.repeat_month_day if same and not own_day else None,
        count=args.count if ends_given else meeting.repeat_count,
        until=args.until if ends_given else _date_text(meeting),
    )


def _date_text(meeting: Meeting) -> str | None:
    return meeting.repeat_until.isoformat() if meeting.repeat_until else None


def _with_hint(error: AmbiguousStart) -> InvalidInput:
    """The domain's sentence, and the option that makes the choice."""
    return InvalidInput(f"{error.message} (--fold first or --fold second)", field=error.field)


def describe(meeting: Meeting) -> str:
    """'Weekly review' in room Ventes (1234), 2027-03-15 10:00 Europe/Paris, 60 min, weekly x 10"""
    what = (
        f"{meeting.subject!r} in room {meeting.room_name} ({meeting.conference_id}), "
        f"{meeting.local_start} {meeting.time_zone}, {meeting.duration_minutes} min"
    )
    return what + repeat_text(meeting)


def repeat_text(meeting: Meeting) -> str:
    if meeting.repeat is Repeat.NONE:
        return ""
    days = f" on {meeting.repeat_weekdays}" if meeting.repeat is Repeat.WEEKLY else ""
    end = (
        f" x {meeting.repeat_count}"
        if meeting.repeat_count is not None
        else f" until {meeting.repeat_until}"
    )
    return f", {meeting.repeat.value}{days}{end}"


async def schedule_add(args: argparse.Namespace, settings: Settings) -> int:
    form = MeetingForm(
        room=args.room,
        subject=args.subject,
        start=args.start,
        duration=args.duration,
        time_zone=args.timezone,
        details=args.details.replace("\\n", "\n"),
        organizer_name=args.organizer_name,
        fold=args.fold,
        people=args.invite,
        groups=args.group,
        repeat=_repeat_form(args),
        reminder=args.reminder,
    )
    async with database(settings.database_url):
        organizer = await profiles.get_account(args.organizer)
        try:
            meeting = await meetings.create_meeting(organizer, form, sender=settings.mail_from)
        except AmbiguousStart as error:
            raise _with_hint(error) from None
        invited = len(await meetings.active_invitees(meeting.pk))
    print(f"{meeting.pk} booked: {describe(meeting)}; {invited} invitation(s) queued")
    return 0


async def schedule_list(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        organizer = await profiles.get_account(args.organizer) if args.organizer else None
        found = await meeting_lists.upcoming(None, organizer=organizer)
        rows = []
        for item in found:
            meeting = item.meeting
            starts = item.sitting_starts_at.astimezone(ZoneInfo(meeting.time_zone))
            rows.append(
                (
                    meeting.pk,
                    # With its offset: in the autumn hour the same wall time is two.
                    f"{starts:%Y-%m-%d %H:%M} {starts.isoformat()[-6:]}",
                    meeting.time_zone,
                    meeting.duration_minutes,
                    f"{meeting.room_name} ({meeting.conference_id})",
                    meeting.subject,
                    meeting.organizer_name,
                    len(item.invitees),
                    repeat_text(meeting).removeprefix(", ") or "-",
                )
            )
    if not rows:
        print("no upcoming meetings")
        return 0
    headers = ("ID", "NEXT", "ZONE", "MIN", "ROOM", "SUBJECT", "ORGANIZER", "INVITEES", "REPEAT")
    print(table(headers, rows))
    return 0


async def schedule_update(args: argparse.Namespace, settings: Settings) -> int:
    change = MeetingChange(
        room=args.room,
        subject=args.subject,
        details=args.details.replace("\\n", "\n") if args.details is not None else None,
        organizer_name=args.organizer_name,
        start=args.start,
        fold=args.fold,
        time_zone=args.timezone,
        duration=args.duration,
        reminder=args.reminder,
        invite=args.invite,
        invite_groups=args.group,
        uninvite=args.uninvite,
    )
    async with database(settings.database_url):
        current = await meetings.get_meeting(args.id)
        change = replace(change, repeat=_repeat_change(args, current))
        try:
            report = await meeting_updates.update_meeting(
                current.pk, change, sender=settings.mail_from
            )
        except AmbiguousStart as error:
            raise _with_hint(error) from None
    meeting = report.meeting
    if report.nothing:
        print(f"{meeting.pk} unchanged: {describe(meeting)}")
        return 0
    told = []
    if report.changed:
        told.append("changed " + ", ".join(report.changed))
    if report.invited:
        told.append("invited " + ", ".join(report.invited))
    if report.withdrawn:
        told.append("withdrawn " + ", ".join(report.withdrawn))
    print(f"{meeting.pk} updated: {'; '.join(told)}; now {describe(meeting)}")
    return 0


async def schedule_cancel(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        meeting = await meetings.cancel_meeting(args.id, sender=settings.mail_from)
        told = len(await meetings.active_invitees(meeting.pk))
    print(f"{meeting.pk} cancelled: {meeting.subject!r}; {told} invitee(s) told")
    return 0


async def schedule_resend(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        invitee = await meetings.resend_invitation(args.id, args.to, sender=settings.mail_from)
    print(f"invitation to {invitee.email} queued again")
    return 0


async def calendar_url(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        account = await profiles.get_account(args.account)
        if calendar_feed.has_feed(account) and not args.rotate:
            raise InvalidInput(
                f"{account.username!r} already has a calendar feed, whose URL is shown only "
                "when made: add --rotate for a new one (the old URL stops working)"
            )
        token = await calendar_feed.rotate(account)
    print(calendar_feed.feed_url(settings.public_url, token))
    return 0


async def calendar_revoke(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings.database_url):
        account = await profiles.get_account(args.account)
        await calendar_feed.revoke(account)
    print(f"calendar feed of {account.username!r} turned off: its URL answers 404")
    return 0
