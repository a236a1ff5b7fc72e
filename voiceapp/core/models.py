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


class AdminUser(Model):
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
