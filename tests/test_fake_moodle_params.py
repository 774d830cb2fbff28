"""Unit tests of the fake Moodle's PHP form decoding and parameter validation."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fake_moodle.errors import MoodleError
from tests.fake_moodle.flatten import flatten
from tests.fake_moodle.params import (
    Multiple,
    Params,
    Single,
    Value,
    clean_param,
    dflt,
    opt,
    parse_php_form,
    validate,
    validate_function_params,
)


def test_nested_lists_of_structures() -> None:
    pairs = [
        ("users[0][username]", "alice"),
        ("users[0][customfields][0][type]", "sector"),
        ("users[0][customfields][0][value]", "Industry"),
        ("users[1][username]", "bob"),
    ]
    assert parse_php_form(pairs) == {
        "users": {
            "0": {
                "username": "alice",
                "customfields": {"0": {"type": "sector", "value": "Industry"}},
            },
            "1": {"username": "bob"},
        }
    }


def test_php_auto_index_continues_after_the_highest_int_key() -> None:
    assert parse_php_form([("v[]", "a"), ("v[5]", "b"), ("v[]", "c")]) == {
        "v": {"0": "a", "5": "b", "6": "c"}
    }


def test_later_duplicates_overwrite_and_dots_become_underscores() -> None:
    assert parse_php_form([("a.b", "1"), ("a.b", "2"), ("x", "1"), ("x[0]", "2")]) == {
        "a_b": "2",
        "x": {"0": "2"},
    }


USERS = Params(
    {
        "users": Multiple(
            Single(
                {
                    "username": Value("username"),
                    "age": opt(Value("int")),
                    "active": dflt(Value("bool"), True),
                    "customfields": opt(
                        Multiple(Single({"type": Value("alphanumext"), "value": Value("raw")}))
                    ),
                }
            )
        )
    }
)


def _debuginfo(raw: dict[str, Any]) -> str | None:
    with pytest.raises(MoodleError) as exc:
        validate_function_params(USERS, raw)
    assert exc.value.errorcode == "invalidparameter"
    assert exc.value.message == "Invalid parameter value detected"
    return exc.value.debuginfo


def test_defaults_are_filled_and_bools_become_true_false() -> None:
    out = validate_function_params(
        USERS,
        parse_php_form(
            [
                ("users[0][username]", "alice"),
                ("users[1][username]", "bob"),
                ("users[1][active]", "0"),
            ]
        ),
    )
    assert out == {
        "users": [{"username": "alice", "active": True}, {"username": "bob", "active": False}]
    }


@pytest.mark.parametrize(
    ("pairs", "debuginfo"),
    [
        (
            [("users[0][username]", "Alice")],
            "users => Invalid parameter value detected: username => Invalid parameter value "
            'detected: Invalid external api parameter: the value is "Alice", the server was '
            'expecting "username" type',
        ),
        (
            [("users[0][username]", "a"), ("users[0][age]", "007")],
            "users => Invalid parameter value detected: age => Invalid parameter value detected: "
            'Invalid external api parameter: the value is "007", the server was expecting "int" '
            "type",
        ),
        (
            [("users[0][username]", "a"), ("users[0][active]", "true")],
            "users => Invalid parameter value detected: active => Invalid parameter value "
            'detected: Invalid external api parameter: the value is "true", the server was '
            'expecting "bool" type',
        ),
        (
            [("users[0][username]", "a"), ("users[0][shoesize]", "9")],
            "users => Invalid parameter value detected: Unexpected keys (shoesize) detected in "
            "parameter array.",
        ),
        (
            [("users[0][username]", "a"), ("users[0][customfields][0][type]", "x")],
            "users => Invalid parameter value detected: customfields => Invalid parameter value "
            "detected: Missing required key in single structure: value",
        ),
        (
            [("users", "alice")],
            "users => Invalid parameter value detected: Only arrays accepted. The bad value is: "
            "'alice'",
        ),
        ([], "Missing required key in single structure: users"),
        (
            [("users[0][username][0]", "a")],
            "users => Invalid parameter value detected: username => Invalid parameter value "
            "detected: Scalar type expected, array or object received.",
        ),
    ],
)
def test_validation_errors_carry_moodles_debuginfo(
    pairs: list[tuple[str, str]], debuginfo: str
) -> None:
    assert _debuginfo(parse_php_form(pairs)) == debuginfo


@pytest.mark.parametrize(
    ("value", "ptype", "cleaned"),
    [
        ("007", "int", 7),
        (" 2", "int", 2),
        ("-5", "int", -5),
        ("Bob.Smith", "username", "bob.smith"),
        ("<b>x</b>", "text", "x"),
        ("a < b", "text", "a < b"),
        ("not an email", "email", ""),
        ("ok@example.com", "email", "ok@example.com"),
        ("true", "bool", 1),
        ("", "bool", 0),
        ("../x", "file", "..x"),
        ("a-b_c!", "alphanumext", "a-b_c"),
    ],
)
def test_clean_param(value: str, ptype: str, cleaned: Any) -> None:
    assert clean_param(value, ptype) == cleaned


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-(2**62), max_value=2**62))
def test_canonical_ints_always_validate(n: int) -> None:
    assert validate(Value("int"), str(n)) == n


@settings(max_examples=60, deadline=None)
@given(
    st.recursive(
        st.one_of(st.text(max_size=5), st.integers(-5, 5)),
        lambda children: (
            st.lists(children, min_size=1, max_size=3)
            | st.dictionaries(
                st.text("abc", min_size=1, max_size=3), children, min_size=1, max_size=3
            )
        ),
        max_leaves=10,
    )
)
def test_flatten_then_parse_round_trips(value: Any) -> None:
    """What our tiny test client flattens, the PHP-style parser rebuilds (lists as int keys)."""

    def as_php(v: Any) -> Any:
        if isinstance(v, list):
            return {str(i): as_php(x) for i, x in enumerate(v)}
        if isinstance(v, dict):
            return {k: as_php(x) for k, x in v.items()}
        return str(v)

    assert parse_php_form(flatten({"p": value})) == {"p": as_php(value)}
