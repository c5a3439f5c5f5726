#!/usr/bin/env bash
# Set up and run every check CI runs: install with the test extras, lint, then the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e ".[test]"
python -m ruff check .
python -m pytest -n 2 "$@"
