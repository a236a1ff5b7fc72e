"""Booking a meeting, cancelling it, sending an invitation again (changing one is in
meeting_updates, on the same pattern).

Each flow checks the form (meeting_forms, booking), then, in ONE transaction: locks the
room, checks the rules that read other meetings, writes the meeting, its sittings and
its invitees, and records the mail as one mailing (mailing_store: a snapshot of who gets
what). Either all of it happens or none; no mail exists for a change that did not
happen. The sender makes the messages right after the commit (mailing_expansion): a
booking with 200 invitees answers in a fraction of the seconds building them takes.

Who receives what:
- booked: each invitee a REQUEST in their language; the organizer a plain confirmation.
- changed: the invitees still invited a REQUEST saying what changed (when something they
  see changed: time, length, repeat, subject, details, room, organizer's name); new
  invitees the invitation; people taken off a CANCEL naming them; the organizer a
  confirmation. SEQUENCE rises when the time, length, repeat or status changes, and
  with every CANCEL.
- cancelled: every invitee a CANCEL with STATUS:CANCELLED, SEQUENCE raised.

`actor` is the account acting from the pages: an organizer reaches only their own
meetings (others' are "not found"), an admin everyone's. The CLI passes None: whoever
runs it on the server is trusted with everything. `sender` is the From of the mail
(settings.mail_from, VOICEAPP_MAIL_FROM); replies go to the organizer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from voiceapp.conferencing.rooms import get_room
from voiceapp.core.errors import Conflict, InvalidInput, NotFound
from voiceapp.core.i18n import N_
from voiceapp.core.models import (
    AccountRole,
    AdminUser,
    Invitee,
    MailingKind,
    Meeting,
    MeetingStatus,
    Occurrence,
    Room,
)
from voiceapp.scheduling import booking, guest_lists, mailing_store, meeting_rows, room_holds
from voiceapp.scheduling.guest_lists import Guest
from voiceapp.scheduling.mailings import Confirmation, Snapshot
from voiceapp.scheduling.meeting_forms import MeetingForm, check_organizer_name, parse_repeat
from voiceapp.scheduling.meeting_rows import LOCAL_START_FORMAT
from voiceapp.scheduling.meeting_view import (
    DialIn,
    DialInNumber,
    InviteeView,
    MeetingView,
    Organizer,
)
from voiceapp.scheduling.occurrences import Sitting, sittings
from voiceapp.scheduling.room_holds import LockedRoom

UID_DOMAIN = "voiceapp"


# ---- finding a meeting -------------------------------------------------------------------


def _missing() -> NotFound:
    return NotFound(N_("there is no such meeting"), field="meeting")


async def get_meeting(meeting_id: int | str, *, actor: AdminUser | None = None) -> Meeting:
    """The meeting, if `actor` may see it (its organizer, an admin, or the CLI)."""
    try:
        key = int(str(meeting_id).strip())
    except ValueError:
        raise _missing() from None
    meeting = await Meeting.get_or_none(id=key)
    if meeting is None or not may_manage(actor, meeting):
        raise _missing()
    return meeting


def may_manage(actor: AdminUser | None, meeting: Meeting) -> bool:
    if actor is None or actor.role is AccountRole.ADMIN:
        return True
    return bool(meeting.organizer_id == actor.pk)  # type: ignore[attr-defined]


async def changeable_meeting(
    meeting_id: int | str, actor: AdminUser | None, now: datetime
) -> Meeting:
    """The meeting `actor` may change: still scheduled, not over."""
    meeting = await get_meeting(meeting_id, actor=actor)
    if meeting.status is MeetingStatus.CANCELLED:
        raise Conflict(N_("this meeting is cancelled: it can no longer change"), field="meeting")
    if meeting.ends_at <= now:
        raise Conflict(N_("this meeting is over: it can no longer change"), field="meeting")
    return meeting


async def active_invitees(meeting_id: int) -> list[Invitee]:
    return await Invitee.filter(meeting_id=meeting_id, removed_at=None).order_by("id")


def invitee_views(invitees: Sequence[Invitee | Guest]) -> list[InviteeView]:
    return [meeting_rows.invitee_view(i.name, i.email, i.language) for i in invitees]


def organizer_address(organizer: AdminUser, has_invitees: bool) -> str:
    """The organizer's address for ORGANIZER and replies; required once anyone is
    invited, "" otherwise (no mail goes out then)."""
    if organizer.email:
        return organizer.email
    if has_invitees:
        raise InvalidInput(
            # Translators: %(name)s is the account's username, in quotes.
            N_(
                "the organizer's account %(name)s has no e-mail address, which invitations "
                "need (replies go there): add one to the account first"
            ),
            params={"name": repr(organizer.username)},
            field="organizer",
        )
    return ""


def locked_dial_in(numbers: tuple[DialInNumber, ...], locked: LockedRoom) -> DialIn:
    """How to reach the room, its ID and PIN as read under its lock (what the mail says
    is then what callers will be asked for)."""
    return DialIn(numbers, locked.conference_id, locked.pin)


def confirming(view: MeetingView, what: Confirmation) -> Confirmation | None:
    """The organizer's confirmation, when their account has an address to send it to."""
    return what if view.organizer.email else None


# ---- booking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _NewMeeting:
    room: Room
    view: MeetingView
    local_start: str
    sittings: list[Sitting]
    guests: list[Guest]
    reminder: int | None
    organizer_language: str


async def _plan(organizer: AdminUser, form: MeetingForm, now: datetime) -> _NewMeeting:
    subject = booking.check_subject(form.subject)
    room = await get_room(_conference_id(form.room))
    zone = booking.parse_zone(form.time_zone)
    local = booking.parse_local_start(form.start)
    start = booking.resolve_start(local, zone, booking.parse_fold(form.fold), now=now)
    duration = booking.check_duration(form.duration)
    rule = parse_repeat(form.repeat, start)
    found = sittings(start, timedelta(minutes=duration), rule)
    reminder = booking.check_reminder(form.reminder)
    details = booking.check_details(form.details)
    name = check_organizer_name(form.organizer_name, organizer.display_name or organizer.username)
    guests = await guest_lists.resolve(organizer, form.people, form.contact_ids, form.groups)
    booking.check_capacity(room.name, room.capacity, len(guests))
    booking.check_future(start, now)
    view = MeetingView(
        uid=f"{uuid.uuid4()}@{UID_DOMAIN}",
        sequence=0,
        subject=subject,
        organizer=Organizer(name=name, email=organizer_address(organizer, bool(guests))),
        details=details,
        start=start,
        duration=timedelta(minutes=duration),
        repeat=rule,
    )
    return _NewMeeting(
        room, view, local.strftime(LOCAL_START_FORMAT), found, guests, reminder, organizer.language
    )


def _conference_id(raw: str) -> str:
    if not raw.strip():
        raise InvalidInput(N_("choose the room the meeting is in"), field="room")
    return raw


async def create_meeting(
    organizer: AdminUser, form: MeetingForm, *, sender: str, now: datetime | None = None
) -> Meeting:
    """Book a meeting (or a series) and invite its people: see the module's docstring."""
    now = now or datetime.now(UTC)
    plan = await _plan(organizer, form, now)
    numbers = await meeting_rows.dial_in_numbers()
    attendees = tuple(invitee_views(plan.guests))
    async with in_transaction():
        locked = await room_holds.lock_room(plan.room.pk)
        booking.check_capacity(locked.name, locked.capacity, len(plan.guests))
        await room_holds.check_room_free(locked, plan.sittings, plan.view.zone)
        meeting = await Meeting.create(
            uid=plan.view.uid,
            sequence=0,
            organizer_id=organizer.pk,
            room_id=locked.id,
            room_name=locked.name,
            conference_id=locked.conference_id,
            organizer_name=plan.view.organizer.name,
            subject=plan.view.subject,
            details=plan.view.details,
            time_zone=plan.view.zone.key,
            local_start=plan.local_start,
            starts_at=plan.view.start.astimezone(UTC),
            duration_minutes=int(plan.view.duration.total_seconds()) // 60,
            reminder_minutes=plan.reminder,
            ends_at=plan.sittings[-1].ends_at,
            **meeting_rows.repeat_columns(plan.view.repeat),
        )
        await write_sittings(meeting.pk, locked.id, plan.sittings)
        await Invitee.bulk_create(
            [
                Invitee(
                    meeting_id=meeting.pk,
                    name=guest.name,
                    email=guest.email,
                    language=guest.language,
                    contact_id=guest.contact_id,
                )
                for guest in plan.guests
            ]
        )
        mail = Snapshot(
            sender,
            now,
            plan.view,
            locked_dial_in(numbers, locked),
            attendees=attendees,
            invitations=attendees,
            confirmation=confirming(plan.view, Confirmation.SCHEDULED),
            organizer_language=plan.organizer_language,
        )
        await mailing_store.record(MailingKind.BOOKED, meeting.pk, mail)
    return meeting


async def write_sittings(meeting_id: int, room_id: int, found: Sequence[Sitting]) -> None:
    """New Occurrence rows for `found`, in one statement."""
    await Occurrence.bulk_create(
        [
            Occurrence(
                meeting_id=meeting_id,
                room_id=room_id,
                starts_at=sitting.starts_at,
                ends_at=sitting.ends_at,
            )
            for sitting in found
        ]
    )


# ---- cancelling, sending again -----------------------------------------------------------


async def cancel_meeting(
    meeting_id: int | str,
    *,
    sender: str,
    actor: AdminUser | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Cancel the whole meeting (every sitting of a series): a CANCEL with
    STATUS:CANCELLED to every invitee, SEQUENCE raised, and the room free again."""
    now = now or datetime.now(UTC)
    meeting = await changeable_meeting(meeting_id, actor, now)
    organizer = await AdminUser.get(id=meeting.organizer_id)  # type: ignore[attr-defined]
    invitees = await active_invitees(meeting.pk)
    view = meeting_rows.meeting_view(meeting, organizer_address(organizer, bool(invitees)))
    view = replace(view, sequence=meeting.sequence + 1)
    room = await Room.get_or_none(id=meeting.room_id)  # type: ignore[attr-defined]
    dial_in = await meeting_rows.dial_in(room, meeting.conference_id)
    attendees = tuple(invitee_views(invitees))
    mail = Snapshot(
        sender,
        now,
        view,
        dial_in,
        attendees=attendees,
        cancellations=attendees,
        confirmation=confirming(view, Confirmation.CANCELLED),
        organizer_language=organizer.language,
    )
    async with in_transaction():
        moved = await Meeting.filter(
            id=meeting.pk, status=MeetingStatus.SCHEDULED, sequence=meeting.sequence
        ).update(status=MeetingStatus.CANCELLED, sequence=view.sequence, updated_at=now)
        if moved != 1:
            raise Conflict(
                N_("this meeting was changed or cancelled meanwhile: open it again"),
                field="meeting",
            )
        await mailing_store.record(MailingKind.CANCELLED, meeting.pk, mail)
    return await Meeting.get(id=meeting.pk)


async def resend_invitation(
    meeting_id: int | str,
    email: str,
    *,
    sender: str,
    actor: AdminUser | None = None,
    now: datetime | None = None,
) -> Invitee:
    """Send one invitee the current invitation again (lost, deleted, or declined by
    mistake): the same UID and SEQUENCE, so their calendar updates the event it has."""
    now = now or datetime.now(UTC)
    meeting = await changeable_meeting(meeting_id, actor, now)
    invitees = await active_invitees(meeting.pk)
    wanted = email.strip().lower()
    invitee = next((i for i in invitees if i.email == wanted), None)
    if invitee is None:
        raise NotFound(
            N_("%(email)s is not invited to this meeting"),
            params={"email": wanted},
            field="email",
        )
    organizer = await AdminUser.get(id=meeting.organizer_id)  # type: ignore[attr-defined]
    view = meeting_rows.meeting_view(meeting, organizer_address(organizer, True))
    room = await Room.get_or_none(id=meeting.room_id)  # type: ignore[attr-defined]
    dial_in = await meeting_rows.dial_in(room, meeting.conference_id)
    mail = Snapshot(
        sender,
        now,
        view,
        dial_in,
        attendees=tuple(invitee_views(invitees)),
        invitations=tuple(invitee_views([invitee])),
    )
    await mailing_store.record(MailingKind.RESENT, meeting.pk, mail)
    return invitee
