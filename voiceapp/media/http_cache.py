"""The HTTP caching and byte-range rules for serving a file: validators (ETag,
Last-Modified), revalidation (304) and Range requests (206, 416). No I/O here."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime

from starlette.datastructures import Headers

RANGE = re.compile(r"bytes=(\d*)-(\d*)")
# A byte position past the end of any file. A Range position of more digits than this
# has (19) stands for it: converting the digits as they come would let a header of
# 4,301 digits raise (Python's limit on int() of a string) and fail the request.
PAST_ANY_FILE = 2**63


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: str
    mtime: int  # whole seconds, as Last-Modified can say it

    @classmethod
    def of(cls, stat: os.stat_result) -> Validators:
        return cls(
            etag=f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"',
            last_modified=formatdate(stat.st_mtime, usegmt=True),
            mtime=int(stat.st_mtime),
        )


def _etag_listed(etag: str, header: str) -> bool:
    """Whether If-None-Match lists `etag`, by the weak comparison RFC 9110 asks for."""
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def _seconds(http_date: str) -> int | None:
    try:
        return int(parsedate_to_datetime(http_date).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def not_modified(headers: Headers, validators: Validators) -> bool:
    """Whether the client's copy is current: If-None-Match first, as the RFC says, else
    If-Modified-Since."""
    if "if-none-match" in headers:
        return _etag_listed(validators.etag, headers["if-none-match"])
    since = _seconds(headers.get("if-modified-since", ""))
    return since is not None and validators.mtime <= since


class Unsatisfiable(Exception):
    """The range lies wholly past the end of the file (416)."""


def byte_range(headers: Headers, validators: Validators, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, as (first, last) inclusive; None to send the whole
    file (no Range, an If-Range that no longer matches, several ranges, or a header we
    cannot read, which the RFC lets us ignore)."""
    header = headers.get("range")
    if header is None:
        return None
    if_range = headers.get("if-range")
    if if_range is not None and if_range not in (validators.etag, validators.last_modified):
        return None
    match = RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # "bytes=-500": the last 500 bytes
        suffix = _position(last_text)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(size - suffix, 0), size - 1
    first = _position(first_text)
    if last_text and _position(last_text) < first:  # "bytes=9-2" is not a range: ignore it
        return None
    if first >= size:
        raise Unsatisfiable
    last = _position(last_text) if last_text else size - 1
    return first, min(last, size - 1)


def _position(digits: str) -> int:
    """A byte position as the header writes it (ASCII digits), at most PAST_ANY_FILE."""
    significant = digits.lstrip("0")
    if len(significant) >= len(str(PAST_ANY_FILE)):
        return PAST_ANY_FILE
    return min(int(significant or "0"), PAST_ANY_FILE)
