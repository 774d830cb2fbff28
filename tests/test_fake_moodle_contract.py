"""Contract tests: replay every recorded Moodle 4.5.6 exchange against the fake.

The transcripts in tests/fixtures/ws-transcripts/ were recorded in one scripted run from a fresh
site, in numbering order, so they are replayed in that order against one fake seeded with the
same starting state. A few steps the recorder did outside the web services (changing site
settings, deleting an enrolment instance, turning debugging on) are redone through the fake's
Python API at the same point (``SIDE_STEPS``).

Compared: HTTP status, Content-Type, and the body - every key, every list length and every value,
except values that cannot match by nature: timestamps taken at recording time (ints or digit
strings between 1795600000 and 1795800000 must only be timestamps in the fake too), the site URL
(the recorded http://127.0.0.1:8088 becomes the fake's URL) and upload.php's PHP temp file name.
Ids, including rolled-back sequence gaps, are compared exactly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.fake_moodle import FakeMoodle
from tests.fake_moodle.state import CONTEXT_COURSE

FIXTURES = Path(__file__).parent / "fixtures" / "ws-transcripts"
RECORDED_URL = "http://127.0.0.1:8088"
FILES = sorted(p for p in FIXTURES.glob("[0-9][0-9][0-9]-*.json"))
STAMP_LO, STAMP_HI = 1795600000, 1795800000


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def site() -> Any:
    fake = FakeMoodle().start()
    fake.state.draft_itemid_queue.extend([743649022, 95543015, 1, 68985126, 40184595])
    tokens = {"admin": fake.admin_token, "student1": fake.issue_token("student1")}
    yield fake, tokens
    fake.stop()


# ------------------------------------------------------------------------ side steps


def _before(num: int, fake: FakeMoodle) -> None:
    cfg = fake.state.config
    if num == 47:
        cfg.maxbytes = 1024  # "Site maxbytes set to 1024 for this call"
    if num == 48:
        cfg.post_max_size = 1024 * 1024  # scaled down: 129 MB over 128M becomes 1.01 MB over 1M
    if num == 99:
        # "LEMMA-M1 after enabling its self instance with the enrol API"
        for inst in fake.state.enrol.values():
            if inst["courseid"] == 3 and inst["enrol"] == "self":
                inst["status"] = 0
    if num >= 180:
        cfg.debug = True


def _after(num: int, fake: FakeMoodle) -> None:
    cfg = fake.state.config
    if num == 47:
        cfg.maxbytes = 0
    if num == 48:
        cfg.post_max_size = 128 * 1024 * 1024
    if num == 90:
        # "A course whose manual instance the recorder then deletes with the enrol plugin API"
        courseid = 6
        for eid, inst in list(fake.state.enrol.items()):
            if inst["courseid"] == courseid and inst["enrol"] == "manual":
                del fake.state.enrol[eid]
        assert fake.state.context_id(CONTEXT_COURSE, courseid) is not None


# --------------------------------------------------------------------------- requests


def _expand_form(tx: dict[str, Any]) -> list[tuple[str, str]]:
    """The exact fields sent; summarised big batches (section I) are rebuilt from row 0."""
    form = [(k, v) for k, v in tx["form"]]
    if not tx.get("form_field_count"):
        return form
    head = [(k, v) for k, v in form if k != "..." and not k.startswith("users[")]
    row0 = tx["params"]["users"][0]
    username = row0["username"]
    prefix, digits = re.match(r"(.*?)(\d+)$", username).groups()  # type: ignore[union-attr]
    rows = (tx["form_field_count"] - len(head) + len(row0) - 1) // len(row0)
    pairs = list(head)
    for i in range(rows):
        name = f"{prefix}{i:0{len(digits)}d}"
        for key, value in row0.items():
            value = str(value).replace(username, name)
            pairs.append((f"users[{i}][{key}]", value))
    assert len(pairs) == tx["form_field_count"], (len(pairs), tx["form_field_count"])
    return pairs


def _send(fake: FakeMoodle, tokens: dict[str, str], tx: dict[str, Any]) -> requests.Response:
    who = tx["as"]
    fields = []
    for name, value in _expand_form(tx):
        if value == "<TOKEN>":
            value = tokens[who]
        fields.append((name, value))
    url = fake.url + tx["endpoint"]
    if tx["endpoint"].endswith("upload.php"):
        files = []
        for f in tx.get("files", []):
            size = f["size"]
            if size > 100 * 1024 * 1024:
                size = fake.state.config.post_max_size + 10 * 1024
            files.append((f["field"], (f["filename"], b"x" * size, f["content_type"])))
        return requests.post(url, data=fields, files=files or None, timeout=60)
    return requests.post(url, data=fields, timeout=60)


# ------------------------------------------------------------------------- comparison


def _is_stamp(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return STAMP_LO <= value <= STAMP_HI
    return isinstance(value, str) and value.isdigit() and STAMP_LO <= int(value) <= STAMP_HI


def _fake_stamp(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return isinstance(value, int) and value > 1_000_000_000


def _norm_text(text: str, url: str) -> str:
    return text.replace(RECORDED_URL, url).replace(RECORDED_URL.replace("/", "\\/"), url)


def compare(expected: Any, actual: Any, url: str, path: str = "$") -> list[str]:
    """Differences between a recorded body and the fake's body."""
    diffs: list[str] = []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {type(actual).__name__}: {actual!r:.200}"]
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing:
            diffs.append(f"{path}: missing keys {missing}")
        if extra:
            diffs.append(f"{path}: unexpected keys {extra}")
        for k in expected:
            if k in actual:
                diffs += compare(expected[k], actual[k], url, f"{path}.{k}")
        return diffs
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list, got {type(actual).__name__}: {actual!r:.200}"]
        if len(expected) != len(actual):
            diffs.append(f"{path}: {len(expected)} items expected, got {len(actual)}")
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            diffs += compare(e, a, url, f"{path}[{i}]")
        return diffs
    if _is_stamp(expected):
        if not _fake_stamp(actual) or type(actual) is not type(expected):
            diffs.append(f"{path}: expected a timestamp like {expected!r}, got {actual!r}")
        return diffs
    if isinstance(expected, str):
        expected = _norm_text(expected, url)
        if path.endswith(".filepath") and expected.startswith("<the PHP upload temp file"):
            if not (isinstance(actual, str) and actual.startswith("/tmp/php")):
                diffs.append(f"{path}: expected a PHP temp file name, got {actual!r}")
            return diffs
    if type(expected) is not type(actual) or expected != actual:
        diffs.append(f"{path}: expected {expected!r}, got {actual!r}")
    return diffs


def _summarise(body: Any) -> Any:
    if isinstance(body, list):
        return {
            "count": len(body),
            "first": body[0] if body else None,
            "last": body[-1] if body else None,
        }
    return body


@pytest.mark.parametrize("path", FILES, ids=[p.stem[:60] for p in FILES])
def test_replay(site: Any, path: Path) -> None:
    fake, tokens = site
    tx = _load(path)
    num = int(path.name[:3])
    _before(num, fake)
    try:
        resp = _send(fake, tokens, tx)
    finally:
        _after(num, fake)
    assert resp.status_code == tx["http_status"]
    assert resp.headers["Content-Type"] == tx["content_type"]
    if tx["response_format"] == "json":
        body = resp.json()
        if tx.get("response_summarized") and isinstance(body, list):
            body = _summarise(body)
        diffs = compare(tx["response"], body, fake.url)
    else:
        diffs = compare(tx["response"], resp.text, fake.url)
    assert not diffs, "\n".join(diffs[:40])


def test_compare_reports_differences() -> None:
    """The comparison is strict where it matters and lenient only for recording-time values."""
    url = "http://127.0.0.1:1"
    recorded = {"id": 4, "time": 1795668247, "url": RECORDED_URL + "/x", "list": [1, 2]}
    assert (
        compare(recorded, {"id": 4, "time": 1795999999, "url": url + "/x", "list": [1, 2]}, url)
        == []
    )
    diffs = compare(recorded, {"id": "4", "time": 0, "url": "/x", "list": [1], "extra": 1}, url)
    assert diffs == [
        "$: unexpected keys ['extra']",
        "$.id: expected 4, got '4'",
        "$.time: expected a timestamp like 1795668247, got 0",
        f"$.url: expected '{url}/x', got '/x'",
        "$.list: 2 items expected, got 1",
    ]
