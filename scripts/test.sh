#!/usr/bin/env bash
# Set up and run every check CI runs: install with the test extras, lint, then the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e ".[test]"
python -m ruff check .
# the TUI's end-to-end scenario runs the real app in tmux
if ! command -v tmux >/dev/null; then
    sudo=$([ "$(id -u)" = 0 ] || echo sudo)
    $sudo apt-get install -y -q tmux >/dev/null 2>&1 ||
        { $sudo apt-get update -q && $sudo apt-get install -y -q tmux; }
fi
# the third-party DAP client of tests/debugger/test_third_party_client.py (skipped without npm)
if command -v npm >/dev/null; then npm ci --prefix tests/debugger/js --no-audit --no-fund; fi
# the VS Code extension (Node 20): type-check, lint, build, unit tests, the .vsix
npm ci --prefix vscode-extension --no-audit --no-fund
for step in typecheck lint build test package; do
    GLASSGRAD_TEST_PYTHON=python npm run --prefix vscode-extension --silent "$step"
done
# the webviews in headless Chromium (Debian's chromium, driven by playwright-core)
if ! command -v chromium >/dev/null; then
    sudo=$([ "$(id -u)" = 0 ] || echo sudo)
    $sudo apt-get install -y -q chromium >/dev/null 2>&1 ||
        { $sudo apt-get update -q && $sudo apt-get install -y -q chromium; }
fi
npm run --prefix vscode-extension --silent test:webview
# the VS Code end-to-end scenario (tests/e2e/test_vscode.py): chromium, Node 24, code-server and
# playwright-core under tests/e2e/vscode/ (about 2 minutes the first time, then nothing)
bash tests/e2e/vscode/setup.sh
export GLASSGRAD_E2E_VSCODE=1  # that test fails, instead of skipping, when any of it is missing
# two test workers on two cores: one BLAS/OpenMP thread each, or they oversubscribe the CPU
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
python -m pytest -n 2 "$@"
