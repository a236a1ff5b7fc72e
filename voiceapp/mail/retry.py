"""When a message that could not be delivered is tried again, and when never again."""

from __future__ import annotations

from datetime import timedelta

# The first retry 30 s after a failure, then twice as long after each, never more than
# an hour apart: a server down for a minute costs a minute, one down all night is tried
# hourly. 20 attempts span about 14 hours, then the message is FAILED.
FIRST_WAIT_SECONDS = 30
LONGEST_WAIT_SECONDS = 3600
MAX_ATTEMPTS = 20


def wait_after(attempts: int) -> timedelta:
    """How long a message waits after its `attempts`-th failed attempt (1, 2, ...)."""
    doublings = min(max(attempts - 1, 0), 20)  # 2**20 * 30 s is far past the cap
    return timedelta(seconds=min(FIRST_WAIT_SECONDS * 2**doublings, LONGEST_WAIT_SECONDS))


def gives_up(attempts: int) -> bool:
    """Whether a message that has failed `attempts` times is FAILED for good."""
    return attempts >= MAX_ATTEMPTS
