"""The caller's card: the keypad menu inside a call on one printable page, in French,
Spanish and English at once, for the people a host or an organizer invites.

The keys and what they do come from the menu itself (conferencing.menu.ITEMS), translated
through the catalogs, so the card cannot promise a key the call does not answer. With
?room=CONFERENCE_ID the card adds how to reach that room: the numbers routed to the
conference server and its conference ID. It never prints a PIN: a card is left on desks
and pinned to walls, so it says who gives the PIN instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voiceapp.admin.auth import requires_login
from voiceapp.admin.forms import FormState
from voiceapp.admin.locale import LANGUAGE_NAMES, request_gettext, request_language
from voiceapp.admin.templating import render
from voiceapp.conferencing import rooms
from voiceapp.conferencing.menu import ITEMS, MENU_KEY
from voiceapp.core.errors import NotFound, VoiceappError
from voiceapp.core.i18n import N_, format_message, gettext
from voiceapp.scheduling.dial_in import readable
from voiceapp.scheduling.meeting_rows import dial_in_numbers
from voiceapp.scheduling.wording import labelled

# The card's languages, in the order it prints them: French first, the bridge's default.
CARD_LANGUAGES = ("fr", "es", "en")

TITLE = N_("Caller's card")
HEADING = N_("Keypad commands")
# Translators: %(key)s is the key that opens the menu (the star key), shown as a key.
OPEN_MENU = N_("Press %(key)s at any time during the call to open the menu.")
JOIN_BY_NUMBER = N_(
    "Call one of the numbers above, then type the conference ID %(conference_id)s followed by #."
)
# A room no number reaches yet: the card still says what to type once through.
JOIN_WITHOUT_NUMBER = N_("When asked, type the conference ID %(conference_id)s followed by #.")
# Translators: where callers get the room's PIN, after "PIN: " (the card never prints it).
PIN_SOURCE = N_("given by your host")
# Translators: the mark beside a key that only the room's host can use.
HOST = N_("Host")
HOST_NOTE = N_("Keys marked %(host)s work only for the host, who joins with the host PIN.")


@dataclass(frozen=True)
class CardKey:
    key: str
    label: str
    host_only: bool


@dataclass(frozen=True)
class CardNumber:
    readable: str
    e164: str
    # The language its callers are greeted in ("es"), and its name in that language
    # ("Español"): the card is read in three languages, so no reader's can name it.
    language: str
    language_name: str


@dataclass(frozen=True)
class CardRoom:
    """What the card says about a room: never its PINs, only whether it has them."""

    name: str
    conference_id: str
    numbers: tuple[CardNumber, ...]
    has_pin: bool
    has_host_pin: bool


@dataclass(frozen=True)
class CardSection:
    """The card in one language, every sentence in it."""

    language: str
    language_name: str
    heading: str
    open_menu: Markup
    join: str  # "" without a room
    pin: str  # "" when the room has no PIN, or without a room
    keys: tuple[CardKey, ...]
    host: str
    host_note: str  # "" when no host key is shown


def card_keys(language: str, *, host_keys: bool = True) -> tuple[CardKey, ...]:
    """The menu's keys, in the menu's order, with their labels in `language`."""
    return tuple(
        CardKey(item.key, gettext(language, item.label), item.host_only)
        for item in ITEMS
        if host_keys or not item.host_only
    )


def open_menu_sentence(language: str) -> Markup:
    """OPEN_MENU in `language`, with the menu key drawn as a key."""
    key = Markup('<kbd class="key">%s</kbd>') % MENU_KEY
    return escape(gettext(language, OPEN_MENU)) % {"key": key}


def card_section(language: str, room: CardRoom | None) -> CardSection:
    # A room without a host PIN has no host: its card leaves out keys nobody can use.
    host_keys = room is None or room.has_host_pin
    host = gettext(language, HOST)
    join = pin = ""
    if room is not None:
        join = format_message(
            language,
            JOIN_BY_NUMBER if room.numbers else JOIN_WITHOUT_NUMBER,
            {"conference_id": room.conference_id},
        )
        if room.has_pin:
            pin = labelled(
                format_message(language, N_("PIN")), gettext(language, PIN_SOURCE), language
            )
    return CardSection(
        language=language,
        language_name=LANGUAGE_NAMES[language],
        heading=gettext(language, HEADING),
        open_menu=open_menu_sentence(language),
        join=join,
        pin=pin,
        keys=card_keys(language, host_keys=host_keys),
        host=host,
        host_note=format_message(language, HOST_NOTE, {"host": host}) if host_keys else "",
    )


async def card_room(conference_id: str) -> CardRoom:
    """The room's card details; NotFound or InvalidInput as rooms.get_room raises them."""
    room = await rooms.get_room(conference_id)
    numbers = tuple(
        CardNumber(
            readable(number.e164),
            number.e164,
            number.language,
            LANGUAGE_NAMES[number.language],
        )
        for number in await dial_in_numbers()
    )
    return CardRoom(
        name=room.name,
        conference_id=room.conference_id,
        numbers=numbers,
        has_pin=bool(room.pin),
        has_host_pin=bool(room.host_pin),
    )


@requires_login
async def caller_card_page(request: Request) -> Response:
    """Any account: organizers invite people too. A room that is not there (a typo in
    the address, a room deleted since) is said beside the room chooser, over the card
    without a room."""
    _ = request_gettext(request)
    asked = request.query_params.get("room", "").strip()
    form = FormState(values={"room": asked})
    room: CardRoom | None = None
    status = 200
    if asked:
        try:
            room = await card_room(asked)
        except VoiceappError as error:
            form.errors["room"] = error.in_language(request_language(request))
            status = 404 if isinstance(error, NotFound) else 400
    room_options = [("", _("None: the keys only"))] + [
        (each.conference_id, f"{each.name} · {each.conference_id}")
        for each in await rooms.list_rooms()
    ]
    context = {
        "room": room,
        "form": form,
        "room_options": room_options,
        # The card's title and conference ID label in its three languages.
        "titles": [(code, gettext(code, TITLE)) for code in CARD_LANGUAGES],
        "id_labels": [(code, format_message(code, N_("Conference ID"))) for code in CARD_LANGUAGES],
        "sections": [card_section(code, room) for code in CARD_LANGUAGES],
    }
    return render(request, "admin/caller_card.html", context, status_code=status)


routes = [Route("/caller-card", caller_card_page, methods=["GET"], name="caller_card")]
