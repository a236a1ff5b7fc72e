"""Changing a booked meeting, and telling the people concerned (see meetings for the
pattern: checks first, then one transaction under the room's lock, which records the
mail as one mailing).

Who receives what:
- the invitees still invited: a REQUEST saying what changed, when something they see
  changed (time, length, repeat, subject, details, room, PIN, the organizer's name);
- new invitees: the invitation (a REQUEST with everyone on it);
- people taken off the list: a CANCEL naming them only, without STATUS:CANCELLED;
- the organizer: a plain confirmation, when anyone was told anything.
SEQUENCE rises when the time, length or repeat changes (RFC 5546: DTSTART, DTEND,
RRULE) and when someone is taken off (every CANCEL raises it). A change of reminder
alone changes nothing anyone receives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from voiceapp.conferencing.rooms import get_room
from voiceapp.core.errors import Conflict, InvalidInput, NotFound
from voiceapp.core.i18n import N_
from voiceapp.core.models import (
    AdminUser,
    Invitee,
    MailingKind,
    Meeting,
    MeetingStatus,
    Occurrence,
    Room,
)
from voiceapp.scheduling import booking, guest_lists, mailing_store, meeting_rows, room_holds
from voiceapp.scheduling.changes import changes_between
from voiceapp.scheduling.guest_lists import Guest
from voiceapp.scheduling.mailings import Confirmation, Snapshot
from voiceapp.scheduling.meeting_forms import (
    MeetingChange,
    check_organizer_name,
    moved_along,
    parse_repeat,
)
from voiceapp.scheduling.meeting_rows import LOCAL_START_FORMAT
from voiceapp.scheduling.meeting_view import DialIn, MeetingView, Organizer, RepeatRule
from voiceapp.scheduling.meetings import (
    active_invitees,
    changeable_meeting,
    confirming,
    invitee_views,
    locked_dial_in,
    organizer_address,
    write_sittings,
)
from voiceapp.scheduling.occurrences import Sitting, sittings


@dataclass(frozen=True)
class UpdateReport:
    """What an update did: the fields that changed, and who was invited or taken off."""

    meeting: Meeting
    changed: tuple[str, ...]
    invited: tuple[str, ...]
    withdrawn: tuple[str, ...]

    @property
    def nothing(self) -> bool:
        return not (self.changed or self.invited or self.withdrawn)


@dataclass(frozen=True)
class _Schedule:
    """When the meeting will be, and which of its fields that changes."""

    zone: ZoneInfo
    local_start: str
    start: datetime
    minutes: int
    rule: RepeatRule | None
    changed: tuple[str, ...]  # of start, time_zone, duration, repeat
    # The new sittings when the schedule changed, else empty.
    sittings: list[Sitting]


def _schedule(
    meeting: Meeting, before: MeetingView, change: MeetingChange, now: datetime
) -> _Schedule:
    zone = booking.parse_zone(change.time_zone) if change.time_zone is not None else before.zone
    local = booking.parse_local_start(change.start or meeting.local_start)
    moved = bool(change.start) or change.time_zone is not None or bool(change.fold)
    start = (
        booking.resolve_start(local, zone, booking.parse_fold(change.fold), now=now)
        if moved
        else (before.start)
    )
    minutes = (
        booking.check_duration(change.duration)
        if change.duration is not None
        else meeting.duration_minutes
    )
    rule = (
        parse_repeat(change.repeat, start)
        if change.repeat is not None
        else moved_along(before.repeat, before.start, start)
    )
    changed = []
    local_start = local.strftime(LOCAL_START_FORMAT)
    if start.astimezone(UTC) != meeting.starts_at or local_start != meeting.local_start:
        changed.append("start")
    if zone.key != meeting.time_zone:
        changed.append("time_zone")
    if minutes != meeting.duration_minutes:
        changed.append("duration")
    if rule != before.repeat:
        changed.append("repeat")
    found = sittings(start, timedelta(minutes=minutes), rule) if changed else []
    return _Schedule(zone, local_start, start, minutes, rule, tuple(changed), found)


async def update_meeting(
    meeting_id: int | str,
    change: MeetingChange,
    *,
    sender: str,
    actor: AdminUser | None = None,
    now: datetime | None = None,
) -> UpdateReport:
    """Change a meeting and tell the people concerned: see the module's docstring."""
    now = now or datetime.now(UTC)
    meeting = await changeable_meeting(meeting_id, actor, now)
    organizer = await AdminUser.get(id=meeting.organizer_id)  # type: ignore[attr-defined]
    current = await active_invitees(meeting.pk)
    before = meeting_rows.meeting_view(meeting, organizer.email or "")

    schedule = _schedule(meeting, before, change, now)
    if {"start", "time_zone"} & set(schedule.changed):
        booking.check_future(schedule.start, now)
    changed = list(schedule.changed)
    subject, details = before.subject, before.details
    if change.subject is not None and booking.check_subject(change.subject) != subject:
        subject = booking.check_subject(change.subject)
        changed.append("subject")
    if change.details is not None and booking.check_details(change.details) != details:
        details = booking.check_details(change.details)
        changed.append("details")
    organizer_name = meeting.organizer_name
    if change.organizer_name is not None:
        fallback = organizer.display_name or organizer.username
        if check_organizer_name(change.organizer_name, fallback) != organizer_name:
            organizer_name = check_organizer_name(change.organizer_name, fallback)
            changed.append("organizer_name")
    old_room = await Room.get_or_none(id=meeting.room_id)  # type: ignore[attr-defined]
    room = old_room
    if change.room and (room is None or change.room.strip() != room.conference_id):
        room = await get_room(change.room)
        changed.append("room")
    reminder = meeting.reminder_minutes
    if change.reminder is not None and booking.check_reminder(change.reminder) != reminder:
        reminder = booking.check_reminder(change.reminder)
        changed.append("reminder")

    removed = _to_withdraw(current, change.uninvite)
    added = await _to_invite(organizer, change, current, removed)
    if not (changed or added or removed):
        return UpdateReport(meeting, (), (), ())
    if room is None and (schedule.changed or added):
        raise InvalidInput(N_("this meeting's room was deleted: choose another room"), field="room")
    leaving = {invitee.pk for invitee in removed}
    still = [invitee for invitee in current if invitee.pk not in leaving]

    after = MeetingView(
        uid=meeting.uid,
        sequence=meeting.sequence + (1 if schedule.changed or removed else 0),
        subject=subject,
        organizer=Organizer(organizer_name, organizer_address(organizer, bool(still or added))),
        details=details,
        start=schedule.start,
        duration=timedelta(minutes=schedule.minutes),
        repeat=schedule.rule,
    )
    numbers = await meeting_rows.dial_in_numbers()
    old_dial_in = meeting_rows.dial_in_with(numbers, old_room, meeting.conference_id)

    def mail(dial_in: DialIn) -> Snapshot:
        """Who is told what, `dial_in` being how to reach the room after the change."""
        told = bool(changes_between(before, after, old_dial_in, dial_in))
        told = told or "organizer_name" in changed
        attendees = tuple(invitee_views([*still, *added]))
        return Snapshot(
            sender,
            now,
            after,
            dial_in,
            attendees=attendees,
            updates=tuple(invitee_views(still)) if told else (),
            invitations=tuple(invitee_views(added)),
            withdrawals=tuple(invitee_views(removed)),
            confirmation=(
                confirming(after, Confirmation.UPDATED) if told or added or removed else None
            ),
            organizer_language=organizer.language,
            before=before,
            before_dial_in=old_dial_in,
        )

    async with in_transaction():
        columns: dict[str, object] = {
            "sequence": after.sequence,
            "subject": subject,
            "details": details,
            "organizer_name": organizer_name,
            "reminder_minutes": reminder,
            "updated_at": now,
        }
        found = schedule.sittings
        locked = await room_holds.lock_room(room.pk) if room is not None else None
        # How to reach the room after the change: as read under its lock, or, the room
        # gone, the meeting's conference ID without a PIN.
        dial_in = (
            locked_dial_in(numbers, locked)
            if locked is not None
            else meeting_rows.dial_in_with(numbers, None, meeting.conference_id)
        )
        if locked is not None:
            if added or "room" in changed:
                booking.check_capacity(locked.name, locked.capacity, len(still) + len(added))
            columns.update(
                room_id=locked.id, room_name=locked.name, conference_id=locked.conference_id
            )
            if "room" in changed and not found:
                found = sittings(after.start, after.duration, after.repeat)
            if found:
                await room_holds.check_room_free(
                    locked, found, schedule.zone, except_meeting=meeting.pk
                )
        if found:
            columns.update(
                time_zone=schedule.zone.key,
                local_start=schedule.local_start,
                starts_at=schedule.start.astimezone(UTC),
                duration_minutes=schedule.minutes,
                ends_at=found[-1].ends_at,
                **meeting_rows.repeat_columns(after.repeat),
            )
        # Only over the meeting as read above: had someone changed it meanwhile, one of
        # the two changes, made from different versions, would undo the other.
        versioned = Meeting.filter(
            id=meeting.pk,
            sequence=meeting.sequence,
            updated_at=meeting.updated_at,
            status=MeetingStatus.SCHEDULED,
        )
        if await versioned.update(**columns) != 1:
            raise Conflict(
                N_("this meeting was changed meanwhile: open it again and redo your change"),
                field="meeting",
            )
        if found:
            assert locked is not None  # a new schedule without a room was refused above
            await _replace_sittings(meeting.pk, locked.id, found)
        if removed:
            await Invitee.filter(id__in=[i.pk for i in removed]).update(removed_at=now)
        await _invite(meeting.pk, added, now)
        await mailing_store.record(MailingKind.UPDATED, meeting.pk, mail(dial_in))
    return UpdateReport(
        await Meeting.get(id=meeting.pk),
        tuple(changed),
        tuple(guest.email for guest in added),
        tuple(sorted(invitee.email for invitee in removed)),
    )


def _to_withdraw(current: Sequence[Invitee], emails: Sequence[str]) -> list[Invitee]:
    by_email = {invitee.email: invitee for invitee in current}
    found: list[Invitee] = []
    for raw in emails:
        if not raw.strip():
            continue
        email = raw.strip().lower()
        invitee = by_email.get(email)
        if invitee is None:
            raise NotFound(
                N_("%(email)s is not invited to this meeting"),
                params={"email": email},
                field="uninvite",
            )
        if invitee not in found:
            found.append(invitee)
    return found


async def _to_invite(
    organizer: AdminUser,
    change: MeetingChange,
    current: Sequence[Invitee],
    removed: Sequence[Invitee],
) -> list[Guest]:
    """The people `change` invites who are not invited yet."""
    guests = await guest_lists.resolve(
        organizer, change.invite, change.invite_contact_ids, change.invite_groups
    )
    leaving = {invitee.email for invitee in removed}
    if clash := sorted(leaving & {guest.email for guest in guests}):
        raise InvalidInput(
            N_("%(email)s cannot be invited and taken off the list at once"),
            params={"email": clash[0]},
            field="uninvite",
        )
    invited = {invitee.email for invitee in current}
    return [guest for guest in guests if guest.email not in invited]


async def _invite(meeting_id: int, guests: Sequence[Guest], now: datetime) -> None:
    """Add `guests`; one taken off earlier is invited again on the same row (one row per
    address and meeting), keeping its reminders' keys."""
    if not guests:
        return
    earlier = {
        invitee.email: invitee
        for invitee in await Invitee.filter(
            meeting_id=meeting_id, email__in=[guest.email for guest in guests]
        )
    }
    new = []
    for guest in guests:
        if guest.email in earlier:
            await Invitee.filter(id=earlier[guest.email].pk).update(
                name=guest.name,
                language=guest.language,
                contact_id=guest.contact_id,
                removed_at=None,
                invited_at=now,
            )
        else:
            new.append(
                Invitee(
                    meeting_id=meeting_id,
                    name=guest.name,
                    email=guest.email,
                    language=guest.language,
                    contact_id=guest.contact_id,
                )
            )
    if new:
        await Invitee.bulk_create(new)


async def _replace_sittings(meeting_id: int, room_id: int, found: Sequence[Sitting]) -> None:
    """Make the meeting's sittings `found`. A sitting that starts when one already did
    keeps its row (and so its id, which its reminders are keyed by: a meeting made
    longer does not remind its invitees a second time)."""
    held = {row.starts_at: row for row in await Occurrence.filter(meeting_id=meeting_id)}
    kept, new = [], []
    for sitting in found:
        row = held.pop(sitting.starts_at, None)
        if row is None:
            new.append(sitting)
        elif row.ends_at != sitting.ends_at or row.room_id != room_id:  # type: ignore[attr-defined]
            row.ends_at = sitting.ends_at
            row.room_id = room_id
            kept.append(row)
    if held:
        await Occurrence.filter(id__in=[row.pk for row in held.values()]).delete()
    if kept:
        await Occurrence.bulk_update(kept, fields=["ends_at", "room_id"])
    await write_sittings(meeting_id, room_id, new)
