"""The suite-wide token guard (tests/token_guard.py) really fails tests that leak a token.

Each case runs a small test file in a separate pytest (pytester, in a subprocess) with the guard
and the fake Moodle fixtures loaded, and checks that the guard turned a passing test into a
failure, for every place a token can leak."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parent.parent

CONFTEST = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
pytest_plugins = ["tests.fake_moodle.pytest_plugin", "tests.token_guard"]
"""

HEADER = """
import logging
from click.testing import CliRunner
from lemma_pkg.cli import main
"""

LEAKS = {
    "stdout": """
def test_leak(fake_moodle):
    print("token is", fake_moodle.admin_token)
""",
    "log": """
def test_leak(fake_moodle):
    logging.getLogger("lemma.moodle.http").debug("wstoken=%s", fake_moodle.admin_token)
""",
    "-vv trace inside a CLI run": """
def test_leak(fake_moodle):
    # What happens inside CliRunner.invoke(main, ["-vv", ...]): the CLI puts its own stderr
    # handler on "lemma" and stops propagation, so a leaked trace goes to CliRunner's
    # buffer, never to pytest's captured log or output.
    from lemma_pkg.cli import setup_logging
    with CliRunner().isolation():
        setup_logging(2, False)
        logging.getLogger("lemma.moodle.http").debug("wstoken=%s", fake_moodle.admin_token)
""",
    "token of a fake inside a tuple fixture": """
import pytest
from tests.fake_moodle import FakeMoodle

@pytest.fixture
def site():
    fake = FakeMoodle().start()
    yield fake, fake.issue_token("student1")
    fake.stop()

def test_leak(site):
    print("student token", site[1])
""",
    "file": """
def test_leak(fake_moodle, tmp_path):
    (tmp_path / "report.json").write_text(fake_moodle.admin_token)
""",
    "failure report": """
def test_leak(fake_moodle):
    assert fake_moodle.admin_token == "x"
""",
}


@pytest.mark.parametrize("where", sorted(LEAKS))
def test_guard_fails_a_test_that_leaks_a_token(pytester: pytest.Pytester, where: str) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_leaky=HEADER + LEAKS[where])
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1 and "passed" not in outcomes, outcomes
    result.stdout.fnmatch_lines(["*a web-service token appeared in the test's output*"])


def test_guard_lets_a_clean_test_pass(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_clean=HEADER
        + """
def test_clean(fake_moodle, tmp_path):
    from lemma_pkg.moodle.client import MoodleClient
    with MoodleClient(fake_moodle.url, fake_moodle.admin_token, allow_insecure_http=True) as c:
        c.call("core_webservice_get_site_info")
        print(repr(c))
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
