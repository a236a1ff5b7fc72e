from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('voiceapp', '0002_admin_session_epoch')]

    initial = False

    operations = [
        ops.CreateModel(
            name='HousekeepingRound',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'housekeeping_round', 'app': 'voiceapp', 'pk_attr': 'name', 'table_description': 'When a periodic job shared by the workers is next due.'},
            bases=['Model'],
        ),
    ]
