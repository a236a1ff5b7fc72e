"""The Invite & Schedule page and the meeting lists, over HTTP as a browser posts them, on
SQLite and PostgreSQL: booking from the form (typed participants, contacts, a group,
saving them as a group), every booking rule shown beside its field and in the summary,
the autumn hour asked about, changing, cancelling and resending, and who sees what."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from voiceapp.contacts import groups, people
from voiceapp.core.models import (
    AdminUser,
    Contact,
    ContactGroup,
    Invitee,
    Meeting,
    MeetingStatus,
    Occurrence,
    OutboxMessage,
)
from voiceapp.core.settings import Settings

from ..scheduling_kit import book, form, last_outbox_id, organizer, outbox, provision_booking
from .conftest import PASSWORD, Browser, field_error, notices, open_browser

SCHEDULE = "/admin/schedule"
MEETINGS = "/admin/meetings"
PARIS = ZoneInfo("Europe/Paris")
# A Monday well ahead, before the clocks change in spring.
DAY = "2027-03-15"


def meeting_form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    """The schedule form as a browser posts it: a one-hour meeting in room 1234."""
    values: dict[str, str | list[str]] = {
        "subject": "Revue d'équipe",
        "organizer_name": "Marie Curie",
        "room": "1234",
        "details": "Ordre du jour : budget.",
        "date": DAY,
        "time": "10:00",
        "duration": "60",
        "time_zone": "Europe/Paris",
        "invitee_name": ["", "", ""],
        "invitee_email": ["", "", ""],
        "invitee_list": "",
        "save_group": "",
        "repeat": "none",
        "repeat_month_day": "",
        "repeat_end": "count",
        "repeat_count": "",
        "repeat_until": "",
        "reminder": "15",
    }
    values.update(changes)
    return values


def summary(page: str) -> str:
    """The error summary's text at the top of the page."""
    found = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))) if found else ""


def listed_meetings(page: str) -> list[str]:
    return re.findall(r'<li class="meeting" data-meeting="(\d+)"', page)


@pytest.fixture
async def office(visitor: Browser, site_settings: Settings) -> AdminUser:
    """The bridge, rooms 1234 (PIN 4321) and 5555, and Marie, an organizer with the
    contacts Ana and Luis and their group Partners (scheduling_kit)."""
    return await provision_booking(site_settings)


@pytest.fixture
async def marie(office: AdminUser, site_settings: Settings) -> AsyncIterator[Browser]:
    async with open_browser(site_settings) as browser:
        assert (await browser.log_in("marie", PASSWORD)).status_code == 303
        yield browser


async def post(browser: Browser, action: str, data: dict[str, str | list[str]]) -> str:
    response = await browser.submit(SCHEDULE, action, data)
    return response.text if response.status_code != 303 else ""


# ---- the page ------------------------------------------------------------------------------


async def test_the_page_offers_rooms_contacts_and_groups(marie: Browser) -> None:
    page = (await marie.get(SCHEDULE)).text
    # Each room, its dial-in block ready for the details (pre-filled with the first's).
    assert re.findall(r'<option value="(\d+)" data-dial-in=', page) == ["1234", "5555"]
    details = re.search(r'<textarea id="details"[^>]*>([^<]*)</textarea>', page)
    assert details is not None
    block = html.unescape(details.group(1))
    assert "+33 1 80 00 00 01" in block and "1234" in block and "4321" in block
    # The account's zone (none: UTC) until the page's script puts the computer's.
    assert re.search(r'<option value="UTC" selected>', page)
    assert "data-detect-zone" in page
    assert re.search(r'<option value="15" selected>', page)  # the default reminder
    assert page.count('name="invitee_email"') == 4  # 3 rows, and the script's template
    assert re.findall(r'name="contacts" type="checkbox" value="(\d+)"', page) == [
        str(c.pk) for c in await Contact.all().order_by("name")
    ]
    assert 'name="groups" type="checkbox" value="Partners"' in page
    assert 'value="Marie Curie"' in page  # the organizer as invitations name her


async def test_booking_from_the_page(marie: Browser, office: AdminUser) -> None:
    ana = await Contact.get(email="ana@example.com")
    sent = await marie.submit(
        SCHEDULE,
        SCHEDULE,
        meeting_form(
            invitee_name=["Cleo Martin", ""],
            invitee_email=["cleo@example.org", ""],
            invitee_list="Dan <dan@example.org>\n",
            contacts=[str(ana.pk)],
            groups=["Partners"],
            save_group="Comité",
            repeat="weekly",
            repeat_weekdays=["MO"],
            repeat_count="3",
            reminder="60",
        ),
    )
    assert sent.status_code == 303, summary(sent.text)
    assert sent.headers["location"].endswith(MEETINGS)
    meeting = await Meeting.get(subject="Revue d'équipe")
    assert (meeting.local_start, meeting.time_zone, meeting.reminder_minutes) == (
        f"{DAY} 10:00",
        "Europe/Paris",
        60,
    )
    assert meeting.starts_at == datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
    assert await Occurrence.filter(meeting_id=meeting.pk).count() == 3
    invited = await Invitee.filter(meeting_id=meeting.pk).order_by("id")
    assert [(i.email, i.language) for i in invited] == [
        ("cleo@example.org", "fr"),
        ("dan@example.org", "fr"),
        ("ana@example.com", "es"),
        ("luis@example.com", "es"),
    ]
    # One REQUEST per invitee, the organizer's confirmation: queued, not sent.
    messages = await outbox()
    assert sorted(m.recipient for m in messages if m.method == "REQUEST") == sorted(
        i.email for i in invited
    )
    assert [m.recipient for m in messages if m.method is None] == ["marie@example.com"]
    # Saved as a group; the two typed in became contacts to be in it.
    group = await ContactGroup.get(name="Comité")
    members = await groups.members_of(group)
    assert sorted(c.email for c in members) == sorted(i.email for i in invited)
    assert (await people.find_by_email(office, "cleo@example.org")).name == "Cleo Martin"
    page = (await marie.get(MEETINGS)).text
    assert notices(page) == [
        "Revue d'équipe is booked; its invitation is on its way to 4 people. "
        "Its participants are saved as the group Comité."
    ]
    assert listed_meetings(page) == [str(meeting.pk)]
    assert "Every week on Monday, 3 meetings" in page


async def test_times_on_the_list_are_in_the_viewers_zone(marie: Browser, office: AdminUser) -> None:
    await AdminUser.filter(id=office.pk).update(time_zone="America/Mexico_City")
    await book(office, form(people=["ana@example.com"]))
    page = (await marie.get(MEETINGS)).text
    # 10:00 in Paris is 03:00 in Mexico City (UTC-6), the meeting's own time beside it.
    when = re.search(r'<div class="meta when">(.*?)</div>', page, re.S)
    assert when is not None
    text = html.unescape(re.sub(r"<[^>]+>", "", when.group(1)))
    # To the minute, and the meeting's own time named by its zone, not a bare offset.
    assert re.sub(r"\s", " ", text) == (
        "Mar 15, 2027, 3:00 AM CST · 1 hr · booked as Mar 15, 2027, 10:00 AM"
        " Central European Standard Time"
    ), text


async def test_booked_as_only_when_the_clock_differs(marie: Browser, office: AdminUser) -> None:
    # Madrid and Paris keep the same clock: "booked as" would only repeat the time.
    await AdminUser.filter(id=office.pk).update(time_zone="Europe/Madrid")
    await book(office, form())
    page = (await marie.get(MEETINGS)).text
    when = re.search(r'<div class="meta when">(.*?)</div>', page, re.S)
    assert when is not None
    text = re.sub(r"\s", " ", html.unescape(re.sub(r"<[^>]+>", "", when.group(1))))
    assert text == "Mar 15, 2027, 10:00 AM +0100 · 1 hr", text


async def test_the_actions_have_their_own_row(marie: Browser, office: AdminUser) -> None:
    # Beside the facts, a long line pushed one card's buttons under it and not the others'.
    await book(office, form(people=["ana@example.com"]))
    page = (await marie.get(MEETINGS)).text
    card = re.search(r'<li class="meeting".*?<details', page, re.S)
    assert card is not None
    assert 'class="row"' not in card.group(0)
    assert re.search(r'</div>\s*<div class="actions meeting-actions">', card.group(0))


# ---- the rules, beside their fields --------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"date": "2020-01-06"}, "start", "the start is in the past"),
        ({"time": ""}, "start", "the start must be a date and time written YYYY-MM-DD HH:MM"),
        ({"duration": "3"}, "duration", "a meeting lasts 5 minutes to 12 hours"),
        ({"duration": "soon"}, "duration", "the duration is a number of minutes"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "'Mars/Olympus'"),
        ({"date": "2027-03-28", "time": "02:30"}, "start", "2027-03-28 02:30 does not exist"),
        ({"subject": "  "}, "subject", "the subject must not be empty"),
        ({"room": ""}, "room", "choose the room the meeting is in"),
        ({"invitee_email": ["ana@", ""]}, "invitees", "'ana@' is not a valid e-mail address"),
        (
            {"invitee_list": "\n".join(f"p{n}@example.org" for n in range(10))},
            "invitees",
            "room Ventes holds 10 callers: 10 invitees and the organizer do not fit",
        ),
        ({"repeat": "weekly"}, "repeat_count", "a repeat ends after a number of meetings"),
        (
            {"repeat": "monthly", "repeat_month_day": "31", "repeat_count": "2"},
            "repeat_month_day",
            "a monthly repeat can fall on days 1 to 28 only",
        ),
        ({"reminder": "99999"}, "reminder", "a reminder goes out 1 to"),
        ({"groups": ["Nobody"]}, "groups", "there is no group named 'Nobody'"),
    ],
)
async def test_each_booking_rule_is_shown_beside_its_field(
    marie: Browser, changes: dict[str, str | list[str]], field_id: str, message: str
) -> None:
    response = await marie.submit(SCHEDULE, SCHEDULE, meeting_form(**changes))
    assert response.status_code in (400, 404, 409)
    beside = field_error(response.text, field_id)
    assert message in beside, (beside, summary(response.text))
    # The same sentence in the summary at the top, linked to the field.
    assert f'href="#{field_id}"' in response.text
    assert message in summary(response.text)
    assert not await Meeting.exists()
    assert not await OutboxMessage.exists()
    # What was typed is still there.
    assert 'value="Marie Curie"' in response.text


async def test_a_room_booked_then_names_the_other_meeting(
    marie: Browser, office: AdminUser
) -> None:
    await book(office, form(subject="Budget 2027", start=f"{DAY} 10:30"))
    response = await marie.submit(SCHEDULE, SCHEDULE, meeting_form())
    assert response.status_code == 409
    beside = field_error(response.text, "start")
    assert "room Ventes is already booked then: 'Budget 2027', organized by Marie Curie" in beside
    assert await Meeting.all().count() == 1


async def test_the_autumn_hour_is_asked_about(marie: Browser) -> None:
    autumn = meeting_form(date="2027-10-31", time="02:30")
    asked = await marie.submit(SCHEDULE, SCHEDULE, autumn)
    assert asked.status_code == 400
    assert "happens twice in Europe/Paris" in field_error(asked.text, "start")
    # The choice, as two radio buttons naming each offset.
    assert re.search(r'id="fold-first" name="fold" type="radio" value="first"', asked.text)
    assert "The first, at UTC+02:00" in asked.text
    assert "The second, at UTC+01:00" in asked.text
    chosen = await marie.submit(SCHEDULE, SCHEDULE, {**autumn, "fold": "second"})
    assert chosen.status_code == 303
    meeting = await Meeting.get()
    assert meeting.starts_at == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    # Its edit page keeps the choice, so saving another change does not ask again.
    edit = f"{MEETINGS}/{meeting.pk}/edit"
    page = (await marie.get(edit)).text
    assert re.search(r'id="fold-second" name="fold" type="radio" value="second" checked', page)
    saved = await marie.submit(edit, edit, {**autumn, "fold": "second", "subject": "Nuit"})
    assert saved.status_code == 303, summary(saved.text)
    meeting = await Meeting.get()
    assert (meeting.subject, meeting.starts_at.hour, meeting.sequence) == ("Nuit", 1, 0)


# ---- changing, cancelling, resending ---------------------------------------------------------


async def test_changing_a_meeting_from_its_page(marie: Browser, office: AdminUser) -> None:
    meeting = await book(office, form(people=["ana@example.com", "luis@example.com"]))
    edit = f"{MEETINGS}/{meeting.pk}/edit"
    page = (await marie.get(edit)).text
    assert 'id="date" name="date" type="date" value="2027-03-15"' in page
    assert 'id="time" name="time" type="time" value="10:00"' in page
    assert re.findall(r'data-invitee="([^"]+)"', page) == ["ana@example.com", "luis@example.com"]
    mark = await last_outbox_id()
    saved = await marie.submit(
        edit,
        edit,
        meeting_form(
            subject=meeting.subject,
            organizer_name=meeting.organizer_name,
            details=meeting.details,
            time="11:00",
            uninvite=["luis@example.com"],
            invitee_email=["cleo@example.org"],
            invitee_name=["Cleo"],
        ),
    )
    assert saved.status_code == 303, summary(saved.text)
    meeting = await Meeting.get(id=meeting.pk)
    assert (meeting.local_start, meeting.sequence) == (f"{DAY} 11:00", 1)
    sent = {m.recipient: m for m in await outbox(after=mark)}
    assert (sent["ana@example.com"].method, sent["ana@example.com"].sequence) == ("REQUEST", 1)
    assert sent["cleo@example.org"].method == "REQUEST"
    assert sent["luis@example.com"].method == "CANCEL"
    page = (await marie.get(MEETINGS)).text
    assert notices(page) == ["Revue d'équipe is saved; everyone concerned is told by e-mail."]
    # Saving it again unchanged sends nothing.
    mark = await last_outbox_id()
    again = await marie.submit(
        edit,
        edit,
        meeting_form(subject=meeting.subject, details=meeting.details, time="11:00"),
    )
    assert again.status_code == 303
    assert await outbox(after=mark) == []


async def test_a_change_that_breaks_a_rule_is_shown_on_the_edit_page(
    marie: Browser, office: AdminUser
) -> None:
    meeting = await book(office, form())
    edit = f"{MEETINGS}/{meeting.pk}/edit"
    response = await marie.submit(edit, edit, meeting_form(duration="1000"))
    assert response.status_code == 400
    assert "a meeting lasts 5 minutes to 12 hours" in field_error(response.text, "duration")
    assert (await Meeting.get(id=meeting.pk)).duration_minutes == 60


async def test_cancelling_after_a_confirmation(marie: Browser, office: AdminUser) -> None:
    meeting = await book(office, form(people=["ana@example.com"]))
    cancel = f"{MEETINGS}/{meeting.pk}/cancel"
    question = await marie.get(cancel)
    assert question.status_code == 200
    assert "Cancel Revue d&#39;équipe?" in question.text
    assert "Yes, cancel the meeting" in question.text
    assert (await Meeting.get(id=meeting.pk)).status is MeetingStatus.SCHEDULED
    mark = await last_outbox_id()
    done = await marie.submit(cancel, cancel, {})
    assert done.status_code == 303
    assert (await Meeting.get(id=meeting.pk)).status is MeetingStatus.CANCELLED
    (cancellation, _) = await outbox(after=mark)
    assert (cancellation.recipient, cancellation.method) == ("ana@example.com", "CANCEL")
    upcoming = (await marie.get(MEETINGS)).text
    assert listed_meetings(upcoming) == []
    assert notices(upcoming) == ["Revue d'équipe is cancelled; its invitee is told by e-mail."]
    past = (await marie.get(f"{MEETINGS}/past")).text
    assert listed_meetings(past) == [str(meeting.pk)]
    # A cancelled meeting may still lie ahead: the page does not call it past.
    assert "<h1>Past and cancelled meetings</h1>" in past
    assert "Cancelled" in past and "Invited (1): Ana Ruiz" in past
    # Cancelling it again says why not, on the same page.
    twice = await marie.submit(cancel, cancel, {})
    assert twice.status_code == 409
    assert "this meeting is cancelled" in summary(twice.text)


async def test_cancelling_with_nobody_invited_claims_no_mail(
    marie: Browser, office: AdminUser
) -> None:
    meeting = await book(office, form(subject="Fold2"))
    cancel = f"{MEETINGS}/{meeting.pk}/cancel"
    assert "Nobody is invited, so no mail goes out" in (await marie.get(cancel)).text
    assert (await marie.submit(cancel, cancel, {})).status_code == 303
    page = (await marie.get(MEETINGS)).text
    assert notices(page) == ["Fold2 is cancelled."]
    assert ">Past and cancelled meetings</a>" in page


async def test_resending_the_invitation_to_one_invitee(marie: Browser, office: AdminUser) -> None:
    meeting = await book(office, form(people=["ana@example.com", "luis@example.com"]))
    mark = await last_outbox_id()
    resend = f"{MEETINGS}/{meeting.pk}/resend"
    sent = await marie.submit(MEETINGS, resend, {"email": "ana@example.com"})
    assert sent.status_code == 303
    (again,) = await outbox(after=mark)
    assert (again.recipient, again.method, again.uid) == ("ana@example.com", "REQUEST", meeting.uid)
    refused = await marie.submit(MEETINGS, resend, {"email": "zed@example.org"})
    assert refused.status_code == 404
    assert "zed@example.org is not invited to this meeting" in summary(refused.text)


# ---- who sees what ----------------------------------------------------------------------------


async def test_an_organizer_reaches_only_their_own_meetings(
    marie: Browser, office: AdminUser, admin: Browser, site_settings: Settings
) -> None:
    maries = await book(office, form(people=["ana@example.com"]))
    paul = await organizer("paul", "paul@example.com", "en", "Paul")
    pauls = await book(paul, form(room="5555", subject="Paul's"))
    async with open_browser(site_settings) as browser:
        assert (await browser.log_in("paul", PASSWORD)).status_code == 303
        assert listed_meetings((await browser.get(MEETINGS)).text) == [str(pauls.pk)]
        base = f"{MEETINGS}/{maries.pk}"
        assert (await browser.get(base + "/edit")).status_code == 404
        assert (await browser.get(base + "/cancel")).status_code == 404
        token = await browser.token(MEETINGS)
        for action, data in [
            ("/edit", meeting_form(subject="Hijacked")),
            ("/cancel", {}),
            ("/resend", {"email": "ana@example.com"}),
        ]:
            response = await browser.client.post(base + action, data={**data, "csrf_token": token})
            assert response.status_code == 404, action
        # Nor can a group name or a contact id of Marie's invite her people to his.
        ana = await Contact.get(email="ana@example.com")
        theirs = await browser.submit(
            SCHEDULE,
            SCHEDULE,
            meeting_form(room="5555", date="2027-03-16", contacts=[str(ana.pk)]),
        )
        assert theirs.status_code == 404
        assert "there is no such contact" in field_error(theirs.text, "contacts")
        # (Checked while his browser is open: closing it closes the database.)
        unchanged = await Meeting.get(id=maries.pk)
        assert (unchanged.subject, unchanged.status) == ("Revue d'équipe", MeetingStatus.SCHEDULED)
        # The admin sees everyone's, with who organizes each, and may change any.
        page = (await admin.get(MEETINGS)).text
        assert sorted(listed_meetings(page)) == sorted([str(maries.pk), str(pauls.pk)])
        assert "organized by Marie Curie" in page
        edit = await admin.get(f"{MEETINGS}/{maries.pk}/edit")
        assert edit.status_code == 200
        assert "From the organizer's contacts" in edit.text
        assert 'value="Partners"' in edit.text  # Marie's group, to invite to Marie's meeting


async def test_the_live_page_names_the_meeting_a_room_hosts_now(
    office: AdminUser, admin: Browser
) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    started = (now - timedelta(minutes=10)).astimezone(PARIS)
    await book(
        office,
        form(start=started.strftime("%Y-%m-%d %H:%M"), subject="Point du jour"),
        now=now - timedelta(hours=1),
    )
    await book(office, form(room="5555", subject="Later"))
    page = (await admin.get("/admin/live/rooms")).text
    rooms = dict(re.findall(r'data-conference-id="(\d+)">(.*?)</section>', page, re.S))
    assert "Booked now: <strong>Point du jour</strong>, organized by Marie Curie" in rooms["1234"]
    assert "Booked now" not in rooms["5555"]
    # Until when: the time alone when that is today for the viewer (UTC here).
    until = re.search(r"until (<time.*?</time>)", rooms["1234"], re.S)
    assert until is not None
    end = now + timedelta(minutes=50)
    if end.date() == datetime.now(UTC).date():
        assert re.sub(r"<[^>]+>|\s", "", until.group(1)) == end.strftime("%-I:%M%p") + "UTC"
