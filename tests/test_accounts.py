"""Admin accounts: argon2id hashes, authentication, upgrading old hashes, new passwords
and the session generation."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters, profiles

from voiceapp.accounts import admins
from voiceapp.core.errors import Conflict, InvalidInput, NotFound
from voiceapp.core.models import AdminUser
from voiceapp.emulator import Carrier

PASSWORD = "correct horse battery staple"


@pytest.fixture
def orm(carrier: Carrier) -> None:
    """A migrated database with the ORM live (the carrier fixture runs the app's lifespan)."""


@pytest.fixture
def product_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The product's hashing parameters, in place of the suite's quick ones (conftest)."""
    monkeypatch.setattr(admins, "_hasher", PasswordHasher.from_parameters(admins.HASHING))


async def test_password_is_stored_as_argon2id_only(orm: None, product_hashing: None) -> None:
    user = await admins.create_admin("alice", PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    # RFC 9106's low-memory profile: 3 passes over 64 MiB, 4 lanes.
    assert extract_parameters(user.password_hash) == profiles.RFC_9106_LOW_MEMORY
    assert (user.password_hash.split("$")[2:4]) == ["v=19", "m=65536,t=3,p=4"]


async def test_authenticate(orm: None) -> None:
    await admins.create_admin("alice", PASSWORD)
    assert await admins.authenticate("alice", "wrong password!") is None
    assert await admins.authenticate("mallory", PASSWORD) is None
    user = await admins.authenticate("alice", PASSWORD)
    assert user is not None and user.last_login_at is not None


async def test_a_weaker_old_hash_is_upgraded_at_login(orm: None, product_hashing: None) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    await AdminUser.create(username="alice", password_hash=weak)
    assert await admins.authenticate("alice", PASSWORD) is not None
    upgraded = (await AdminUser.get(username="alice")).password_hash
    assert upgraded != weak
    assert not PasswordHasher().check_needs_rehash(upgraded)


async def test_rules(orm: None) -> None:
    with pytest.raises(InvalidInput, match="at least 10 characters"):
        await admins.create_admin("alice", "short")
    with pytest.raises(InvalidInput, match="username must be"):
        await admins.create_admin("al ice", PASSWORD)
    await admins.create_admin("alice", PASSWORD)
    with pytest.raises(Conflict, match="already an admin named 'alice'"):
        await admins.create_admin("alice", PASSWORD)


async def test_set_password_replaces_the_hash_and_ends_the_sessions(orm: None) -> None:
    user = await admins.create_admin("alice", PASSWORD)
    assert user.session_epoch == 0
    await admins.set_password("alice", "a brand new passphrase")
    assert await admins.authenticate("alice", PASSWORD) is None
    changed = await admins.authenticate("alice", "a brand new passphrase")
    assert changed is not None
    assert changed.password_hash.startswith("$argon2id$")
    assert changed.session_epoch == 1


async def test_set_password_rules(orm: None) -> None:
    with pytest.raises(NotFound, match="no admin named 'bob'"):
        await admins.set_password("bob", PASSWORD)
    await admins.create_admin("alice", PASSWORD)
    with pytest.raises(InvalidInput, match="at least 10 characters"):
        await admins.set_password("alice", "short")
    unchanged = await AdminUser.get(username="alice")
    assert unchanged.session_epoch == 0
    assert await admins.authenticate("alice", PASSWORD) is not None


async def test_end_sessions_moves_on_only_from_the_current_generation(orm: None) -> None:
    alice = await admins.create_admin("alice", PASSWORD)
    bob = await admins.create_admin("bob", PASSWORD)
    await admins.end_sessions(alice.pk, 0)
    assert (await AdminUser.get(id=alice.pk)).session_epoch == 1
    # A session of generation 0 is over already: it cannot end the new ones.
    await admins.end_sessions(alice.pk, 0)
    assert (await AdminUser.get(id=alice.pk)).session_epoch == 1
    assert (await AdminUser.get(id=bob.pk)).session_epoch == 0
