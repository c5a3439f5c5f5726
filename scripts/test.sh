#!/usr/bin/env bash
# Set up and run every check CI runs: install with the test extras, lint, then the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e ".[test]"
python -m ruff check .
# the third-party DAP client of tests/debugger/test_third_party_client.py (skipped without npm)
if command -v npm >/dev/null; then npm ci --prefix tests/debugger/js --no-audit --no-fund; fi
# two test workers on two cores: one BLAS/OpenMP thread each, or they oversubscribe the CPU
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
python -m pytest -n 2 "$@"
