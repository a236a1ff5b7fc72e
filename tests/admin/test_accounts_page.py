"""The Accounts page: an admin adds, changes and deletes accounts; the office always keeps
an admin; deleting an account ends its sessions."""

from __future__ import annotations

import re

from voiceapp.accounts import admins, profiles
from voiceapp.core.models import AccountRole, AdminUser
from voiceapp.core.settings import Settings

from .conftest import PASSWORD, USERNAME, Browser, banner, field_error, notices, open_browser

ACCOUNTS = "/admin/accounts"
NEW = {
    "username": "ines",
    "password": "a long enough password",
    "role": "organizer",
    "display_name": "Inés García",
    "email": "Ines@Example.com",
    "language": "fr",
    "time_zone": "Europe/Paris",
}


def listed(page: str) -> list[tuple[str, str]]:
    """(username, role) of each account the page lists."""
    return re.findall(r'data-account="([^"]+)".*?data-role="([^"]+)"', page, re.S)


async def test_the_admin_adds_an_organizer(admin: Browser) -> None:
    page = (await admin.get(ACCOUNTS)).text
    assert listed(page) == [(USERNAME, "admin")]
    assert "at least 10 characters" in page  # the password rule, stated
    added = await admin.submit(ACCOUNTS, ACCOUNTS, NEW)
    assert added.status_code == 303
    page = (await admin.get(ACCOUNTS)).text
    assert notices(page) == ["Account ines added: give them their password in person."]
    assert listed(page) == [(USERNAME, "admin"), ("ines", "organizer")]
    ines = await AdminUser.get(username="ines")
    assert (ines.role, ines.display_name, ines.email, ines.language, ines.time_zone) == (
        AccountRole.ORGANIZER,
        "Inés García",
        "ines@example.com",
        "fr",
        "Europe/Paris",
    )
    assert await admins.authenticate("ines", NEW["password"]) is not None


async def test_a_refused_account_says_why_and_never_echoes_the_password(admin: Browser) -> None:
    short = await admin.submit(ACCOUNTS, ACCOUNTS, {**NEW, "password": "short-pw"})
    assert short.status_code == 400
    assert field_error(short.text, "add-password") == "password must be at least 10 characters"
    assert "short-pw" not in short.text
    assert 'value="Inés García"' in short.text  # the rest kept as typed
    bad = await admin.submit(ACCOUNTS, ACCOUNTS, {**NEW, "email": "ines@", "time_zone": "Nowhere"})
    assert bad.status_code == 400
    assert field_error(bad.text, "add-email").startswith("'ines@' is not a valid e-mail address")
    assert NEW["password"] not in bad.text
    taken = await admin.submit(ACCOUNTS, ACCOUNTS, {**NEW, "username": USERNAME})
    assert taken.status_code == 409
    assert (
        field_error(taken.text, "add-username") == f"there is already an admin named {USERNAME!r}"
    )
    assert not await AdminUser.exists(username="ines")


async def test_the_admin_changes_an_accounts_role_and_details(admin: Browser) -> None:
    await profiles.create_account("ines", PASSWORD, profiles.Profile(role="organizer"))
    edit = f"{ACCOUNTS}/ines"
    page = (await admin.get(edit)).text
    assert '<option value="organizer" selected>' in page
    changes = {
        "role": "admin",
        "display_name": "Inés",
        "email": "",
        "language": "es",
        "time_zone": "America/Mexico_City",
    }
    saved = await admin.submit(edit, edit, changes)
    assert saved.status_code == 303
    ines = await AdminUser.get(username="ines")
    assert (ines.role, ines.display_name, ines.email, ines.language, ines.time_zone) == (
        AccountRole.ADMIN,
        "Inés",
        None,
        "es",
        "America/Mexico_City",
    )
    assert (await admin.get(f"{ACCOUNTS}/nobody")).status_code == 404


async def test_the_last_admin_cannot_demote_or_delete_themselves(admin: Browser) -> None:
    mine = f"{ACCOUNTS}/{USERNAME}"
    page = (await admin.get(mine)).text
    assert "This is your own account." in page
    demoted = await admin.submit(mine, mine, {"role": "organizer", "language": "en"})
    assert demoted.status_code == 409
    assert field_error(demoted.text, "role") == (
        f"{USERNAME!r} is the last admin: make another account an admin first"
    )
    deleted = await admin.submit(mine + "/delete", mine + "/delete", {})
    assert deleted.status_code == 409
    assert banner(deleted.text) == (
        f"{USERNAME!r} is the last admin: make another account an admin first"
    )
    me = await AdminUser.get(username=USERNAME)
    assert me.role is AccountRole.ADMIN
    # With another admin, the same demotion goes through, and the pages follow at once.
    await profiles.create_account("root", PASSWORD, profiles.Profile())
    assert (
        await admin.submit(mine, mine, {"role": "organizer", "language": "en"})
    ).status_code == 303
    assert (await admin.get(ACCOUNTS)).status_code == 403


async def test_deleting_an_account_ends_its_sessions(
    admin: Browser, site_settings: Settings
) -> None:
    await profiles.create_account("ines", PASSWORD, profiles.Profile(role="organizer"))
    async with open_browser(site_settings) as ines:
        assert (await ines.log_in("ines")).status_code == 303
        assert (await ines.get("/admin/contacts")).status_code == 200
        question = await admin.get(f"{ACCOUNTS}/ines/delete")
        assert "Delete the account ines?" in question.text
        done = await admin.submit(f"{ACCOUNTS}/ines/delete", f"{ACCOUNTS}/ines/delete", {})
        assert done.status_code == 303
        assert notices((await admin.get(ACCOUNTS)).text) == ["Account ines deleted."]
        after = await ines.get("/admin/contacts")
        assert after.status_code == 303
        assert "/admin/login" in after.headers["location"]
        assert not await AdminUser.exists(username="ines")


async def test_an_account_named_new_is_still_reachable(admin: Browser) -> None:
    await profiles.create_account("new", PASSWORD, profiles.Profile(role="organizer"))
    edit = f"{ACCOUNTS}/new"
    saved = await admin.submit(edit, edit, {"role": "organizer", "language": "fr"})
    assert saved.status_code == 303
    assert (await AdminUser.get(username="new")).language == "fr"
