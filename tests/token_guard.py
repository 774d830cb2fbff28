"""A pytest plugin that fails any test whose captured output contains a web-service token.

Registered from ``tests/conftest.py``. For every test it:

- turns lemma's loggers up to DEBUG (the ``-vv`` HTTP traces) and lets them propagate, so every
  request and answer the client logs lands in pytest's captured log;
- records the text of every ``lemma.*`` log record as it is made (a log record factory), so
  the records a CLI run sends to its own stderr handler inside ``CliRunner`` (where neither
  pytest's capture nor its log handler can see them) are checked too;
- after each phase, collects the secrets the test could have leaked: every token of every
  fake Moodle alive in the process (``FakeMoodle.instances``), plus tokens registered with
  :func:`register_secret`;
- greps the captured stdout, stderr and log and the failure report for each of them, and the
  files under the test's ``tmp_path`` for fake Moodle tokens, and turns the test into a
  failure that names where a token appeared (never the token itself).
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any

import pytest

_SECRETS: set[str] = set()
#: The text of every lemma log record made during the current test.
_RECORDS: list[str] = []
_base_factory = logging.getLogRecordFactory()


def _recording_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    if record.name == "lemma" or record.name.startswith("lemma."):
        try:
            _RECORDS.append(record.getMessage())
        except Exception:  # a broken format string is the logging module's problem
            _RECORDS.append(str(record.msg))
    return record


logging.setLogRecordFactory(_recording_factory)


def register_secret(value: str) -> str:
    """Have the guard look for ``value`` (a token a test puts in env or a config file)."""
    if value:
        _SECRETS.add(value)
    return value


def find_leaks(sections: Iterable[tuple[str, str]], secrets: Iterable[str]) -> list[str]:
    """Names of the sections whose text contains one of ``secrets``."""
    secrets = [s for s in secrets if len(s) >= 8]
    return [name for name, text in sections if any(s in text for s in secrets)]


def _fake_tokens(item: pytest.Item) -> set[str]:
    """Tokens of every fake Moodle alive in the process (fixtures, tuples of fixtures, fakes a
    test made itself), including tokens since revoked."""
    from tests.fake_moodle.server import FakeMoodle

    found: set[str] = set()
    for fake in list(FakeMoodle.instances):
        found.update(str(t) for t in list(fake.state.tokens))
        found.update(fake._issued)
    return found


def _secrets_of(item: pytest.Item) -> set[str]:
    return _SECRETS | _fake_tokens(item)


def _files_with(root: Path, secrets: set[str], limit: int = 2000) -> list[str]:
    """Files under ``root`` (a test's tmp_path) that contain one of ``secrets``."""
    hits: list[str] = []
    needles = [s.encode() for s in secrets if len(s) >= 8]
    for n, path in enumerate(sorted(root.rglob("*"))):
        if n >= limit:
            break
        try:
            if not path.is_file() or path.stat().st_size > 20_000_000:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if any(needle in data for needle in needles):
            hits.append(f"file {path.relative_to(root)}")
    return hits


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _RECORDS.clear()
    logger = logging.getLogger("lemma")
    logger.handlers.clear()
    logger.setLevel(logging.DEBUG)
    logger.propagate = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    secrets = _secrets_of(item)
    if not secrets:
        return
    sections = list(report.sections)
    sections.append(("lemma log records (including those inside CliRunner)", "\n".join(_RECORDS)))
    if report.longrepr is not None:
        sections.append(("failure report", report.longreprtext))
    leaks = find_leaks(sections, secrets)
    # Files the test's code wrote: fake Moodle tokens only (config tests write their own
    # tokens into config files on purpose).
    tmp = (getattr(item, "funcargs", {}) or {}).get("tmp_path")
    if report.when == "call" and isinstance(tmp, Path):
        leaks += _files_with(tmp, _fake_tokens(item))
    if not leaks:
        return
    message = (
        "a web-service token appeared in the test's output: "
        + ", ".join(sorted(set(leaks)))
        + " (lemma must mask tokens everywhere)"
    )
    if report.failed:  # keep the test's own failure visible
        report.sections.append(("token guard", message))
    else:
        report.outcome = "failed"
        report.longrepr = message
