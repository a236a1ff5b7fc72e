"""The Extensions page: users, ring groups, the receptionist, and the deletion rule."""

from __future__ import annotations

from voiceapp.core.models import Extension
from voiceapp.switchboard import conference_server, extensions, numbers

from .conftest import Browser, banner, field_error, field_value

PAGE = "/admin/extensions"


async def add(admin: Browser, kind: str, data: dict[str, str | list[str]]) -> str:
    response = await admin.submit(PAGE, f"/admin/extensions/new/{kind}", data)
    return "" if response.status_code == 303 else response.text


async def test_add_a_user_a_ring_group_and_the_receptionist(admin: Browser) -> None:
    assert (
        await add(
            admin, "user", {"extension": "201", "name": "Alice", "forward_to": "+33612345601"}
        )
        == ""
    )
    assert (
        await add(
            admin,
            "user",
            {"extension": "202", "name": "Bob", "forward_to": "sip:bob@pbx.example.com"},
        )
        == ""
    )
    assert (
        await add(
            admin, "ring-group", {"extension": "300", "name": "Sales", "members": ["201", "202"]}
        )
        == ""
    )
    assert await add(admin, "receptionist", {"extension": "100", "name": "Accueil"}) == ""
    group = await Extension.get(number="300").prefetch_related("members")
    assert sorted(member.number for member in group.members) == ["201", "202"]
    page = (await admin.get(PAGE)).text
    assert "Calls ring +33612345601" in page
    assert "Rings 201, 202" in page
    assert "Set up the virtual receptionist" not in page  # there is one now


async def test_user_errors_are_beside_their_fields(admin: Browser) -> None:
    page = await add(admin, "user", {"extension": "201", "name": "Alice", "forward_to": "06 12"})
    assert "is not a phone number" in field_error(page, "user-forward_to")
    assert field_value(page, "user-forward_to") == "06 12"
    assert field_value(page, "user-name") == "Alice"
    assert "<details open>" in page  # the form with the error is unfolded
    page = await add(
        admin, "user", {"extension": "2", "name": "Alice", "forward_to": "+33612345601"}
    )
    assert field_error(page, "user-extension") == "extension must be 2 to 6 digits, got '2'"
    assert not await Extension.exists()


async def test_ring_group_needs_members_and_keeps_the_ticked_ones(admin: Browser) -> None:
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    await extensions.add_extension("202", "user", "Bob", forward_to="+33612345602")
    page = await add(admin, "ring-group", {"extension": "300", "name": "Sales"})
    assert field_error(page, "ring-group-members") == "a ring group needs at least one member"
    page = await add(admin, "ring-group", {"extension": "2", "name": "Sales", "members": ["202"]})
    assert 'id="ring-group-member-202" name="members" type="checkbox" value="202" checked' in page
    assert 'value="201" checked' not in page


async def test_second_receptionist_is_refused(admin: Browser) -> None:
    await extensions.add_extension("100", "receptionist", "Accueil")
    page = await add(admin, "receptionist", {"extension": "101", "name": "Other"})
    assert banner(page) == "there is already a virtual receptionist"


async def test_edit_a_user_and_a_ring_group(admin: Browser) -> None:
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    await extensions.add_extension("202", "user", "Bob", forward_to="+33612345602")
    await extensions.add_extension("300", "ring-group", "Sales", members=["201"])
    page = (await admin.get("/admin/extensions/201")).text
    assert field_value(page, "forward_to") == "+33612345601"
    response = await admin.submit(
        "/admin/extensions/201", "/admin/extensions/201", {"name": "Alice M", "forward_to": "bad"}
    )
    assert response.status_code == 400
    assert field_value(response.text, "forward_to") == "bad"
    assert "is not a phone number" in field_error(response.text, "forward_to")
    await admin.submit(
        "/admin/extensions/201",
        "/admin/extensions/201",
        {"name": "Alice M", "forward_to": "+33612345609"},
    )
    alice = await Extension.get(number="201")
    assert (alice.name, alice.forward_to) == ("Alice M", "+33612345609")
    await admin.submit(
        "/admin/extensions/300", "/admin/extensions/300", {"name": "Sales", "members": ["202"]}
    )
    group = await Extension.get(number="300").prefetch_related("members")
    assert [member.number for member in group.members] == ["202"]


async def test_deleting_an_extension_a_number_maps_to_is_refused_naming_the_numbers(
    admin: Browser,
) -> None:
    await extensions.add_extension("201", "user", "Alice", forward_to="+33612345601")
    await numbers.add_number("+33180000001", "201", "fr")
    await numbers.add_number("+33180000002", "201", "fr")
    action = "/admin/extensions/201/delete"
    confirm = await admin.get(action)
    assert "Delete extension 201?" in confirm.text
    response = await admin.submit(action, action, {})
    assert response.status_code == 409
    assert banner(response.text) == (
        "extension 201 is still reached by +33180000001, +33180000002; "
        "map those numbers elsewhere first"
    )
    assert await Extension.exists(number="201")
    await numbers.remove_number("+33180000001")
    await numbers.remove_number("+33180000002")
    assert (await admin.submit(action, action, {})).status_code == 303
    assert not await Extension.exists(number="201")


async def test_conference_server_is_not_edited_here(admin: Browser) -> None:
    await conference_server.setup_bridge("800", "fr")
    page = (await admin.get(PAGE)).text
    assert "Managed on the Conferences page" in page
    assert (await admin.get("/admin/extensions/800")).status_code == 404
    assert (await admin.get("/admin/extensions/800/delete")).status_code == 404
