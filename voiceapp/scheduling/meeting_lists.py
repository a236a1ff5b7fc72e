"""The meetings an account sees: upcoming (not over, not cancelled) and past, each with its
next (or last) sitting and who is invited. An organizer sees their own meetings, an admin
everyone's; the CLI (viewer None) everyone's too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from voiceapp.core.models import AccountRole, AdminUser, Invitee, Meeting, MeetingStatus, Occurrence


@dataclass(frozen=True)
class Listed:
    meeting: Meeting
    # Upcoming: the next sitting not over yet (the one under way, if any). Past: the last.
    sitting_starts_at: datetime
    sitting_ends_at: datetime
    invitees: tuple[Invitee, ...]  # still invited, in the order they were added

    @property
    def under_way(self) -> bool:
        return self.sitting_starts_at <= datetime.now(UTC) < self.sitting_ends_at


def _visible(viewer: AdminUser | None, organizer: AdminUser | None) -> QuerySet[Meeting]:
    meetings = Meeting.all()
    if viewer is not None and viewer.role is not AccountRole.ADMIN:
        meetings = meetings.filter(organizer_id=viewer.pk)
    if organizer is not None:
        meetings = meetings.filter(organizer_id=organizer.pk)
    return meetings


async def upcoming(
    viewer: AdminUser | None,
    *,
    organizer: AdminUser | None = None,
    now: datetime | None = None,
) -> list[Listed]:
    """Scheduled meetings not over yet, soonest sitting first."""
    now = now or datetime.now(UTC)
    meetings = await _visible(viewer, organizer).filter(
        status=MeetingStatus.SCHEDULED, ends_at__gt=now
    )
    sittings = await (
        Occurrence.filter(meeting_id__in=[m.pk for m in meetings], ends_at__gt=now)
        .order_by("starts_at")
        .values_list("meeting_id", "starts_at", "ends_at")
    )
    nearest: dict[int, tuple[datetime, datetime]] = {}
    for meeting_id, starts_at, ends_at in sittings:
        nearest.setdefault(int(meeting_id), (starts_at, ends_at))
    listed = await _with_invitees(meetings, nearest)
    return sorted(listed, key=lambda item: (item.sitting_starts_at, item.meeting.pk))


async def hosted_now(now: datetime | None = None) -> dict[int, Listed]:
    """The booked meeting each room is hosting now, by room id: one query on the
    sittings under way (most rooms host none; a room is used without booking too)."""
    now = now or datetime.now(UTC)
    sittings = await Occurrence.filter(
        starts_at__lte=now,
        ends_at__gt=now,
        room_id__not_isnull=True,
        meeting__status=MeetingStatus.SCHEDULED,
    ).values_list("meeting_id", "starts_at", "ends_at")
    under_way = {int(meeting_id): (starts, ends) for meeting_id, starts, ends in sittings}
    meetings = await Meeting.filter(id__in=list(under_way))
    return {
        item.meeting.room_id: item  # type: ignore[attr-defined]
        for item in await _with_invitees(meetings, under_way)
    }


async def past(
    viewer: AdminUser | None,
    *,
    organizer: AdminUser | None = None,
    now: datetime | None = None,
    limit: int = 100,
) -> list[Listed]:
    """Meetings over (their last sitting ended) or cancelled, latest first."""
    now = now or datetime.now(UTC)
    over = _visible(viewer, organizer).filter(
        Q(ends_at__lte=now) | Q(status=MeetingStatus.CANCELLED)
    )
    meetings = await over.order_by("-ends_at").limit(limit)
    last: dict[int, tuple[datetime, datetime]] = {}
    sittings = await (
        Occurrence.filter(meeting_id__in=[m.pk for m in meetings], starts_at__lte=now)
        .order_by("-starts_at")
        .values_list("meeting_id", "starts_at", "ends_at")
    )
    for meeting_id, starts_at, ends_at in sittings:
        last.setdefault(int(meeting_id), (starts_at, ends_at))
    listed = await _with_invitees(meetings, last)
    return sorted(listed, key=lambda item: (item.sitting_starts_at, item.meeting.pk), reverse=True)


async def _with_invitees(
    meetings: Sequence[Meeting], sittings: dict[int, tuple[datetime, datetime]]
) -> list[Listed]:
    invited: dict[int, list[Invitee]] = {}
    for invitee in await Invitee.filter(
        meeting_id__in=[m.pk for m in meetings], removed_at=None
    ).order_by("id"):
        invited.setdefault(invitee.meeting_id, []).append(invitee)  # type: ignore[attr-defined]
    return [
        Listed(
            meeting=meeting,
            sitting_starts_at=sittings.get(meeting.pk, (meeting.starts_at, meeting.ends_at))[0],
            sitting_ends_at=sittings.get(meeting.pk, (meeting.starts_at, meeting.ends_at))[1],
            invitees=tuple(invited.get(meeting.pk, ())),
        )
        for meeting in meetings
    ]
