"""The prompt catalog: every sentence a caller hears, by prompt key, in English.

English is the source language; callers hear the French and Spanish translations from
locales/<lang>/LC_MESSAGES/messages.po. `spoken` and `spoken_count` mark the sentences for
`pybabel extract` (see babel.cfg); the `# Translators:` comments above them reach the
translators' catalogs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Prompt:
    """One prompt's English source: a sentence, or a singular and plural taking %(count)s."""

    text: str
    plural: str | None = None


def spoken(text: str) -> Prompt:
    return Prompt(text)


def spoken_count(singular: str, plural: str) -> Prompt:
    return Prompt(singular, plural)


PlaceholderKind = Literal["digits", "number"]

# How each named placeholder is spoken. Digits are read one by one ("1 2 3 4", never
# "one thousand two hundred..."), numbers as a whole ("twelve").
PLACEHOLDERS: dict[str, PlaceholderKind] = {
    "conference_id": "digits",
    "count": "number",
}

PROMPTS: dict[str, Prompt] = {
    # Translators: the first words a caller hears on the conference line.
    "greeting": spoken("Welcome to the conference service."),
    # Translators: said in the greeting of the OTHER language, with the
    # voice of yours, so that your speakers can switch: name your language.
    "language_offer": spoken("To continue in English, press the star key."),
    # Translators: the room's conference ID, typed on the keypad, then #.
    "ask_id": spoken("Please enter the conference ID, followed by the pound key."),
    "unknown_id": spoken("The conference ID you entered does not exist."),
    # Translators: the room's access code (PIN), typed on the keypad, then #.
    "ask_pin": spoken("Please enter the access code, followed by the pound key."),
    "wrong_pin": spoken("The access code is not correct."),
    # Translators: after three wrong IDs or access codes; goodbye follows.
    "too_many_attempts": spoken("You have reached the maximum number of attempts."),
    # Translators: many wrong access codes for this room lately, any caller.
    "locked_out": spoken("Too many wrong access codes have been entered. Please try again later."),
    "room_full": spoken("This conference is full. Please try again later."),
    # Translators: %(conference_id)s is read digit by digit (1 2 3 4).
    "joining": spoken("You are joining conference %(conference_id)s."),
    "first_participant": spoken("You are the first participant."),
    # Translators: %(count)s callers (1 or more) are already in the room.
    # In Spanish write "un participante" for one: "1" is read "uno".
    "participants": spoken_count(
        "There is already %(count)s participant in the conference.",
        "There are already %(count)s participants in the conference.",
    ),
    # Translators: the caller pressed no key; the question comes again.
    "no_input": spoken("We did not receive a response."),
    # Translators: the caller pressed no key twice; goodbye follows.
    "no_input_goodbye": spoken("We still have not received a response."),
    "goodbye": spoken("Thank you for calling. Goodbye."),
    "not_in_service": spoken("The number you have dialed is not in service."),
    "technical_problem": spoken(
        "We are experiencing a technical problem. Please call again later."
    ),
    # Translators: to a caller alone in the room, before the hold music.
    "please_wait": spoken("Please hold, the other participants will join you shortly."),
    # Translators: the first words on a number answered by the switchboard.
    "receptionist_greeting": spoken("Welcome, you have reached our switchboard."),
    # Translators: the extension (internal number) of a colleague, then #.
    "ask_extension": spoken(
        "Please enter the extension number of the person you are calling, "
        "followed by the pound key."
    ),
    "unknown_extension": spoken("That extension number does not exist."),
    "transferring": spoken("Please hold, we are transferring your call."),
    # Translators: the person called is on another call; voicemail follows.
    "line_busy": spoken("The person you are calling is on another call."),
    "no_answer": spoken("The person you are calling does not answer."),
    "unreachable": spoken("The person you are calling cannot be reached at the moment."),
    # Translators: a beep follows, then the recording of a voicemail.
    "leave_message": spoken(
        "Please leave your message after the tone, then press the pound key or hang up."
    ),
    "message_saved": spoken("Your message has been saved."),
    # ---- inside the conference ----
    # Translators: heard with the hold music in a room that waits for its host.
    "host_not_here": spoken("The host has not joined yet. Please wait."),
    # Translators: said before joining a room that is recorded.
    "recorded": spoken("This conference is recorded."),
    # Translators: a host locked the room; goodbye follows.
    "room_locked": spoken("This conference is locked. No one else can join it now."),
    # Translators: the conference ended while the caller was in the keypad menu, or left.
    "conference_ended": spoken("The conference has ended."),
    # Translators: a host or an administrator removed this caller; goodbye follows.
    "removed": spoken("You have been removed from the conference."),
    # Translators: the caller pressed * during the call; the menu's choices follow.
    "menu_intro": spoken("Conference menu."),
    "menu_toggle_mute": spoken("To mute or unmute yourself, press 1."),
    "menu_count": spoken("To hear how many people are in the conference, press 2."),
    # Translators: only hosts hear this choice.
    "menu_toggle_lock": spoken("To lock or unlock the conference, press 3."),
    # Translators: only hosts hear this choice.
    "menu_toggle_mute_others": spoken("To mute or unmute everyone else, press 4."),
    "menu_repeat": spoken("To hear this menu again, press 0."),
    "menu_back": spoken("To return to the conference, press the pound key."),
    "menu_wrong": spoken("That key is not in the menu."),
    # Translators: after a choice of the keypad menu was carried out.
    "menu_next": spoken(
        "Choose another option, or press the pound key to return to the conference."
    ),
    "now_muted": spoken("You are now muted."),
    "now_unmuted": spoken("You are no longer muted."),
    # Translators: %(count)s people (1 or more, the caller included) are in the conference.
    # In Spanish write "una persona" for one: "1" is read "uno".
    "in_conference": spoken_count(
        "There is %(count)s person in the conference.",
        "There are %(count)s people in the conference.",
    ),
    "room_now_locked": spoken("The conference is now locked. No one else can join."),
    "room_now_unlocked": spoken("The conference is now unlocked."),
    "others_now_muted": spoken("Everyone else is now muted."),
    "others_now_unmuted": spoken("Everyone else can speak again."),
    # Translators: the carrier did not carry out a choice of the menu.
    "menu_failed": spoken("That could not be done just now. Please try again later."),
    "returning": spoken("Returning to the conference."),
}
