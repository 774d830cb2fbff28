"""When to retry a failed call and how long to wait.

Only transient failures are retried (:attr:`MoodleError.transient`: maintenance, lock
contention, database hiccups, HTTP 429/5xx, broken connections, timeouts), and only when that
is safe: a read may always be resent; a write only when Moodle certainly did not run it
(``executed is False``, e.g. the maintenance page or a refused connection). A write whose outcome
is unknown is re-read first by the caller's ``reconcile`` function (see
:meth:`lemma_pkg.moodle.client.MoodleClient.call`).

Waits grow exponentially with jitter, and a server's ``Retry-After`` is honoured; when it asks
for longer than :attr:`RetryPolicy.max_retry_after`, lemma stops and says when to try again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lemma_pkg.moodle.errors import MoodleError


@dataclass(frozen=True)
class RetryPolicy:
    """Retry settings. Tests pass tiny values; nothing here sleeps by itself."""

    #: Total tries, the first included (1 disables retries).
    attempts: int = 4
    #: First backoff in seconds; doubles on every retry.
    backoff: float = 0.5
    #: Cap for one backoff.
    max_backoff: float = 20.0
    #: Longest ``Retry-After`` lemma will wait for; longer ones end the run with a message.
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.backoff < 0 or self.max_backoff < 0 or self.max_retry_after < 0:
            raise ValueError("retry delays cannot be negative")


NO_RETRY = RetryPolicy(attempts=1)


def backoff_delay(policy: RetryPolicy, retry: int, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (1-based): "equal jitter", i.e. half the
    exponential step plus a random part of the other half, never more than ``max_backoff``."""
    step = min(policy.max_backoff, policy.backoff * 2.0 ** (retry - 1))
    r: float = (rng or random).random()
    return step / 2 + r * step / 2


def retry_delay(
    policy: RetryPolicy,
    error: MoodleError,
    retry: int,
    *,
    idempotent: bool,
    rng: random.Random | None = None,
) -> float | None:
    """How long to wait before retry number ``retry`` after ``error``, or ``None`` when the call
    must not be retried (permanent error, unsafe write, attempts used up, or the server asks us
    to come back later than we are willing to wait)."""
    if not error.transient or retry >= policy.attempts:
        return None
    if not idempotent and error.executed is not False:
        return None
    delay = backoff_delay(policy, retry, rng)
    if error.retry_after is not None:
        if error.retry_after > policy.max_retry_after:
            return None
        delay = max(delay, error.retry_after)
    return delay
