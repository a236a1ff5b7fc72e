"""Keeps secrets that travel in URLs out of the access log.

The first-run setup link carries its token in the query (/admin/setup?token=...), and
uvicorn's access log writes each request's full path: this filter blanks the values of
the query parameters named in SECRET_PARAMETERS before the line is written. A calendar
feed's secret is its path (/calendar/<secret>.ics, scheduling.calendar_feed): everything
after /calendar/ is blanked too.
"""

from __future__ import annotations

import logging
import re

SECRET_PARAMETERS = ("token",)
_NAMES = "|".join(SECRET_PARAMETERS)
_SECRET_VALUE = re.compile(rf"([?&](?:{_NAMES})=)[^&#\s]*")
# The path up to its query: a wrong guess is blanked as well, being maybe a real secret
# mistyped.
_SECRET_PATH = re.compile(r"(/calendar/)[^?#\s]*")
ACCESS_LOGGER = "uvicorn.access"


def redacted(path: str) -> str:
    return _SECRET_PATH.sub(r"\1[redacted]", _SECRET_VALUE.sub(r"\1[redacted]", path))


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's access record: (client, method, path with query, HTTP version, status).
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            if isinstance(args[2], str):
                args[2] = redacted(args[2])
                record.args = tuple(args)
        return True


def install() -> None:
    """Add the filter to uvicorn's access logger once (each worker builds the app)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, RedactSecrets) for existing in logger.filters):
        logger.addFilter(RedactSecrets())
