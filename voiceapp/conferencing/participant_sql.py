"""The carrier's word about one participant (a conference status callback), written on
their seat in one statement: joined (first, or back from the keypad menu), stepped out
with the call on (the menu), or muted / held.

Each is one conditional UPDATE rather than the ORM's read-then-write: these callbacks
come four per menu round trip, and building the ORM's queries cost more than the
database's work (bench/menu_trip.py). The conditions are the rules:

- a report older than what the seat last heard of the same conference changes nothing
  (callbacks are not delivered in order; SequenceNumber rises per conference, and a new
  conference restarts it), NEWS below;
- a join moves a seat only from reserved or in the menu, a step out only from joined or
  reserved: a removed caller stays removed.

Parameters: $1 CallSid, $2 ConferenceSid, $3 AccountSid (NULL: keep), $4 Muted, $5 Hold
(NULL: keep), $6 SequenceNumber (0: not sent), $7 now (joins only).
"""

from __future__ import annotations

from voiceapp.core.models import SeatState

NEWS = "($6 = 0 OR conference_sid IS NULL OR conference_sid <> $2 OR sequence < $6)"

UPDATE = """
UPDATE seat SET {state}conference_sid = $2,
    account_sid = COALESCE($3, account_sid),
    muted = COALESCE($4, muted),
    on_hold = COALESCE($5, on_hold),
    sequence = CASE WHEN $6 > 0 THEN $6 ELSE sequence END
WHERE call_sid = $1 {from_states} AND {news}
RETURNING id
"""


def _states(*states: SeatState) -> str:
    return "AND state IN (" + ", ".join(f"'{state.value}'" for state in states) + ")"


JOINED = UPDATE.format(
    state=f"state = '{SeatState.JOINED.value}', joined_at = COALESCE(joined_at, $7), ",
    from_states=_states(SeatState.RESERVED, SeatState.IN_MENU),
    news=NEWS,
)
STEPPED_OUT = UPDATE.format(
    state=f"state = '{SeatState.IN_MENU.value}', ",
    from_states=_states(SeatState.JOINED, SeatState.RESERVED),
    news=NEWS,
)
CHANGED = UPDATE.format(state="", from_states="", news=NEWS)
