"""The carrier's side of a conference: who is in it, and the status callbacks it sends."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

ACCOUNT_SID = "AC" + "0" * 32
# The carrier's own ceiling when <Conference> names no maxParticipants.
DEFAULT_MAX_PARTICIPANTS = 250


@dataclass
class Conference:
    sid: str
    name: str
    status_callback: str | None
    events: set[str]
    participants: list[str] = field(default_factory=list)

    @classmethod
    def opened_by(cls, element: ET.Element, sid: str) -> Conference:
        """A conference as the first <Conference> verb naming it sets it up."""
        return cls(
            sid=sid,
            name=(element.text or "").strip(),
            status_callback=element.get("statusCallback"),
            events=set((element.get("statusCallbackEvent") or "").split()),
        )

    def status_params(
        self, event: str, short: str, call_sid: str | None = None
    ) -> dict[str, str] | None:
        """The status callback's form for `event` ("participant-join"...), or None when the
        TwiML did not ask for it (statusCallbackEvent lists the short names: join...)."""
        if not self.status_callback or short not in self.events:
            return None
        params = {
            "AccountSid": ACCOUNT_SID,
            "ConferenceSid": self.sid,
            "FriendlyName": self.name,
            "StatusCallbackEvent": event,
        }
        if call_sid:
            params["CallSid"] = call_sid
        return params
