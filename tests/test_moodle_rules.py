"""Project rules around the client: one sender, batches under the limit, masked traces."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lemma_pkg.moodle.client import BASE_FIELDS, MoodleClient, _mask_json_secrets
from lemma_pkg.moodle.params import count_fields

PACKAGE = Path(__file__).resolve().parent.parent / "lemma_pkg"
NETWORK_MODULES = {
    "requests",
    "urllib.request",
    "http.client",
    "socket",
    "httpx",
    "urllib3",
    "aiohttp",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_client_is_the_only_module_that_sends_requests() -> None:
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(_imports(p) & NETWORK_MODULES)
        for p in PACKAGE.rglob("*.py")
        if p != PACKAGE / "moodle" / "client.py" and _imports(p) & NETWORK_MODULES
    }
    assert offenders == {}, "only lemma_pkg/moodle/client.py may talk to the network"


_row = st.dictionaries(
    st.sampled_from(["username", "email", "idnumber", "customfields", "city"]),
    st.one_of(
        st.text(max_size=5),
        st.integers(),
        st.lists(
            st.fixed_dictionaries({"type": st.text(max_size=3), "value": st.text(max_size=3)}),
            max_size=4,
        ),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(_row, max_size=40), limit=st.integers(min_value=40, max_value=120))
def test_batches_cover_every_row_in_order_and_stay_under_the_limit(
    rows: list[dict[str, Any]], limit: int
) -> None:
    client = MoodleClient("https://moodle.example.edu", "t" * 32, max_fields=limit)
    extra = {"courseid": 2}
    chunks = client.batches("users", rows, extra)
    assert [r for c in chunks for r in c] == rows
    for chunk in chunks:
        assert chunk, "no empty batch"
        assert BASE_FIELDS + count_fields({**extra, "users": chunk}) <= limit


def test_traces_mask_secrets_moodle_puts_in_answers() -> None:
    text = '{"sitename":"x","userprivateaccesskey":"0123456789abcdef","privatetoken": "zz"}'
    masked = _mask_json_secrets(text)
    assert "0123456789abcdef" not in masked and '"privatetoken": "****"' in masked
    assert '"sitename":"x"' in masked
