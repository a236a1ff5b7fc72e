"""voiceapp: a self-hostable dial-in conference bridge answering carrier voice webhooks."""

__version__ = "0.1.0"
