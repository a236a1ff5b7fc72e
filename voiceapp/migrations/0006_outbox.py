from tortoise import migrations
from tortoise.migrations import operations as ops
from voiceapp.core.models import OutboxState
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('voiceapp', '0005_first_run')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('recipient', fields.CharField(max_length=320)),
                ('subject', fields.CharField(max_length=500)),
                ('message', fields.TextField(unique=False)),
                ('state', fields.CharEnumField(default=OutboxState.PENDING, description='PENDING: pending\nSENDING: sending\nSENT: sent\nFAILED: failed', enum_type=OutboxState, max_length=10)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(default='', max_length=500)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('dedupe_key', fields.CharField(null=True, unique=True, max_length=200)),
            ],
            options={'table': 'outbox_message', 'app': 'voiceapp', 'indexes': [Index(fields=['state', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': 'One e-mail to send, written in the same transaction as the change that causes it.'},
            bases=['Model'],
        ),
    ]
