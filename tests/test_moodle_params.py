"""PHP-style flattening, checked against every recorded request of the real Moodle."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lemma_pkg.moodle.params import ParameterEncodingError, count_fields, encode_scalar, flatten

TRANSCRIPTS = Path(__file__).parent / "fixtures" / "ws-transcripts"
BASE = {"wstoken", "wsfunction", "moodlewsrestformat"}
# Cases that deliberately send a form no client should produce (empty list as '', PHP's
# auto-index `values[]`) or whose params were summarised by the recorder.
HAND_MADE = {"163", "168", "185"}


def _rest_transcripts() -> list[Path]:
    out = []
    for path in sorted(TRANSCRIPTS.glob("[0-9]*.json")):
        d = json.loads(path.read_text(encoding="utf-8"))
        if d["endpoint"] != "/webservice/rest/server.php" or d.get("response_summarized"):
            continue
        if path.name[:3] in HAND_MADE:
            continue
        out.append(path)
    return out


@pytest.mark.parametrize("path", _rest_transcripts(), ids=lambda p: p.name[:3])
def test_flatten_reproduces_the_recorded_form(path: Path) -> None:
    d = json.loads(path.read_text(encoding="utf-8"))
    recorded = [tuple(f) for f in d["form"] if f[0] not in BASE]
    assert flatten(d["params"]) == recorded


def test_there_are_many_recorded_requests() -> None:
    assert len(_rest_transcripts()) > 150


def test_booleans_are_1_and_0_never_true() -> None:
    assert flatten({"visible": True, "hidden": False}) == [("visible", "1"), ("hidden", "0")]


def test_nested_lists_of_structures() -> None:
    params = {
        "users": [
            {
                "username": "ann",
                "customfields": [{"type": "sector", "value": "Industry"}],
                "preferences": [{"type": "auth_forcepasswordchange", "value": "1"}],
            }
        ]
    }
    assert flatten(params) == [
        ("users[0][username]", "ann"),
        ("users[0][customfields][0][type]", "sector"),
        ("users[0][customfields][0][value]", "Industry"),
        ("users[0][preferences][0][type]", "auth_forcepasswordchange"),
        ("users[0][preferences][0][value]", "1"),
    ]


def test_empty_lists_and_none_are_left_out() -> None:
    assert flatten({"courseids": [], "options": {}, "lang": None, "id": 0}) == [("id", "0")]


def test_integers_are_plain_decimal() -> None:
    assert encode_scalar(7) == "7"
    assert encode_scalar(-1) == "-1"
    assert encode_scalar(2.5) == "2.5"


@pytest.mark.parametrize("bad", [b"x", object(), float("nan"), {1, 2}])
def test_unsendable_values_are_refused(bad: Any) -> None:
    with pytest.raises(ParameterEncodingError):
        flatten({"x": bad})


def test_non_string_keys_are_refused() -> None:
    with pytest.raises(ParameterEncodingError):
        flatten({"x": {True: 1}})


_KEY = re.compile(r"^([a-z_]+)((?:\[[^\]]*\])*)$")


def _unflatten(fields: list[tuple[str, str]]) -> dict[str, Any]:
    """PHP's parse_str, enough for these tests: lists come back as dicts with int keys."""
    root: dict[str, Any] = {}
    for name, value in fields:
        m = _KEY.match(name)
        assert m, name
        keys = [m.group(1), *re.findall(r"\[([^\]]*)\]", m.group(2))]
        cur = root
        for k in keys[:-1]:
            cur = cur.setdefault(k, {})
        cur[keys[-1]] = value
    return root


def _as_php(value: Any) -> Any:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        out = {k: _as_php(v) for k, v in value.items() if v not in (None, [], {})}
        return out
    if isinstance(value, list):
        return {str(i): _as_php(v) for i, v in enumerate(value) if v not in (None, [], {})}
    return value


_names = st.sampled_from(["id", "name", "users", "value", "type", "customfields", "courseid"])
_leaf = st.one_of(st.booleans(), st.integers(-(10**9), 10**9), st.text(max_size=8))
_tree = st.recursive(
    _leaf,
    lambda kids: st.one_of(
        st.lists(kids, min_size=1, max_size=3),
        st.dictionaries(_names, kids, min_size=1, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_names, _tree, min_size=1, max_size=4))
def test_flatten_round_trips_through_php_parsing(params: dict[str, Any]) -> None:
    fields = flatten(params)
    assert count_fields(params) == len(fields)
    assert len({n for n, _ in fields}) == len(fields)  # no name twice
    parsed = _unflatten(fields)
    expected = _as_php(params)
    # Keys of list items are stringified indices on both sides.
    assert json.loads(json.dumps(parsed)) == json.loads(json.dumps(expected))
