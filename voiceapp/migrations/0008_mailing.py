from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from voiceapp.core.models import MailingKind
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('voiceapp', '0007_scheduling')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Mailing',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='BOOKED: booked\nUPDATED: updated\nCANCELLED: cancelled\nRESENT: resent', enum_type=MailingKind, max_length=16)),
                ('meeting', fields.ForeignKeyField('voiceapp.Meeting', source_field='meeting_id', null=True, db_constraint=True, to_field='id', related_name='mailings', on_delete=OnDelete.SET_NULL)),
                ('payload', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.CharField(default='', max_length=500)),
                ('expanded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mailing', 'app': 'voiceapp', 'indexes': [Index(fields=['expanded_at', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': 'The mail one change of a meeting causes, made into outbox messages after it.'},
            bases=['Model'],
        ),
    ]
