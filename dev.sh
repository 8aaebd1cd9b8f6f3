#!/usr/bin/env bash
# Set-up and entry points. Each command creates or reuses the project's virtual environment
# (.venv), reinstalling only when pyproject.toml changed.
#   ./dev.sh app     chat UI over the bundled sample article (prints its local URL)
#   ./dev.sh test    the test suite
#   ./dev.sh lint    ruff and mypy
#   ./dev.sh qa ...  the qa command line, e.g. ./dev.sh qa ask "Who directs the biomedical alliance?"
#   ./dev.sh python ...  the project's Python, e.g. for scripts/
set -euo pipefail
cd "$(dirname "$0")"
VENV="${QA_VENV:-.venv}"

ensure_venv() {
    local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
    [ -f "$stamp" ] && return 0
    echo "setting up $VENV (first run takes a few minutes)..." >&2
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    # torch first and pinned: the CPU build; an unpinned torch would pull a multi-GB CUDA build.
    "$VENV/bin/python" -m pip install -q 'torch>=2.4,<2.14'
    "$VENV/bin/python" -m pip install -q -e '.[test]'
    rm -f "$VENV"/.installed-*
    touch "$stamp"
}

ensure_venv
export HF_HUB_OFFLINE=1
case "${1:-}" in
    app)  shift; exec "$VENV/bin/python" app.py "$@" ;;
    test) shift; exec "$VENV/bin/python" -m pytest -q "$@" ;;
    lint) "$VENV/bin/ruff" check qa embeddings app.py tests scripts
          exec "$VENV/bin/mypy" --ignore-missing-imports qa embeddings app.py ;;
    qa)   shift; exec "$VENV/bin/qa" "$@" ;;
    python) shift; exec "$VENV/bin/python" "$@" ;;
    *)    echo "usage: ./dev.sh app | test | lint | qa ARGS... | python ARGS..." >&2; exit 2 ;;
esac
