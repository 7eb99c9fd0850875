"""Backoff between our own retries of partial failures (botocore retries whole failed calls itself)."""

from __future__ import annotations

import random
import time

#: Our retries of partially failed batch calls and conflicting transactions, before giving up loudly.
ATTEMPTS = 8


def pause(attempt: int) -> None:
    """Sleep before retry `attempt` (1-based): capped exponential backoff with jitter, as AWS advises."""
    time.sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0))
