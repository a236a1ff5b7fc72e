"""The one table of counted tries: old rows are pruned per use, and the migration that
brought the PIN and login counts into it keeps a lockout in force across the upgrade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrate

from voiceapp.accounts import login_throttle
from voiceapp.conferencing import pin_lockout
from voiceapp.core import attempt_limits
from voiceapp.core.db import database, execute_sql, migrate, tortoise_config
from voiceapp.core.models import Attempt, Room
from voiceapp.core.settings import Settings
from voiceapp.history.call_records import Caller

from .conftest import make_settings

GUESSER = "+33699000001"
BEFORE = "voiceapp.0003_housekeeping_round"


async def test_prune_drops_each_use_s_rows_past_its_own_window(database_url: str) -> None:
    await migrate(database_url)
    settings = make_settings(
        database_url, VOICEAPP_PIN_WINDOW_SECONDS="60", VOICEAPP_LOGIN_WINDOW_SECONDS="900"
    )
    now = datetime.now(UTC)
    ages = {
        "pin:caller:+33699000001": 120,  # past the PIN window
        "pin:room:1": 30,
        "login:user:alice": 120,  # within the login window
        "login:address:192.0.2.1": 1000,
    }
    async with database(database_url):
        for key, seconds in ages.items():
            await Attempt.create(key=key, attempted_at=now - timedelta(seconds=seconds))
        assert await attempt_limits.prune_expired(settings) == 2
        left = await Attempt.all().order_by("key").values_list("key", flat=True)
        assert left == ["login:user:alice", "pin:room:1"]
        assert await attempt_limits.prune_expired(settings) == 0


async def test_a_lockout_from_before_the_upgrade_still_holds_after_it(
    database_url: str, settings: Settings
) -> None:
    """A database as the previous version left it: 6 wrong PINs from one caller (its
    limit) and 5 failed logins for alice (hers), in the two tables of then."""
    try:
        await run_migrate(config=tortoise_config(database_url), target=BEFORE)
    finally:
        await Tortoise.close_connections()
    recently = datetime.now(UTC) - timedelta(seconds=60)
    async with database(database_url):
        # Written as the previous version's code did: its models are gone.
        await execute_sql(
            "INSERT INTO extension (number, kind, name, created_at) "
            "VALUES ('800', 'conference_server', '', $1)",
            [recently],
        )
        await execute_sql(
            "INSERT INTO bridge (extension_id, default_language, created_at) "
            "SELECT id, 'fr', $1 FROM extension",
            [recently],
        )
        await execute_sql(
            "INSERT INTO room (bridge_id, name, conference_id, pin, capacity, seats_taken, "
            "created_at) SELECT id, 'Ventes', '1234', '4321', 10, 0, $1 FROM bridge",
            [recently],
        )
        for n in range(6):
            await execute_sql(
                "INSERT INTO pin_failure (room_id, caller, call_sid, failed_at) "
                "SELECT id, $1, $2, $3 FROM room",
                [GUESSER, f"CA{n:032d}", recently],
            )
        for _ in range(5):
            for key in ("user:alice", "address:192.0.2.1"):
                await execute_sql(
                    "INSERT INTO login_attempt (key, attempted_at) VALUES ($1, $2)",
                    [key, recently],
                )
    # 0004 moves the rows; the later migrations follow it.
    assert (await migrate(database_url))[0] == "voiceapp.0004_one_attempt_table"
    async with database(database_url):
        room = await Room.get(conference_id="1234")
        counts = {
            f"pin:caller:{GUESSER}": 6,
            f"pin:room:{room.pk}": 6,
            "login:user:alice": 5,
            "login:address:192.0.2.1": 5,
        }
        for key, count in counts.items():
            assert await Attempt.filter(key=key, attempted_at=recently).count() == count, key
        assert await Attempt.all().count() == sum(counts.values())

        caller = Caller(call_sid="CA" + "f" * 32, number=GUESSER)
        refused = await pin_lockout.admit_pin(room, caller, settings)
        assert refused.over is not None and refused.over.per == "caller"
        other = Caller(call_sid="CA" + "e" * 32, number="+33699000002")
        assert (await pin_lockout.admit_pin(room, other, settings)).admitted
        refused = await login_throttle.admit_login("alice", "198.51.100.7", settings)
        assert refused.over is not None and refused.over.per == "username"
        assert (await login_throttle.admit_login("bob", "198.51.100.7", settings)).admitted
