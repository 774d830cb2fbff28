"""pytest fixtures for the fake Moodle (registered from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import FakeMoodle


@pytest.fixture
def fake_moodle() -> Iterator[FakeMoodle]:
    """A started fake Moodle with fresh reference state; stopped after the test."""
    fake = FakeMoodle().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def fake_moodle_module() -> Iterator[FakeMoodle]:
    """One fake Moodle for a whole test module (state carries over between tests)."""
    fake = FakeMoodle().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake_moodle_reset(fake_moodle_module: FakeMoodle) -> FakeMoodle:
    """The module's fake Moodle, reset to fresh reference state for this test."""
    fake_moodle_module.reset()
    return fake_moodle_module
