"""The e-mails about a meeting, sent through the wire format and read back with the
email package (policy=default) and icalendar: MIME structure, the method parameter,
accents, wording in fr, es and en, one-tap links, and each variant."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP, default
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from voiceapp.scheduling import calendar, invitation_mail
from voiceapp.scheduling.changes import Change, changes_between
from voiceapp.scheduling.dial_in import details_for_invitees, dial_in_text
from voiceapp.scheduling.invitation_mail import Confirmation
from voiceapp.scheduling.meeting_view import (
    DialIn,
    DialInNumber,
    Frequency,
    InviteeView,
    MeetingView,
    Organizer,
    RepeatRule,
    Weekday,
)

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 14, 5, tzinfo=UTC)
SENDER = "voiceapp <noreply@bridge.example.org>"
DIAL_IN = DialIn(
    (DialInNumber("+33180000001", "fr"), DialInNumber("+34910000001", "es")), "1234", "4321"
)
NO_PIN = DialIn((DialInNumber("+33180000001", "fr"),), "1234", None)
ANA = InviteeView("Ana Núñez", "ana@example.com", "es")
JURGEN = InviteeView("Jürgen Müller", "jurgen@example.com", "en")
ELODIE = InviteeView("Élodie Brébant", "elodie@example.com", "fr")
EVERYONE = [ANA, JURGEN, ELODIE]


def meeting(
    start: datetime = datetime(2026, 12, 7, 10, 0, tzinfo=PARIS),
    sequence: int = 0,
    repeat: RepeatRule | None = None,
    subject: str = "Révision — año fiscal über alles",
    details: str = "Préparez les chiffres.\nMañana: Überblick.",
    duration: timedelta = timedelta(minutes=45),
) -> MeetingView:
    return MeetingView(
        uid="meeting-42@bridge.example.org",
        sequence=sequence,
        subject=subject,
        organizer=Organizer("Zoé Martin", "zoe@example.com"),
        details=details,
        start=start,
        duration=duration,
        repeat=repeat,
    )


def on_the_wire(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=SMTP)


def received(message: EmailMessage) -> EmailMessage:
    """The message as the recipient's mail program parses it."""
    parsed = email.message_from_bytes(on_the_wire(message), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def structure(message: EmailMessage) -> list[str]:
    """Each part's content type, indented by its depth."""
    out: list[str] = []

    def walk(part: EmailMessage, depth: int) -> None:
        out.append("  " * depth + part.get_content_type())
        if part.is_multipart():
            for child in part.iter_parts():
                assert isinstance(child, EmailMessage)
                walk(child, depth + 1)

    walk(message, 0)
    return out


def part(message: EmailMessage, content_type: str) -> EmailMessage:
    found = [p for p in message.walk() if p.get_content_type() == content_type]
    assert len(found) == 1, f"{len(found)} {content_type} parts"
    assert isinstance(found[0], EmailMessage)
    return found[0]


def text(message: EmailMessage) -> str:
    content = part(message, "text/plain").get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")  # the wire's line ends


def html(message: EmailMessage) -> str:
    content = part(message, "text/html").get_content()
    assert isinstance(content, str)
    return content


def calendar_of(message: EmailMessage) -> tuple[Calendar, Event]:
    inline = part(message, "text/calendar")
    calendar = Calendar.from_ical(inline.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def attendee_emails(event: Event) -> list[str]:
    found = event.get("ATTENDEE", [])
    return sorted(str(a) for a in (found if isinstance(found, list) else [found]))


def invitation_for(person: InviteeView, **kwargs: object) -> EmailMessage:
    return received(
        invitation_mail.invitation(
            meeting(**kwargs),  # type: ignore[arg-type]
            person,
            EVERYONE,
            DIAL_IN,
            sender=SENDER,
            now=NOW,
        )
    )


def test_an_invitation_is_text_html_and_calendar_with_the_calendar_attached() -> None:
    message = invitation_for(ELODIE)

    assert structure(message) == [
        "multipart/mixed",
        "  multipart/alternative",
        "    text/plain",
        "    text/html",
        "    text/calendar",
        "  application/ics",
    ]
    inline = part(message, "text/calendar")
    assert inline.get_param("method") == "REQUEST"
    assert inline.get_param("charset") == "UTF-8"
    calendar, event = calendar_of(message)
    assert calendar["METHOD"] == inline.get_param("method")
    attached = part(message, "application/ics")
    assert attached.get_filename() == "invite.ics"
    assert attached.get_content_disposition() == "attachment"
    assert attached.get_payload(decode=True) == inline.get_payload(decode=True)
    # One ATTENDEE per invitee, whoever the message is for.
    assert attendee_emails(event) == [
        "mailto:ana@example.com",
        "mailto:elodie@example.com",
        "mailto:jurgen@example.com",
    ]
    # The calendar keeps its CRLF line ends through the mail.
    assert b"\r\nBEGIN:VEVENT\r\n" in inline.get_payload(decode=True)


def test_the_headers_name_the_invitee_and_let_them_reply_to_the_organizer() -> None:
    message = invitation_for(ANA)

    assert message["From"] == SENDER
    assert message["To"] == "Ana Núñez <ana@example.com>"
    assert message["To"].addresses[0].addr_spec == "ana@example.com"
    assert message["Reply-To"] == "Zoé Martin <zoe@example.com>"
    assert message["Date"].datetime == NOW
    assert re.fullmatch(r"<[^@<>]+@bridge\.example\.org>", message["Message-ID"])
    assert message["Content-Language"] == "es"


def test_accents_arrive_intact_and_nothing_goes_as_8bit() -> None:
    wire = on_the_wire(
        invitation_mail.invitation(meeting(), JURGEN, EVERYONE, DIAL_IN, sender=SENDER, now=NOW)
    )
    wire.decode("ascii")  # every byte 7-bit: no relay without 8BITMIME can mangle it
    raw_headers = wire.split(b"\r\n\r\n", 1)[0].decode("ascii")
    subject_line = re.search(r"^Subject: (.*(?:\r\n[ \t].*)*)", raw_headers, re.M)
    assert subject_line is not None
    assert "=?utf-8?" in subject_line.group(1).lower()  # RFC 2047 encoded-words
    assert "Jürgen" not in raw_headers
    for leaf in email.message_from_bytes(wire, policy=default).walk():
        if not leaf.is_multipart():
            assert leaf["Content-Transfer-Encoding"] in ("quoted-printable", "base64")

    message = received(
        invitation_mail.invitation(meeting(), JURGEN, EVERYONE, DIAL_IN, sender=SENDER, now=NOW)
    )
    assert message["Subject"] == "Invitation: Révision — año fiscal über alles"
    assert message["To"] == "Jürgen Müller <jurgen@example.com>"
    for body in (text(message), html(message)):
        assert "Révision — año fiscal über alles" in body
        assert "Préparez les chiffres." in body
        assert "Mañana: Überblick." in body
        assert "Zoé Martin" in body
    _, event = calendar_of(message)
    assert event["SUMMARY"] == "Révision — año fiscal über alles"
    assert {a.params["CN"] for a in event["ATTENDEE"]} == {
        "Ana Núñez",
        "Jürgen Müller",
        "Élodie Brébant",
    }
    assert str(event["DESCRIPTION"]).startswith("Préparez les chiffres.\nMañana: Überblick.")


def test_french_invitation() -> None:
    message = invitation_for(ELODIE)
    body = text(message)

    assert message["Subject"] == "Invitation : Révision — año fiscal über alles"
    assert "Zoé Martin vous invite à une conférence téléphonique." in body
    assert "Quand : lundi 7 décembre 2026 à 10:00 (UTC+01:00, heure : France)" in body
    assert "Durée : 45\xa0min" in body
    assert "Organisateur : Zoé Martin <zoe@example.com>" in body
    assert "Participer par téléphone" in body
    assert "+33 1 80 00 00 01 (+33180000001), en français" in body
    assert "+34 910 00 00 01 (+34910000001), en espagnol" in body
    assert "Numéro de conférence : 1234" in body
    assert "Code d'accès : 4321" in body
    # The number greeting in the reader's language comes first.
    assert body.index("en français") < body.index("en espagnol")
    assert "Envoyé de la part de Zoé Martin" in body


def test_spanish_invitation() -> None:
    message = invitation_for(ANA)
    body = text(message)

    assert message["Subject"] == "Invitación: Révision — año fiscal über alles"
    assert "Zoé Martin le invita a una conferencia telefónica." in body
    assert "Cuándo: lunes, 7 de diciembre de 2026, 10:00 (UTC+01:00, hora de Francia)" in body
    assert "Participar por teléfono" in body
    assert "+34 910 00 00 01 (+34910000001), en español" in body
    assert body.index("en español") < body.index("en francés")
    assert "Número de conferencia: 1234" in body
    assert "Código de acceso: 4321" in body


def test_english_invitation() -> None:
    message = invitation_for(JURGEN)
    body = text(message)

    assert message["Subject"] == "Invitation: Révision — año fiscal über alles"
    assert "Zoé Martin invites you to a conference call by phone." in body
    assert "When: Monday, December 7, 2026 at 10:00\u202fAM (UTC+01:00, France Time)" in body
    assert "Join by phone" in body
    assert "+33 1 80 00 00 01 (+33180000001), in French" in body
    assert "Conference ID: 1234" in body
    assert "PIN: 4321" in body


def test_the_date_is_written_in_the_meetings_zone_with_its_offset() -> None:
    summer = invitation_for(ELODIE, start=datetime(2026, 7, 6, 9, 30, tzinfo=PARIS))
    assert "lundi 6 juillet 2026 à 09:30 (UTC+02:00, heure : France)" in text(summer)
    new_york = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    assert "(UTC-05:00, heure : États-Unis (New York))" in text(
        invitation_for(ELODIE, start=new_york)
    )


def test_one_tap_links_dial_the_conference_id_and_the_pin() -> None:
    message = invitation_for(JURGEN)
    assert "One tap: tel:+33180000001,,1234#,,4321#" in text(message)
    assert "One tap: tel:+34910000001,,1234#,,4321#" in text(message)
    # In a link, # would start a fragment: RFC 3966 escapes it.
    assert 'href="tel:+33180000001,,1234%23,,4321%23"' in html(message)


def test_without_a_pin_the_one_tap_link_stops_after_the_conference_id() -> None:
    message = received(
        invitation_mail.invitation(meeting(), JURGEN, EVERYONE, NO_PIN, sender=SENDER, now=NOW)
    )
    body = text(message)
    assert "One tap: tel:+33180000001,,1234#\n" in body
    assert ",,4321" not in body
    assert "PIN" not in body
    assert "type the conference ID followed by #" in body
    assert 'href="tel:+33180000001,,1234%23"' in html(message)
    _, event = calendar_of(message)
    assert event["LOCATION"] == "+33 1 80 00 00 01 (tel:+33180000001,,1234#)"


def test_the_html_part_escapes_what_people_typed() -> None:
    message = received(
        invitation_mail.invitation(
            meeting(subject="Q&A <script>alert(1)</script>", details='a < b & "c"\nline 2'),
            JURGEN,
            EVERYONE,
            DIAL_IN,
            sender=SENDER,
            now=NOW,
        )
    )
    page = html(message)
    assert "<script>" not in page
    assert "Q&amp;A &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a &lt; b &amp; &#34;c&#34;<br>" in page
    assert "Q&A <script>alert(1)</script>" in text(message)  # plain text stays plain


def test_a_line_break_typed_in_a_subject_cannot_add_a_header() -> None:
    message = received(
        invitation_mail.invitation(
            meeting(subject="Weekly\r\nBcc: everyone@example.com"),
            JURGEN,
            EVERYONE,
            DIAL_IN,
            sender=SENDER,
            now=NOW,
        )
    )
    assert message["Bcc"] is None
    assert message["Subject"] == "Invitation: Weekly Bcc: everyone@example.com"


def test_a_series_is_described_in_words() -> None:
    weekly = RepeatRule(Frequency.WEEKLY, weekdays=(Weekday.TH, Weekday.MO), count=10)
    start = datetime(2026, 12, 7, 10, 0, tzinfo=PARIS)
    assert "Repeats: Every week on Monday and Thursday, 10 meetings" in text(
        invitation_for(JURGEN, start=start, repeat=weekly)
    )
    assert "Répétition : Toutes les semaines, le lundi et jeudi, 10 réunions" in text(
        invitation_for(ELODIE, start=start, repeat=weekly)
    )
    monthly = RepeatRule(Frequency.MONTHLY, month_days=(7,), until=datetime(2027, 6, 30).date())
    assert "Repetición: Cada mes, el día 7, hasta el miércoles, 30 de junio de 2027" in text(
        invitation_for(ANA, start=start, repeat=monthly)
    )
    once = RepeatRule(Frequency.DAILY, count=1)
    assert "Répétition : Tous les jours, 1 réunion" in text(
        invitation_for(ELODIE, start=start, repeat=once)
    )


def test_an_update_says_what_changed_in_each_language() -> None:
    before = meeting()
    after = meeting(start=datetime(2026, 12, 7, 11, 0, tzinfo=PARIS), sequence=1)
    changes = changes_between(before, after)
    messages = {
        person.language: received(
            invitation_mail.update(
                after, person, EVERYONE, DIAL_IN, changes, sender=SENDER, now=NOW
            )
        )
        for person in EVERYONE
    }

    assert "Heure : 10:00 → 11:00" in text(messages["fr"])
    assert "Ce qui a changé" in text(messages["fr"])
    assert "Hora: 10:00 → 11:00" in text(messages["es"])
    assert "Time: 10:00\u202fAM → 11:00\u202fAM" in text(messages["en"])
    assert "Heure : 10:00 → 11:00" in html(messages["fr"])
    assert "Appel direct : <a" in html(messages["fr"])
    assert messages["fr"]["Subject"] == "Invitation modifiée : Révision — año fiscal über alles"
    assert messages["es"]["Subject"].startswith("Invitación actualizada: ")
    for message in messages.values():
        inline = part(message, "text/calendar")
        calendar, event = calendar_of(message)
        assert inline.get_param("method") == calendar["METHOD"] == "REQUEST"
        assert event["UID"] == "meeting-42@bridge.example.org"
        assert event["SEQUENCE"] == 1
        assert event.decoded("DTSTART") == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def test_changes_name_each_field_that_moved() -> None:
    before = meeting(repeat=RepeatRule(Frequency.DAILY, count=3))
    after = meeting(
        start=datetime(2026, 12, 8, 10, 0, tzinfo=PARIS),
        duration=timedelta(minutes=90),
        subject="Nouveau sujet",
        details="Autre chose.",
        repeat=None,
    )
    new_room = DialIn(DIAL_IN.numbers, "5678", None)
    lines = [c.text("fr") for c in changes_between(before, after, DIAL_IN, new_room)]
    assert lines == [
        "Objet : Révision — año fiscal über alles → Nouveau sujet",
        "Jour : lundi 7 décembre 2026 → mardi 8 décembre 2026",
        "Durée : 45\xa0min → 1\u202fh 30\xa0min",
        "Répétition : Tous les jours, 3 réunions → Sans répétition",
        "Les détails ont changé : lisez-les ci-dessous.",
        "Numéro de conférence : 1234 → 5678",
        "Code d'accès : 4321 → aucun",
    ]
    assert changes_between(before, before, DIAL_IN, DIAL_IN) == ()
    # A caller may also write a change itself.
    assert Change("Time", "10:00", "11:00", lambda value, _: value).text("es") == (
        "Hora: 10:00 → 11:00"
    )


def test_someone_uninvited_gets_a_cancel_naming_only_them() -> None:
    message = received(
        invitation_mail.withdrawal(meeting(sequence=1), ELODIE, sender=SENDER, now=NOW)
    )

    assert message["Subject"] == "Invitation retirée : Révision — año fiscal über alles"
    assert "Zoé Martin a retiré votre invitation à cette conférence téléphonique" in text(message)
    assert "Participer par téléphone" not in text(message)
    inline = part(message, "text/calendar")
    calendar, event = calendar_of(message)
    assert inline.get_param("method") == calendar["METHOD"] == "CANCEL"
    assert attendee_emails(event) == ["mailto:elodie@example.com"]
    assert "STATUS" not in event
    assert event["UID"] == "meeting-42@bridge.example.org"
    assert part(message, "application/ics").get_filename() == "invite.ics"


def test_a_cancelled_meeting_sends_status_cancelled_to_everyone() -> None:
    series = meeting(sequence=3, repeat=RepeatRule(Frequency.DAILY, count=3))
    message = received(invitation_mail.cancellation(series, ANA, EVERYONE, sender=SENDER, now=NOW))

    assert message["Subject"] == "Cancelada: Révision — año fiscal über alles"
    assert "ha cancelado esta conferencia telefónica, todas las reuniones" in text(message)
    inline = part(message, "text/calendar")
    calendar, event = calendar_of(message)
    assert inline.get_param("method") == calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 3
    assert len(attendee_emails(event)) == 3
    assert {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")} == {"Europe/Paris"}


def test_a_reminder_is_text_and_html_only() -> None:
    series = meeting(repeat=RepeatRule(Frequency.DAILY, count=5))
    third = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    message = received(
        invitation_mail.reminder(
            series,
            ELODIE,
            DIAL_IN,
            starts_at=third,
            lead=timedelta(minutes=15),
            sender=SENDER,
            now=NOW,
        )
    )

    assert structure(message) == ["multipart/alternative", "  text/plain", "  text/html"]
    assert message["Subject"] == (
        "Rappel : Révision — año fiscal über alles commence dans 15 minutes"
    )
    body = text(message)
    assert "Votre conférence téléphonique commence dans 15 minutes." in body
    assert "Quand : mercredi 9 décembre 2026 à 10:00 (UTC+01:00, heure : France)" in body
    assert "tel:+33180000001,,1234#,,4321#" in body
    hour = invitation_mail.reminder(
        series, ANA, DIAL_IN, starts_at=third, lead=timedelta(hours=1), sender=SENDER, now=NOW
    )
    assert received(hour)["Subject"].endswith("empieza dentro de 1 hora")


@pytest.mark.parametrize(
    ("what", "subject", "intro"),
    [
        (Confirmation.SCHEDULED, "Planifiée : ", "Votre conférence téléphonique est planifiée."),
        (Confirmation.UPDATED, "Modifiée : ", "Votre conférence téléphonique est modifiée."),
        (Confirmation.CANCELLED, "Annulée : ", "Votre conférence téléphonique est annulée."),
    ],
)
def test_the_organizer_gets_a_plain_confirmation_listing_who_was_invited(
    what: Confirmation, subject: str, intro: str
) -> None:
    message = received(
        invitation_mail.organizer_confirmation(
            meeting(),
            EVERYONE,
            DIAL_IN,
            language="fr",
            what=what,
            sender=SENDER,
            now=NOW,
        )
    )

    # No REQUEST: Outlook moves one sent to its own organizer to Deleted Items.
    assert structure(message) == ["multipart/alternative", "  text/plain", "  text/html"]
    assert b"BEGIN:VCALENDAR" not in on_the_wire(message)
    assert message["To"] == "Zoé Martin <zoe@example.com>"
    assert message["Subject"] == subject + "Révision — año fiscal über alles"
    body = text(message)
    assert intro in body
    assert "Invités" in body
    for person in ("Ana Núñez <ana@example.com>", "Jürgen Müller <jurgen@example.com>"):
        assert person in body
        assert person.replace("<", "&lt;").replace(">", "&gt;") in html(message)
    assert ("Participer par téléphone" in body) == (what is not Confirmation.CANCELLED)


def test_the_dial_in_block_left_in_the_details_is_not_shown_twice() -> None:
    """The schedule page pre-fills Details with the room's dial-in block, in the page's
    language; each invitation adds the block in the invitee's language."""
    prefilled = dial_in_text(DIAL_IN, "fr").replace("\n", "\r\n")  # as a browser posts it
    typed = meeting(details=f"Ordre du jour : budget.\r\n\r\n{prefilled}")
    assert details_for_invitees(typed.details, DIAL_IN) == "Ordre du jour : budget."
    for invitee in EVERYONE:
        event = calendar.request(typed, EVERYONE, DIAL_IN, invitee.language, stamp=NOW)
        description = str(event.walk("VEVENT")[0]["DESCRIPTION"])
        assert description.count("+33") == dial_in_text(DIAL_IN, invitee.language).count("+33")
        text = invitation_mail.invitation(typed, invitee, EVERYONE, DIAL_IN, sender=SENDER, now=NOW)
        plain = part(received(text), "text/plain").get_content()
        assert plain.count("Ordre du jour") == 1
        assert plain.count("+33 1 80 00 00 01") == 1
