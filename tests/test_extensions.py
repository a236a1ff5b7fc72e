"""The rules for users, ring groups and the virtual receptionist."""

from __future__ import annotations

import pytest

from voiceapp.core.errors import Conflict, InvalidInput, NotFound
from voiceapp.core.models import Extension, ExtensionKind
from voiceapp.emulator import Carrier
from voiceapp.switchboard import extensions, numbers
from voiceapp.switchboard.extensions import ExtensionChange


@pytest.fixture
async def users(conference: Carrier) -> None:
    """The conference fixture's bridge (800) plus users 201 and 202."""
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    await extensions.add_extension("202", "user", "Bruno", forward_to="+33612345602")


async def member_numbers(number: str) -> list[str]:
    group = await Extension.get(number=number)
    return [member.number for member in await group.members.all().order_by("number")]


async def test_user_needs_a_forwarding_target(users: None) -> None:
    with pytest.raises(InvalidInput, match="forwarding number or SIP URI"):
        await extensions.add_extension("203", "user", "Carla")
    with pytest.raises(InvalidInput, match="not a phone number"):
        await extensions.add_extension("203", "user", "Carla", forward_to="call me")
    assert not await Extension.exists(number="203")


async def test_forwarding_target_is_normalised(users: None) -> None:
    phone = await extensions.add_extension("203", "user", "C", forward_to="+33 6 12 34 56 03")
    assert phone.forward_to == "+33612345603"
    sip = await extensions.add_extension("204", "user", "D", forward_to="SIP:d@pbx.example.com")
    assert sip.forward_to == "sip:d@pbx.example.com"
    with pytest.raises(InvalidInput, match="SIP URI"):
        await extensions.add_extension("205", "user", "E", forward_to="sip:no-host")


async def test_forwarding_to_one_of_our_numbers_is_refused(users: None) -> None:
    """A call forwarded to our own number would come back and ring itself forever."""
    with pytest.raises(Conflict, match=r"\+33180000001 is one of voiceapp's own numbers"):
        await extensions.add_extension("203", "user", "Loop", forward_to="+33180000001")
    with pytest.raises(Conflict, match="would loop"):
        await extensions.update_extension("201", ExtensionChange(forward_to="+33180000001"))


async def test_fields_a_kind_does_not_have_are_refused(users: None) -> None:
    with pytest.raises(InvalidInput, match="only a user extension has a forwarding target"):
        await extensions.add_extension(
            "210", "ring-group", "G", forward_to="+33612345601", members=["201"]
        )
    with pytest.raises(InvalidInput, match="only a ring group has members"):
        await extensions.add_extension(
            "203", "user", "C", forward_to="+33612345603", members=["201"]
        )
    with pytest.raises(InvalidInput, match="only a ring group has members"):
        await extensions.update_extension("201", ExtensionChange(members=["202"]))
    with pytest.raises(InvalidInput, match="only a user extension"):
        await extensions.update_extension("800", ExtensionChange(forward_to="+33612345601"))


async def test_empty_fields_of_another_kind_are_ignored(users: None) -> None:
    """The admin form posts every field whatever the kind; empty ones say nothing."""
    user = await extensions.add_extension("203", "user", "C", forward_to="+33612345603", members=[])
    assert user.forward_to == "+33612345603"
    await extensions.add_extension("200", "receptionist", "Accueil", forward_to="", members=[""])
    group = await extensions.add_extension(
        "210", "ring-group", "G", forward_to=" ", members=["201"]
    )
    assert group.forward_to is None


async def test_ring_group_members_are_users_named_once(users: None) -> None:
    group = await extensions.add_extension("210", "ring_group", "G", members=["202", "201", "202"])
    assert group.kind is ExtensionKind.RING_GROUP
    assert await member_numbers("210") == ["201", "202"]
    with pytest.raises(InvalidInput, match="800 is not a user"):
        await extensions.add_extension("211", "ring-group", "H", members=["201", "800"])
    with pytest.raises(NotFound, match="no extension 299"):
        await extensions.add_extension("211", "ring-group", "H", members=["299"])
    with pytest.raises(InvalidInput, match="at least one member"):
        await extensions.add_extension("211", "ring-group", "H", members=[" ", ""])
    assert not await Extension.exists(number="211")


async def test_ring_group_rings_at_most_ten(users: None) -> None:
    numbers = [str(number) for number in range(220, 231)]
    for number in numbers:
        await extensions.add_extension(number, "user", number, forward_to="+33612345601")
    with pytest.raises(InvalidInput, match="at most 10 members"):
        await extensions.add_extension("210", "ring-group", "Big", members=numbers)
    await extensions.add_extension("210", "ring-group", "Ten", members=numbers[:10])
    assert len(await member_numbers("210")) == 10


async def test_receptionist_needs_no_name_and_is_unique(users: None) -> None:
    # No English default stored: the pages show its kind, translated (given_name).
    receptionist = await extensions.add_extension("200", "receptionist")
    assert receptionist.name == ""
    assert extensions.given_name(receptionist) == ""
    with pytest.raises(Conflict, match="already a virtual receptionist"):
        await extensions.add_extension("209", "virtual-receptionist", "Other")


async def test_user_and_group_need_a_name(users: None) -> None:
    with pytest.raises(InvalidInput, match="name must not be empty"):
        await extensions.add_extension("203", "user", None, forward_to="+33612345603")


async def test_number_in_use_is_refused(users: None) -> None:
    with pytest.raises(Conflict, match="extension 800 is already in use"):
        await extensions.add_extension("800", "user", "X", forward_to="+33612345609")


async def test_update_changes_members_and_writes_nothing_when_invalid(users: None) -> None:
    await extensions.add_extension("210", "ring-group", "G", members=["201"])
    await extensions.update_extension("210", ExtensionChange(name="Ventes", members=["202"]))
    assert await member_numbers("210") == ["202"]
    with pytest.raises(InvalidInput):
        await extensions.update_extension("210", ExtensionChange(name="Renamed", members=["800"]))
    group = await Extension.get(number="210")
    assert group.name == "Ventes"
    assert await member_numbers("210") == ["202"]


async def test_remove_refused_while_numbers_reach_it_naming_them(users: None) -> None:
    await numbers.add_number("+33180000202", "201", "fr")
    await numbers.add_number("+34910000201", "201", "es")
    with pytest.raises(Conflict) as refused:
        await extensions.remove_extension("201")
    assert "+33180000202, +34910000201" in refused.value.message
    assert await Extension.exists(number="201")


async def test_remove_refused_for_a_group_member_until_the_group_goes(users: None) -> None:
    await extensions.add_extension("210", "ring-group", "Ventes", members=["201", "202"])
    with pytest.raises(Conflict, match=r"member of ring group 210 \(Ventes\)"):
        await extensions.remove_extension("201")
    await extensions.remove_extension("210")
    await extensions.remove_extension("201")
    assert not await Extension.exists(number="201")


async def test_conference_server_is_removed_elsewhere(users: None) -> None:
    with pytest.raises(Conflict, match="voiceapp bridge remove"):
        await extensions.remove_extension("800")


@pytest.mark.parametrize("typed", ["0033612345601", "+201", "2", "1234567", "20 1", ""])
async def test_typed_digits_that_are_no_extension_number_find_nothing(
    users: None, typed: str
) -> None:
    assert await extensions.find_extension(typed) is None


async def test_typed_extension_number_is_found(users: None) -> None:
    found = await extensions.find_extension("201")
    assert found is not None
    assert found.name == "Alice"
