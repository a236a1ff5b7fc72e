"""Telling a real answer from the apology a webhook gives when its handler crashed.

The endpoint turns any exception into 200 + valid TwiML (the technical-problem sentence,
then hangup), so a test that checks only "200 and TwiML" passes whatever breaks behind
it. These helpers let a test say that a request was actually handled: the caller does
not hear the apology, and nothing was logged as an error.
"""

from __future__ import annotations

import logging

import pytest

from voiceapp.core.models import Language
from voiceapp.core.settings import Settings
from voiceapp.webhooks import twiml

from .twiml import parse


def apology_sentences(settings: Settings) -> set[str]:
    """The technical-problem sentence in every language the apology can be said in."""
    apology = parse(str(twiml.apology((Language.FR, Language.ES), settings)))
    sentences = {say.text or "" for say in apology.iter("Say")}
    assert len(sentences) == 2, "the apology is no longer said with <Say>: update this helper"
    return sentences


def is_apology(body: str | bytes, settings: Settings) -> bool:
    """Whether the TwiML says the technical-problem sentence (in any language)."""
    sentences = apology_sentences(settings)
    return any((say.text or "") in sentences for say in parse(body).iter("Say"))


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The ERROR (and worse) records captured so far, as their messages."""
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
