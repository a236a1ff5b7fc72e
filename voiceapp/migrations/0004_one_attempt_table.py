from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('voiceapp', '0003_housekeeping_round')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Attempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(max_length=128)),
                ('attempted_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'attempt', 'app': 'voiceapp', 'indexes': [Index(fields=['key', 'attempted_at'])], 'pk_attr': 'id', 'table_description': "A try at a room's PIN or an admin's password, counted by attempt_limits."},
            bases=['Model'],
        ),
        # The rows of the two old tables, counted under the keys attempt_limits uses, so
        # a lockout in force before the upgrade is still in force after it: each failed
        # login already had a row per key ("user:..." and "address:..."), each wrong PIN
        # becomes one row for its caller and one for its room, as attempt_limits writes.
        ops.RunSQL(
            [
                "INSERT INTO attempt (key, attempted_at) "
                "SELECT 'login:' || key, attempted_at FROM login_attempt",
                "INSERT INTO attempt (key, attempted_at) "
                "SELECT 'pin:caller:' || caller, failed_at FROM pin_failure",
                "INSERT INTO attempt (key, attempted_at) "
                "SELECT 'pin:room:' || room_id, failed_at FROM pin_failure",
            ],
            # Back down, the failed logins go back, and the wrong PINs of the last
            # window are forgotten: pin_failure's rows need a caller and a room together.
            reverse_sql=[
                "INSERT INTO login_attempt (key, attempted_at) "
                "SELECT substr(key, 7), attempted_at FROM attempt WHERE key LIKE 'login:%'",
            ],
        ),
        ops.DeleteModel(name='LoginAttempt'),
        ops.DeleteModel(name='PinFailure'),
    ]
