# Shared set-up for scripts/run, scripts/test, scripts/bench: a project venv in .venv
# with the project installed (editable). Sourced, not executed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
EXTRAS="${LEMMA_EXTRAS:-}"
if [ ! -x .venv/bin/python ]; then
    echo "creating .venv with $($PY --version 2>&1)" >&2
    "$PY" -m venv .venv
fi
STAMP=".venv/.lemma-installed${EXTRAS:+-$EXTRAS}"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    echo "installing lemma-pkg${EXTRAS:+[$EXTRAS]} into .venv" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${EXTRAS:+[$EXTRAS]}" >&2
    touch "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
