from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from voiceapp.core.models import AccountRole, MeetingStatus, Repeat
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('voiceapp', '0006_outbox')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Contact',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('voiceapp.AdminUser', source_field='owner_id', db_constraint=True, to_field='id', related_name='contacts', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('email', fields.CharField(max_length=320)),
                ('language', fields.CharField(max_length=2)),
                ('phone', fields.CharField(null=True, max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'contact', 'app': 'voiceapp', 'unique_together': (('owner', 'email'),), 'pk_attr': 'id', 'table_description': 'Someone an account invites: kept per account, never shared between accounts.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContactGroup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('voiceapp.AdminUser', source_field='owner_id', db_constraint=True, to_field='id', related_name='contact_groups', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('members', fields.ManyToManyField('voiceapp.Contact', unique=True, db_constraint=True, through='contact_group_member', forward_key='contact_id', backward_key='contact_group_id', related_name='groups', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'contact_group', 'app': 'voiceapp', 'unique_together': (('owner', 'name'),), 'pk_attr': 'id', 'table_description': "A named set of one account's contacts, invited as a whole."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Meeting',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('uid', fields.CharField(unique=True, max_length=100)),
                ('sequence', fields.IntField(default=0)),
                ('organizer', fields.ForeignKeyField('voiceapp.AdminUser', source_field='organizer_id', db_constraint=True, to_field='id', related_name='meetings', on_delete=OnDelete.CASCADE)),
                ('room', fields.ForeignKeyField('voiceapp.Room', source_field='room_id', null=True, db_constraint=True, to_field='id', related_name='meetings', on_delete=OnDelete.SET_NULL)),
                ('room_name', fields.CharField(max_length=100)),
                ('conference_id', fields.CharField(max_length=12)),
                ('organizer_name', fields.CharField(max_length=100)),
                ('subject', fields.CharField(max_length=200)),
                ('details', fields.TextField(unique=False)),
                ('time_zone', fields.CharField(max_length=64)),
                ('local_start', fields.CharField(max_length=16)),
                ('starts_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('duration_minutes', fields.IntField()),
                ('repeat', fields.CharEnumField(default=Repeat.NONE, description='NONE: none\nDAILY: daily\nWEEKLY: weekly\nMONTHLY: monthly', enum_type=Repeat, max_length=10)),
                ('repeat_weekdays', fields.CharField(default='', max_length=32)),
                ('repeat_month_day', fields.IntField(null=True)),
                ('repeat_count', fields.IntField(null=True)),
                ('repeat_until', fields.DateField(null=True)),
                ('reminder_minutes', fields.IntField(null=True)),
                ('status', fields.CharEnumField(default=MeetingStatus.SCHEDULED, description='SCHEDULED: scheduled\nCANCELLED: cancelled', enum_type=MeetingStatus, max_length=10)),
                ('ends_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'meeting', 'app': 'voiceapp', 'pk_attr': 'id', 'table_description': 'A conference booked ahead: one event, or a series, in one room.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invitee',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('meeting', fields.ForeignKeyField('voiceapp.Meeting', source_field='meeting_id', db_constraint=True, to_field='id', related_name='invitees', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('email', fields.CharField(max_length=320)),
                ('language', fields.CharField(max_length=2)),
                ('contact', fields.ForeignKeyField('voiceapp.Contact', source_field='contact_id', null=True, db_constraint=True, to_field='id', related_name='invitations', on_delete=OnDelete.SET_NULL)),
                ('invited_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('removed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'invitee', 'app': 'voiceapp', 'unique_together': (('meeting', 'email'),), 'pk_attr': 'id', 'table_description': 'Someone invited to a meeting. removed_at is set when they are uninvited.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Occurrence',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('meeting', fields.ForeignKeyField('voiceapp.Meeting', source_field='meeting_id', db_constraint=True, to_field='id', related_name='occurrences', on_delete=OnDelete.CASCADE)),
                ('room', fields.ForeignKeyField('voiceapp.Room', source_field='room_id', null=True, db_constraint=True, to_field='id', related_name='occurrences', on_delete=OnDelete.SET_NULL)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'occurrence', 'app': 'voiceapp', 'indexes': [Index(fields=['room_id', 'starts_at']), Index(fields=['starts_at'])], 'pk_attr': 'id', 'table_description': 'One sitting of a meeting, in UTC: what the overlap rule and the reminders read.'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='AdminUser',
            options={'table': 'admin_user', 'app': 'voiceapp', 'pk_attr': 'id', 'table_description': 'An account of the web pages (and of the calendar feed): an admin or an organizer.'},
        ),
        ops.AddField(
            model_name='AdminUser',
            name='calendar_token_hash',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
        ops.AddField(
            model_name='AdminUser',
            name='display_name',
            field=fields.CharField(default='', db_default='', max_length=100),
        ),
        ops.AddField(
            model_name='AdminUser',
            name='email',
            field=fields.CharField(null=True, max_length=320),
        ),
        ops.AddField(
            model_name='AdminUser',
            name='language',
            field=fields.CharField(default='en', db_default='en', max_length=2),
        ),
        ops.AddField(
            model_name='AdminUser',
            name='role',
            field=fields.CharEnumField(default=AccountRole.ADMIN, description='ADMIN: admin\nORGANIZER: organizer', db_default='admin', enum_type=AccountRole, max_length=10),
        ),
    ]
