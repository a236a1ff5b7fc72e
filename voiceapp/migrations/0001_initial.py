from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from voiceapp.core.models import ExtensionKind, Language, SeatState
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AdminUser',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('password_hash', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'admin_user', 'app': 'voiceapp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Extension',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=8)),
                ('kind', fields.CharEnumField(description='CONFERENCE_SERVER: conference_server\nUSER: user\nRING_GROUP: ring_group\nRECEPTIONIST: receptionist', enum_type=ExtensionKind, max_length=24)),
                ('name', fields.CharField(default='', max_length=100)),
                ('forward_to', fields.CharField(null=True, max_length=255)),
                ('members', fields.ManyToManyField('voiceapp.Extension', unique=True, db_constraint=True, through='ring_group_member', forward_key='extension_id', backward_key='extension_rel_id', related_name='ring_groups', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'extension', 'app': 'voiceapp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Bridge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('extension', fields.OneToOneField('voiceapp.Extension', source_field='extension_id', db_constraint=True, to_field='id', related_name='bridge', on_delete=OnDelete.RESTRICT)),
                ('default_language', fields.CharEnumField(default=Language.FR, description='FR: fr\nES: es', enum_type=Language, max_length=2)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'bridge', 'app': 'voiceapp', 'pk_attr': 'id', 'table_description': 'The conference server: one extension that holds the rooms.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(db_index=True, max_length=128)),
                ('attempted_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_attempt', 'app': 'voiceapp', 'pk_attr': 'id', 'table_description': 'Failed admin logins, by client address and by username, for rate limiting.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PhoneNumber',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('e164', fields.CharField(unique=True, max_length=16)),
                ('extension', fields.ForeignKeyField('voiceapp.Extension', source_field='extension_id', db_constraint=True, to_field='id', related_name='phone_numbers', on_delete=OnDelete.RESTRICT)),
                ('language', fields.CharEnumField(default=Language.FR, description='FR: fr\nES: es', enum_type=Language, max_length=2)),
                ('say_locale', fields.CharField(null=True, max_length=8)),
                ('greeting_media', fields.CharField(null=True, max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'phone_number', 'app': 'voiceapp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Room',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('bridge', fields.ForeignKeyField('voiceapp.Bridge', source_field='bridge_id', db_constraint=True, to_field='id', related_name='rooms', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=100)),
                ('conference_id', fields.CharField(unique=True, max_length=12)),
                ('pin', fields.CharField(null=True, max_length=12)),
                ('capacity', fields.IntField(default=10)),
                ('seats_taken', fields.IntField(default=0)),
                ('greeting_media', fields.CharField(null=True, max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'room', 'app': 'voiceapp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CallRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('call_sid', fields.CharField(unique=True, max_length=64)),
                ('caller', fields.CharField(default='', max_length=64)),
                ('called', fields.CharField(default='', max_length=64)),
                ('extension_number', fields.CharField(null=True, max_length=8)),
                ('room', fields.ForeignKeyField('voiceapp.Room', source_field='room_id', null=True, db_constraint=True, to_field='id', related_name='calls', on_delete=OnDelete.SET_NULL)),
                ('room_name', fields.CharField(null=True, max_length=100)),
                ('outcome', fields.CharField(default='in_progress', max_length=32)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('joined_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('duration_seconds', fields.IntField(null=True)),
            ],
            options={'table': 'call_record', 'app': 'voiceapp', 'pk_attr': 'id', 'table_description': 'What happened on one inbound call: the call history the admin reads.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PinFailure',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('room', fields.ForeignKeyField('voiceapp.Room', source_field='room_id', db_constraint=True, to_field='id', related_name='pin_failures', on_delete=OnDelete.CASCADE)),
                ('caller', fields.CharField(db_index=True, max_length=64)),
                ('call_sid', fields.CharField(max_length=64)),
                ('failed_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'pin_failure', 'app': 'voiceapp', 'pk_attr': 'id', 'table_description': 'A wrong PIN typed for a room, counted over a sliding window to stop guessing.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Seat',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('room', fields.ForeignKeyField('voiceapp.Room', source_field='room_id', db_constraint=True, to_field='id', related_name='seats', on_delete=OnDelete.CASCADE)),
                ('call_sid', fields.CharField(unique=True, max_length=64)),
                ('caller', fields.CharField(default='', max_length=64)),
                ('state', fields.CharEnumField(default=SeatState.RESERVED, description='RESERVED: reserved\nJOINED: joined', enum_type=SeatState, max_length=10)),
                ('conference_sid', fields.CharField(null=True, max_length=64)),
                ('reserved_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('joined_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'seat', 'app': 'voiceapp', 'pk_attr': 'id', 'table_description': "One caller in one room, by the carrier's CallSid."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Voicemail',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('extension', fields.ForeignKeyField('voiceapp.Extension', source_field='extension_id', null=True, db_constraint=True, to_field='id', related_name='voicemails', on_delete=OnDelete.SET_NULL)),
                ('extension_number', fields.CharField(max_length=8)),
                ('call_sid', fields.CharField(unique=True, max_length=64)),
                ('caller', fields.CharField(default='', max_length=64)),
                ('called', fields.CharField(default='', max_length=64)),
                ('recording_url', fields.CharField(max_length=500)),
                ('recording_sid', fields.CharField(null=True, max_length=64)),
                ('duration_seconds', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'voicemail', 'app': 'voiceapp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
