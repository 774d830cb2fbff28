"""Which failures are retried, and how long lemma waits."""

from __future__ import annotations

import random

import pytest

from lemma_pkg.moodle import errors as E
from lemma_pkg.moodle.retry import RetryPolicy, backoff_delay, retry_delay

POLICY = RetryPolicy(attempts=4, backoff=1.0, max_backoff=5.0, max_retry_after=60.0)


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    for retry, step in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (9, 5.0)]:
        d = backoff_delay(POLICY, retry, rng)
        assert step / 2 <= d <= step


def test_jitter_spreads_the_waits() -> None:
    rng = random.Random(2)
    assert len({round(backoff_delay(POLICY, 3, rng), 6) for _ in range(20)}) > 10


def test_permanent_errors_are_not_retried() -> None:
    err = E.InvalidParameterError("x")
    assert retry_delay(POLICY, err, 1, idempotent=True) is None


def test_transient_read_is_retried_until_attempts_are_used() -> None:
    err = E.ServerError("502")
    assert retry_delay(POLICY, err, 1, idempotent=True) is not None
    assert retry_delay(POLICY, err, 3, idempotent=True) is not None
    assert retry_delay(POLICY, err, 4, idempotent=True) is None


def test_write_with_unknown_outcome_is_not_retried() -> None:
    err = E.RequestTimeoutError("timeout")  # executed unknown
    assert retry_delay(POLICY, err, 1, idempotent=False) is None


def test_write_that_certainly_did_not_run_is_retried() -> None:
    err = E.SiteMaintenanceError("maintenance")
    assert err.executed is False
    assert retry_delay(POLICY, err, 1, idempotent=False) is not None


def test_retry_after_is_honoured() -> None:
    err = E.SiteMaintenanceError("m", retry_after=30.0)
    assert retry_delay(POLICY, err, 1, idempotent=True) == 30.0


def test_retry_after_longer_than_we_wait_stops() -> None:
    err = E.SiteMaintenanceError("m", retry_after=300.0)
    assert retry_delay(POLICY, err, 1, idempotent=True) is None


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(backoff=-1)
