from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('voiceapp', '0004_one_attempt_table')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ServerSecret',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('value', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'server_secret', 'app': 'voiceapp', 'pk_attr': 'name', 'table_description': 'A secret the server made itself on its first run, shared by every worker and kept'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='AdminUser',
            name='time_zone',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Voicemail',
            name='heard_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
