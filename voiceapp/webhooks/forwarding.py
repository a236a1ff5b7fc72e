"""The webhooks of a call put through to a user or a ring group: how the ringing went (the
<Dial> action) and the voicemail left (the <Record> action). The rules are in `routing`."""

from __future__ import annotations

from starlette.routing import Route

from voiceapp.switchboard import routing
from voiceapp.switchboard.voicemail import Message, Recording
from voiceapp.webhooks.endpoint import VoiceRequest, voice_webhook
from voiceapp.webhooks.state import accent_from, extension_from, language_from
from voiceapp.webhooks.voice import answered

# Carriers' recording URLs are well under this; the column holds 500.
RECORDING_URL_MAX = 500


@voice_webhook
async def dial_result(voice: VoiceRequest) -> str:
    reply = routing.on_dial_result(
        extension_from(voice.query),
        voice.field("DialCallStatus"),
        language_from(voice.query),
        voice.settings,
    )
    return await answered(voice, reply, accent_from(voice.query))


@voice_webhook
async def voicemail(voice: VoiceRequest) -> str:
    message = Message(
        extension_number=extension_from(voice.query),
        call_sid=voice.call_sid,
        caller=voice.caller,
        called=voice.called,
        recording=Recording(
            url=voice.field("RecordingUrl", RECORDING_URL_MAX),
            sid=voice.field("RecordingSid"),
            duration_seconds=voice.whole_number("RecordingDuration") or 0,
        ),
    )
    reply = await routing.on_message(message, language_from(voice.query))
    return await answered(voice, reply, accent_from(voice.query))


routes = [
    Route("/voice/dial-result", dial_result, methods=["POST"]),
    Route("/voice/voicemail", voicemail, methods=["POST"]),
]
