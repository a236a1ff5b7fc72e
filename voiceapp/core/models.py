"""The database tables, as Tortoise ORM models.

Rules about what may be stored live in the area packages (conferencing, switchboard...);
these classes only say what the columns are. Every change here needs a migration:
`tortoise -c voiceapp.core.db.TORTOISE_ORM makemigrations` (see README).

Model docstrings become table comments in the migration, and Tortoise's SQLite schema
editor splits SQL on ';': keep semicolons out of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from voiceapp.core.enum_labels import labels_for
from voiceapp.core.i18n import N_

# Every table's id column is a 32-bit integer: a larger number (in a URL, a callback's
# query) names no row, and PostgreSQL refuses to compare one with the column.
LARGEST_ROW_ID = 2**31 - 1


class ExtensionKind(StrEnum):
    CONFERENCE_SERVER = "conference_server"
    USER = "user"
    RING_GROUP = "ring_group"
    RECEPTIONIST = "receptionist"

    @property
    def label(self) -> str:
        """How the admin pages name it, in English: translate it where it is shown."""
        return EXTENSION_KIND_LABELS[self]


# Every kind's label, checked when this module is imported (see enum_labels).
EXTENSION_KIND_LABELS = labels_for(
    ExtensionKind,
    {
        ExtensionKind.CONFERENCE_SERVER: N_("Conference server"),
        ExtensionKind.USER: N_("User"),
        ExtensionKind.RING_GROUP: N_("Ring group"),
        ExtensionKind.RECEPTIONIST: N_("Virtual receptionist"),
    },
)


class Language(StrEnum):
    FR = "fr"
    ES = "es"

    @property
    def label(self) -> str:
        """Its name on the admin pages, in English: translate it where it is shown."""
        return LANGUAGE_LABELS[self]


LANGUAGE_LABELS = labels_for(Language, {Language.FR: N_("French"), Language.ES: N_("Spanish")})


class SeatState(StrEnum):
    # Reserved: we answered <Dial><Conference> but the carrier has not yet said the caller is in.
    RESERVED = "reserved"
    JOINED = "joined"
    # Out of the conference with the call still on: in the keypad menu (the seat is kept
    # for the way back), or removed by a host and hearing goodbye.
    IN_MENU = "in_menu"
    REMOVED = "removed"


class Extension(Model):
    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=8, unique=True)
    kind = fields.CharEnumField(ExtensionKind, max_length=24)
    name = fields.CharField(max_length=100, default="")
    # A user extension rings this E.164 number or SIP URI.
    forward_to = fields.CharField(max_length=255, null=True)
    members: fields.ManyToManyRelation[Extension] = fields.ManyToManyField(
        "voiceapp.Extension", related_name="ring_groups", through="ring_group_member"
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    # Reverse relations, declared for type checkers.
    ring_groups: fields.ManyToManyRelation[Extension]
    phone_numbers: fields.ReverseRelation[PhoneNumber]

    class Meta:
        table = "extension"


class PhoneNumber(Model):
    id = fields.IntField(primary_key=True)
    e164 = fields.CharField(max_length=16, unique=True)
    extension: fields.ForeignKeyRelation[Extension] = fields.ForeignKeyField(
        "voiceapp.Extension", related_name="phone_numbers", on_delete=fields.RESTRICT
    )
    language = fields.CharEnumField(Language, max_length=2, default=Language.FR)
    # Carrier text-to-speech locale for this number (fr-CA, es-MX); None: the language's default.
    say_locale = fields.CharField(max_length=8, null=True)
    # A recorded greeting replacing the spoken one (path under the media directory).
    greeting_media = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "phone_number"


class Bridge(Model):
    """The conference server: one extension that holds the rooms."""

    id = fields.IntField(primary_key=True)
    extension: fields.OneToOneRelation[Extension] = fields.OneToOneField(
        "voiceapp.Extension", related_name="bridge", on_delete=fields.RESTRICT
    )
    default_language = fields.CharEnumField(Language, max_length=2, default=Language.FR)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "bridge"


class Room(Model):
    id = fields.IntField(primary_key=True)
    bridge: fields.ForeignKeyRelation[Bridge] = fields.ForeignKeyField(
        "voiceapp.Bridge", related_name="rooms", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=100)
    conference_id = fields.CharField(max_length=12, unique=True)
    pin = fields.CharField(max_length=12, null=True)
    capacity = fields.IntField(default=10)
    # Seats reserved or joined right now. Changed only by one conditional UPDATE
    # (seat_sql, for seats.walk_in and reserve_seat) so the cap holds under concurrent callers.
    seats_taken = fields.IntField(default=0)
    greeting_media = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Inside the conference. A caller who types the host PIN is the room's host.
    host_pin = fields.CharField(max_length=12, null=True)
    # Participants wait, hearing hold music, until a host joins.
    wait_for_host = fields.BooleanField(default=False, db_default=False)
    # The conference ends when a host leaves.
    end_with_host = fields.BooleanField(default=False, db_default=False)
    # Entry and exit tones.
    tones = fields.BooleanField(default=True, db_default=True)
    # Participants (not hosts) join muted: lecture mode.
    muted_on_entry = fields.BooleanField(default=False, db_default=False)
    record = fields.BooleanField(default=False, db_default=False)
    # Newcomers are refused (hosts still enter), until the conference ends. Changed only
    # by conditional UPDATEs of this one column (conferencing.controls).
    locked = fields.BooleanField(default=False, db_default=False)

    class Meta:
        table = "room"

    async def save(
        self,
        using_db: BaseDBAsyncClient | None = None,
        update_fields: Iterable[str] | None = None,
        force_create: bool = False,
        force_update: bool = False,
    ) -> None:
        """Insert a room, or update the columns named in `update_fields`, never
        `seats_taken`: a whole-row save would write the seat count read earlier over the
        seats callers took or freed meanwhile (seen: ghost seats, a negative count, and
        more callers let in than the room holds)."""
        if not force_create and (update_fields is None or "seats_taken" in update_fields):
            raise TypeError(
                "Room.save() needs update_fields without seats_taken; "
                "seats move only through seat_sql's conditional UPDATE"
            )
        await super().save(using_db, update_fields, force_create, force_update)


class Seat(Model):
    """One caller in one room, by the carrier's CallSid."""

    id = fields.IntField(primary_key=True)
    room: fields.ForeignKeyRelation[Room] = fields.ForeignKeyField(
        "voiceapp.Room", related_name="seats", on_delete=fields.CASCADE
    )
    call_sid = fields.CharField(max_length=64, unique=True)
    caller = fields.CharField(max_length=64, default="")
    state = fields.CharEnumField(SeatState, max_length=10, default=SeatState.RESERVED)
    conference_sid = fields.CharField(max_length=64, null=True)
    reserved_at = fields.DatetimeField()
    joined_at = fields.DatetimeField(null=True)
    # Typed the host PIN: joins as the room's host (starts it, may end it on leaving).
    is_host = fields.BooleanField(default=False, db_default=False)
    # As the carrier last said (participant callbacks), or as the caller chose in the
    # keypad menu: the way back into the conference keeps it.
    muted = fields.BooleanField(default=False, db_default=False)
    on_hold = fields.BooleanField(default=False, db_default=False)
    # The carrier account the call came through (AccountSid): which REST API controls it.
    account_sid = fields.CharField(max_length=64, null=True)
    # The carrier's SequenceNumber of the last conference callback applied: one that
    # arrives late (callbacks are not ordered) changes nothing.
    sequence = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "seat"


class CallRecord(Model):
    """What happened on one inbound call: the call history the admin reads."""

    id = fields.IntField(primary_key=True)
    call_sid = fields.CharField(max_length=64, unique=True)
    caller = fields.CharField(max_length=64, default="")
    called = fields.CharField(max_length=64, default="")
    extension_number = fields.CharField(max_length=8, null=True)
    room: fields.ForeignKeyNullableRelation[Room] = fields.ForeignKeyField(
        "voiceapp.Room", related_name="calls", null=True, on_delete=fields.SET_NULL
    )
    # Kept as text so history still reads right after the room is renamed or deleted.
    room_name = fields.CharField(max_length=100, null=True)
    outcome = fields.CharField(max_length=32, default="in_progress")
    started_at = fields.DatetimeField()
    joined_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    duration_seconds = fields.IntField(null=True)

    class Meta:
        table = "call_record"


class Voicemail(Model):
    id = fields.IntField(primary_key=True)
    extension: fields.ForeignKeyNullableRelation[Extension] = fields.ForeignKeyField(
        "voiceapp.Extension", related_name="voicemails", null=True, on_delete=fields.SET_NULL
    )
    # Kept as text so the message still says who it was for after the extension is gone.
    extension_number = fields.CharField(max_length=8)
    call_sid = fields.CharField(max_length=64, unique=True)
    caller = fields.CharField(max_length=64, default="")
    called = fields.CharField(max_length=64, default="")
    recording_url = fields.CharField(max_length=500)
    recording_sid = fields.CharField(max_length=64, null=True)
    duration_seconds = fields.IntField(default=0)
    created_at = fields.DatetimeField()
    # When an admin first played it or marked it heard: the Voicemail page shows new ones.
    heard_at = fields.DatetimeField(null=True)

    class Meta:
        table = "voicemail"


class ConferenceRecording(Model):
    """A recording of a room's conference, as the carrier's recording callback gave it."""

    id = fields.IntField(primary_key=True)
    room: fields.ForeignKeyNullableRelation[Room] = fields.ForeignKeyField(
        "voiceapp.Room", related_name="recordings", null=True, on_delete=fields.SET_NULL
    )
    # Kept as text so the recording still says which room after the room is gone.
    room_name = fields.CharField(max_length=100)
    conference_id = fields.CharField(max_length=12)
    conference_sid = fields.CharField(max_length=64)
    recording_sid = fields.CharField(max_length=64, unique=True)
    recording_url = fields.CharField(max_length=500)
    started_at = fields.DatetimeField()
    duration_seconds = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "conference_recording"


class EmulatedCarrier(Model):
    """A built-in carrier emulator placing calls now (voiceapp call, the Test call page):
    the REST API that controls its conferences, found by the AccountSid its webhooks carry."""

    id = fields.IntField(primary_key=True)
    account_sid = fields.CharField(max_length=34, unique=True)
    api_url = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "emulated_carrier"


class AccountRole(StrEnum):
    # Everything: rooms, numbers, extensions, accounts, everyone's meetings.
    ADMIN = "admin"
    # Schedules meetings and keeps contacts and groups; sees only their own meetings.
    ORGANIZER = "organizer"


class AdminUser(Model):
    """An account of the web pages (and of the calendar feed): an admin or an organizer."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)
    # The generation of this admin's sessions: each session cookie carries the value it
    # was made under, and only a cookie matching the current one is logged in. Logging
    # out or changing the password adds one, which ends every session, copies included.
    # db_default too: the migration adding the column gives the existing admins 0.
    session_epoch = fields.IntField(default=0, db_default=0)
    # The IANA zone this admin reads times in ("Europe/Paris"): detected by the browser at
    # login, changeable on the Account page. None until then: times show in UTC.
    time_zone = fields.CharField(max_length=64, null=True)
    # db_default: the accounts made before roles existed are admins, as they were.
    role = fields.CharEnumField(
        AccountRole, max_length=10, default=AccountRole.ADMIN, db_default="admin"
    )
    # How invitations name the organizer, and where replies and confirmations go.
    display_name = fields.CharField(max_length=100, default="", db_default="")
    email = fields.CharField(max_length=320, null=True)
    # The language of this account's pages and mail: en, fr or es.
    language = fields.CharField(max_length=2, default="en", db_default="en")
    # SHA-256 of the secret in this account's calendar feed URL; None: no feed yet.
    calendar_token_hash = fields.CharField(max_length=64, null=True, unique=True)

    class Meta:
        table = "admin_user"


class Attempt(Model):
    """A try at a room's PIN or an admin's password, counted by attempt_limits.

    A failure, or a try still being checked, counted over a sliding window: one row per
    key the try counts under (its caller and its room, say).
    """

    id = fields.IntField(primary_key=True)
    # What is counted: "pin:caller:+33612345678", "pin:room:12", "login:user:alice",
    # "login:address:192.0.2.1".
    key = fields.CharField(max_length=128)
    attempted_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "attempt"
        indexes = (("key", "attempted_at"),)


class HousekeepingRound(Model):
    """When a periodic job shared by the workers is next due.

    The worker whose conditional UPDATE moves due_at runs the job: one worker per period.
    """

    name = fields.CharField(max_length=32, primary_key=True)
    due_at = fields.DatetimeField()

    class Meta:
        table = "housekeeping_round"


class ServerSecret(Model):
    """A secret the server made itself on its first run, shared by every worker and kept
    across restarts: the session signing key, the emulator's carrier token, the hash of
    the one-time setup link. An environment variable, when set, wins over the row."""

    name = fields.CharField(max_length=32, primary_key=True)
    value = fields.CharField(max_length=255)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "server_secret"


class OutboxState(StrEnum):
    # Waiting to be sent: new, or back after a failure that may pass (server down, 4xx).
    PENDING = "pending"
    # Claimed by one sender, which is talking to the SMTP server now.
    SENDING = "sending"
    SENT = "sent"
    # Given up: the SMTP server refused it for good (5xx), or too many tries.
    FAILED = "failed"


class OutboxMessage(Model):
    """One e-mail to send, written in the same transaction as the change that causes it.

    The sender claims a row by a conditional UPDATE (SKIP LOCKED on PostgreSQL), so each
    message goes out once whatever the number of workers.
    """

    id = fields.IntField(primary_key=True)
    recipient = fields.CharField(max_length=320)
    subject = fields.CharField(max_length=500)
    # The whole message as it goes on the wire (RFC 5322, headers and MIME parts).
    message = fields.TextField()
    state = fields.CharEnumField(OutboxState, max_length=10, default=OutboxState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    last_error = fields.CharField(max_length=500, default="")
    claimed_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Messages that must exist once only (a reminder per invitee and occurrence) carry a
    # key: the unique index turns a second insert, from any worker, into a no-op.
    dedupe_key = fields.CharField(max_length=200, null=True, unique=True)

    class Meta:
        table = "outbox_message"
        indexes = (("state", "next_attempt_at"),)


class Contact(Model):
    """Someone an account invites: kept per account, never shared between accounts."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[AdminUser] = fields.ForeignKeyField(
        "voiceapp.AdminUser", related_name="contacts", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    email = fields.CharField(max_length=320)
    # The language of their invitations: en, fr or es.
    language = fields.CharField(max_length=2)
    phone = fields.CharField(max_length=32, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contact"
        unique_together = (("owner", "email"),)


class ContactGroup(Model):
    """A named set of one account's contacts, invited as a whole."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[AdminUser] = fields.ForeignKeyField(
        "voiceapp.AdminUser", related_name="contact_groups", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    members: fields.ManyToManyRelation[Contact] = fields.ManyToManyField(
        "voiceapp.Contact", related_name="groups", through="contact_group_member"
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contact_group"
        unique_together = (("owner", "name"),)


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Repeat(StrEnum):
    # Only what Outlook can show: daily, weekly on chosen days, monthly on one day.
    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Meeting(Model):
    """A conference booked ahead: one event, or a series, in one room."""

    id = fields.IntField(primary_key=True)
    # The iCalendar UID: the same in every invitation and update of this meeting.
    uid = fields.CharField(max_length=100, unique=True)
    # Raised on every change of time, duration, repeat or status (iCalendar SEQUENCE).
    sequence = fields.IntField(default=0)
    organizer: fields.ForeignKeyRelation[AdminUser] = fields.ForeignKeyField(
        "voiceapp.AdminUser", related_name="meetings", on_delete=fields.CASCADE
    )
    room: fields.ForeignKeyNullableRelation[Room] = fields.ForeignKeyField(
        "voiceapp.Room", related_name="meetings", null=True, on_delete=fields.SET_NULL
    )
    # Kept as text so a past meeting still says where it was after the room is gone.
    room_name = fields.CharField(max_length=100)
    conference_id = fields.CharField(max_length=12)
    organizer_name = fields.CharField(max_length=100)
    subject = fields.CharField(max_length=200)
    details = fields.TextField()
    # The wall-clock start in its zone ("2026-12-07 10:00", Europe/Paris): a series keeps
    # this local time across daylight-saving changes. starts_at is the first one in UTC.
    time_zone = fields.CharField(max_length=64)
    local_start = fields.CharField(max_length=16)
    starts_at = fields.DatetimeField(db_index=True)
    duration_minutes = fields.IntField()
    repeat = fields.CharEnumField(Repeat, max_length=10, default=Repeat.NONE)
    # Weekly: the days, as iCalendar writes them ("MO,TH"). Monthly: the day of the month.
    repeat_weekdays = fields.CharField(max_length=32, default="")
    repeat_month_day = fields.IntField(null=True)
    repeat_count = fields.IntField(null=True)
    repeat_until = fields.DateField(null=True)
    # Minutes before each occurrence that invitees get a reminder; None: no reminder.
    reminder_minutes = fields.IntField(null=True)
    status = fields.CharEnumField(MeetingStatus, max_length=10, default=MeetingStatus.SCHEDULED)
    # When the last occurrence ends: a meeting moves to "Past" after it.
    ends_at = fields.DatetimeField(db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "meeting"


class Occurrence(Model):
    """One sitting of a meeting, in UTC: what the overlap rule and the reminders read."""

    id = fields.IntField(primary_key=True)
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "voiceapp.Meeting", related_name="occurrences", on_delete=fields.CASCADE
    )
    room: fields.ForeignKeyNullableRelation[Room] = fields.ForeignKeyField(
        "voiceapp.Room", related_name="occurrences", null=True, on_delete=fields.SET_NULL
    )
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()

    class Meta:
        table = "occurrence"
        indexes = (("room_id", "starts_at"), ("starts_at",))


class Invitee(Model):
    """Someone invited to a meeting. removed_at is set when they are uninvited."""

    id = fields.IntField(primary_key=True)
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "voiceapp.Meeting", related_name="invitees", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    email = fields.CharField(max_length=320)
    # The language of their mail: the contact's, else the organizer's.
    language = fields.CharField(max_length=2)
    contact: fields.ForeignKeyNullableRelation[Contact] = fields.ForeignKeyField(
        "voiceapp.Contact", related_name="invitations", null=True, on_delete=fields.SET_NULL
    )
    invited_at = fields.DatetimeField(auto_now_add=True)
    removed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invitee"
        unique_together = (("meeting", "email"),)


class MailingKind(StrEnum):
    """The change a mailing tells people about."""

    BOOKED = "booked"
    UPDATED = "updated"
    CANCELLED = "cancelled"
    # One invitee asked for the invitation again (nothing changed).
    RESENT = "resent"


class Mailing(Model):
    """The mail one change of a meeting causes, made into outbox messages after it.

    Written in the change's transaction as one row instead of one outbox message per
    person, so the web request stays quick: the sender turns it into outbox messages
    right after the commit (scheduling.mailing_expansion).

    `payload` is a JSON snapshot of everything the messages are made from (the meeting
    before and after, its dial-in, who gets what, the sender and the moment), so the
    messages say what was true at the change however late they are made.
    """

    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(MailingKind, max_length=16)
    # Kept (as None) if the meeting is deleted: the mail about it still goes out.
    meeting: fields.ForeignKeyNullableRelation[Meeting] = fields.ForeignKeyField(
        "voiceapp.Meeting", related_name="mailings", null=True, on_delete=fields.SET_NULL
    )
    payload = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    # Not before this (later after a failed expansion).
    next_attempt_at = fields.DatetimeField()
    # Taken by one sender, building its messages now (an expired claim is taken again).
    claimed_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=500, default="")
    # When its messages were written to the outbox, in the same transaction as this.
    expanded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mailing"
        indexes = (("expanded_at", "next_attempt_at"),)
