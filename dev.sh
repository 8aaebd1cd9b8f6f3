#!/usr/bin/env bash
# Set-up and entry points. Each command creates or reuses the project's virtual environment
# (.venv), reinstalling only when pyproject.toml changed.
#   ./dev.sh app     chat UI over the bundled sample article (prints its local URL)
#   ./dev.sh test    the test suite
#   ./dev.sh lint    ruff and mypy
#   ./dev.sh qa ...  the qa command line, e.g. ./dev.sh qa ask "Who directs the biomedical alliance?"
#   ./dev.sh python ...  the project's Python, e.g. for scripts/
# app, qa and python run in the caller's directory, so relative paths mean what they say
# (`./dev.sh qa index articles --store s` from any folder); test and lint run in the project.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd)"
VENV="${QA_VENV:-.venv}"
case "$VENV" in /*) ;; *) VENV="$ROOT/$VENV" ;; esac  # a relative $QA_VENV is the project's

ensure_venv() {
    local stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
    [ -f "$stamp" ] && return 0
    echo "setting up $VENV (first run takes a few minutes)..." >&2
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    # torch first and pinned: the CPU build; an unpinned torch would pull a multi-GB CUDA build.
    "$VENV/bin/python" -m pip install -q 'torch>=2.4,<2.14'
    "$VENV/bin/python" -m pip install -q -e "$ROOT[test]"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
}

ensure_venv
export HF_HUB_OFFLINE=1
case "${1:-}" in
    app)  shift; exec "$VENV/bin/python" "$ROOT/app.py" "$@" ;;
    test) shift; cd "$ROOT"; exec "$VENV/bin/python" -m pytest -q "$@" ;;
    lint) cd "$ROOT"
          "$VENV/bin/ruff" check qa embeddings app.py tests scripts
          exec "$VENV/bin/mypy" --ignore-missing-imports qa embeddings app.py ;;
    qa)   shift; exec "$VENV/bin/qa" "$@" ;;
    python) shift; exec "$VENV/bin/python" "$@" ;;
    *)    echo "usage: ./dev.sh app | test | lint | qa ARGS... | python ARGS..." >&2; exit 2 ;;
esac
