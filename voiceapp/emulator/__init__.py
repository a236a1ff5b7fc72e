"""A carrier emulator: places calls against voiceapp's webhooks as a TwiML carrier would."""

from voiceapp.emulator.carrier import Carrier, EmulatedCall, Event

__all__ = ["Carrier", "EmulatedCall", "Event"]
