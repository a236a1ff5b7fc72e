"""Who gets which message when a meeting is booked, changed or cancelled, or an
invitation is resent: a `Snapshot` taken at the change, and the messages it makes.

The booking flows decide who gets what and record the snapshot in their transaction
(mailing_store): one row, however many people are invited. The sender makes the messages
after the commit (mailing_expansion, with `messages`): everyone reading the same thing
gets a copy of one message per language (mail.wire.prepare_copies), so 200 invitations
are 3 messages made and encoded, one calendar each, and 200 copies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from voiceapp.mail.wire import Prepared, prepare, prepare_copies
from voiceapp.scheduling import invitation_mail
from voiceapp.scheduling.changes import Change, changes_between
from voiceapp.scheduling.invitation_mail import Confirmation, address_of
from voiceapp.scheduling.meeting_view import DialIn, InviteeView, MeetingView

__all__ = ["ORGANIZER", "Confirmation", "Outgoing", "Snapshot", "copies", "messages"]

# Whom the organizer's confirmation is for, among a mailing's messages (the others are
# for invitees, named by their address).
ORGANIZER = "organizer"


@dataclass(frozen=True)
class Snapshot:
    """Everything one change's messages are made from, as it was at the change: they say
    the same whenever they are made. Plain values, so it can be stored (mailing_codec)."""

    # The From when whoever makes the messages gives none (`messages`): the sender's own
    # VOICEAPP_MAIL_FROM wins. Replies go to the organizer.
    sender: str
    # The moment of the change: each message's Date and DTSTAMP.
    now: datetime
    # The meeting after the change (its SEQUENCE already raised when it had to be).
    meeting: MeetingView
    dial_in: DialIn
    # Everyone invited after the change: the calendars' ATTENDEEs.
    attendees: tuple[InviteeView, ...] = ()
    # Who receives what: the invitation (REQUEST), the update saying what changed (the
    # REQUEST again), a CANCEL naming them only, the CANCEL of the whole meeting.
    invitations: tuple[InviteeView, ...] = ()
    updates: tuple[InviteeView, ...] = ()
    withdrawals: tuple[InviteeView, ...] = ()
    cancellations: tuple[InviteeView, ...] = ()
    # The organizer's plain confirmation, in their language; None: not sent (nothing to
    # confirm, or the organizer's account has no address).
    confirmation: Confirmation | None = None
    organizer_language: str = "en"
    # An update: the meeting and its dial-in before it, which "what changed" is told from.
    before: MeetingView | None = None
    before_dial_in: DialIn | None = None

    @property
    def changes(self) -> tuple[Change[Any], ...]:
        if self.before is None:
            return ()
        return changes_between(self.before, self.meeting, self.before_dial_in, self.dial_in)

    @property
    def empty(self) -> bool:
        """Nobody receives anything."""
        people = (self.invitations, self.updates, self.withdrawals, self.cancellations)
        return not any(people) and self.confirmation is None


@dataclass(frozen=True)
class Outgoing:
    """One message of a mailing, ready for the outbox: for an invitee's address, or
    ORGANIZER."""

    to: str
    prepared: Prepared


def messages(snapshot: Snapshot, *, sender: str | None = None) -> list[Outgoing]:
    """Every message `snapshot` makes: updates, invitations, withdrawals, cancellations,
    then the organizer's confirmation, each group in the order its people were given.
    From `sender` (the VOICEAPP_MAIL_FROM of the process making them, which sends them),
    else the snapshot's own: the process that recorded the change may have another."""
    s = snapshot
    meeting, dial_in, attendees, changes = s.meeting, s.dial_in, s.attendees, s.changes
    stamp: dict[str, Any] = {"sender": sender or s.sender, "now": s.now}
    found = [
        *copies(
            s.updates,
            lambda language: invitation_mail.update_in(
                language, meeting, attendees, dial_in, changes, **stamp
            ),
        ),
        *copies(
            s.invitations,
            lambda language: invitation_mail.invitation_in(
                language, meeting, attendees, dial_in, **stamp
            ),
        ),
        # Each names only its reader in the calendar: one message each.
        *(
            Outgoing(person.email, prepare(invitation_mail.withdrawal(meeting, person, **stamp)))
            for person in s.withdrawals
        ),
        *copies(
            s.cancellations,
            lambda language: invitation_mail.cancellation_in(language, meeting, attendees, **stamp),
        ),
    ]
    if s.confirmation is not None:
        confirmation = invitation_mail.organizer_confirmation(
            meeting,
            attendees,
            dial_in,
            language=s.organizer_language,
            what=s.confirmation,
            changes=changes,
            **stamp,
        )
        found.append(Outgoing(ORGANIZER, prepare(confirmation)))
    return found


def copies(people: Sequence[InviteeView], make: Callable[[str], EmailMessage]) -> list[Outgoing]:
    """A copy for each of `people` of the message `make(language)` writes for their
    language, made once per language; in the order of `people`."""
    by_language: dict[str, list[int]] = {}
    for n, person in enumerate(people):
        by_language.setdefault(person.language, []).append(n)
    found: dict[int, Outgoing] = {}
    for language, indexes in by_language.items():
        made = prepare_copies(make(language), [address_of(people[n]) for n in indexes])
        found.update(
            (n, Outgoing(people[n].email, prepared))
            for n, prepared in zip(indexes, made, strict=True)
        )
    return [found[n] for n in range(len(people))]
