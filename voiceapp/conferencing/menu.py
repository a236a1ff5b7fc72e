"""The keypad menu inside a conference: which key does what, for whom.

On the carrier there is no keypad inside <Conference>: <Dial hangupOnStar="true"> takes a
caller who presses * out of the room to the Dial's action, where this menu is asked in a
<Gather>; "#" (or silence, or three wrong keys) takes them back in, on the seat they kept.
`ITEMS` is the one list of the menu: the call flow reads it to act on a key and the
caller's card (admin.caller_card, the README) prints it, so the two cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from voiceapp.core.i18n import N_

# What a menu key does.
Action = Literal["toggle_mute", "count", "toggle_lock", "toggle_mute_others", "repeat", "back"]

# The key that takes a caller out of the conference to this menu (hangupOnStar).
MENU_KEY = "*"
# Wrong keys in a row before the caller is taken back to the conference.
MAX_WRONG_KEYS = 3


@dataclass(frozen=True)
class MenuItem:
    key: str
    action: Action
    # What the key does, as the caller's card prints it (translated where shown).
    label: str
    host_only: bool = False


ITEMS: tuple[MenuItem, ...] = (
    MenuItem("1", "toggle_mute", N_("Mute or unmute yourself")),
    MenuItem("2", "count", N_("Hear how many people are in the conference")),
    MenuItem("3", "toggle_lock", N_("Lock or unlock the conference"), host_only=True),
    MenuItem("4", "toggle_mute_others", N_("Mute or unmute everyone else"), host_only=True),
    MenuItem("0", "repeat", N_("Hear the menu again")),
    MenuItem("#", "back", N_("Go back to the conference")),
)


def item_for(key: str, *, host: bool) -> MenuItem | None:
    """The item `key` chooses for this caller; None for a key the menu does not offer them
    (a host-only key pressed by a participant included)."""
    for item in ITEMS:
        if item.key == key and (host or not item.host_only):
            return item
    return None


def items_for(*, host: bool) -> tuple[MenuItem, ...]:
    return tuple(item for item in ITEMS if host or not item.host_only)
