"""glassgrad dap under a DAP client nobody on the team wrote: @vscode/debugadapter-testsupport's
DebugClient (Node), in tests/debugger/js/. It spawns the one-file launcher, sets a
backward-mode breakpoint, and checks the stop in matmul.backward and the run to the end; then
the same over ``--port``, with the token read from the connection file (and a client without
it refused)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


@pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None,
                    reason="node and npm are not on PATH (needed for @vscode/"
                           "debugadapter-testsupport)")
def test_debugadapter_testsupport_stops_in_the_backward_frame():
    if not os.path.isdir(os.path.join(JS, "node_modules", "@vscode",
                                      "debugadapter-testsupport")):
        npm = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS,
                             capture_output=True, text=True, timeout=120)
        assert npm.returncode == 0, f"npm ci failed:\n{npm.stdout}\n{npm.stderr}"
    env = {**os.environ, "GLASSGRAD_PYTHON": sys.executable}
    run = subprocess.run(["node", "--test"], cwd=JS, env=env, capture_output=True, text=True,
                         timeout=90)
    assert run.returncode == 0, f"node --test failed:\n{run.stdout}\n{run.stderr}"
    assert "# pass 2" in run.stdout and "# fail 0" in run.stdout, run.stdout
    assert "Fatal Python error" not in run.stdout + run.stderr, run.stdout
