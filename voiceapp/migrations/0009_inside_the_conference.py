from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from voiceapp.core.models import SeatState
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('voiceapp', '0008_mailing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ConferenceRecording',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('room', fields.ForeignKeyField('voiceapp.Room', source_field='room_id', null=True, db_constraint=True, to_field='id', related_name='recordings', on_delete=OnDelete.SET_NULL)),
                ('room_name', fields.CharField(max_length=100)),
                ('conference_id', fields.CharField(max_length=12)),
                ('conference_sid', fields.CharField(max_length=64)),
                ('recording_sid', fields.CharField(unique=True, max_length=64)),
                ('recording_url', fields.CharField(max_length=500)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('duration_seconds', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'conference_recording', 'app': 'voiceapp', 'pk_attr': 'id', 'table_description': "A recording of a room's conference, as the carrier's recording callback gave it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EmulatedCarrier',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account_sid', fields.CharField(unique=True, max_length=34)),
                ('api_url', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'emulated_carrier', 'app': 'voiceapp', 'pk_attr': 'id', 'table_description': 'A built-in carrier emulator placing calls now (voiceapp call, the Test call page):'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Room',
            name='end_with_host',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Room',
            name='host_pin',
            field=fields.CharField(null=True, max_length=12),
        ),
        ops.AddField(
            model_name='Room',
            name='locked',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Room',
            name='muted_on_entry',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Room',
            name='record',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Room',
            name='tones',
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name='Room',
            name='wait_for_host',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AlterField(
            model_name='Seat',
            name='state',
            field=fields.CharEnumField(default=SeatState.RESERVED, description='RESERVED: reserved\nJOINED: joined\nIN_MENU: in_menu\nREMOVED: removed', enum_type=SeatState, max_length=10),
        ),
        ops.AddField(
            model_name='Seat',
            name='account_sid',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Seat',
            name='is_host',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Seat',
            name='muted',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Seat',
            name='on_hold',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Seat',
            name='sequence',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
