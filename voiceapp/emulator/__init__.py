"""A carrier emulator: places calls against voiceapp's webhooks as a TwiML carrier would."""

from voiceapp.emulator.call import EmulatedCall
from voiceapp.emulator.carrier import Carrier
from voiceapp.emulator.events import Event

__all__ = ["Carrier", "EmulatedCall", "Event"]
