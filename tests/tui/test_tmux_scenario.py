"""End to end in a real terminal: `glassgrad tui --attach` in tmux against a live example run
(examples/mlp_digits.py under `glassgrad run --live`): attach, pause, step two backward nodes,
read the stopped node's call site from the screen, resume, and see the run finish."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tui_helpers import ROOT, env

pytestmark = pytest.mark.slow
EXAMPLE = ROOT / "examples" / "mlp_digits.py"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", "glassgrad-test", *args], capture_output=True,
                          text=True, check=True).stdout


def wait_for_screen(pattern: str, timeout: float = 60.0) -> re.Match:
    deadline = time.monotonic() + timeout
    while True:
        screen = tmux("capture-pane", "-p", "-t", "tui")
        found = re.search(pattern, screen)
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{pattern!r} never appeared; the screen:\n{screen}")
        time.sleep(0.2)


def test_attach_pause_step_read_resume_finish(tmp_path: Path):
    assert shutil.which("tmux"), "tmux is needed (scripts/test.sh installs it)"
    program = subprocess.Popen(
        [sys.executable, "-m", "glassgrad.cli", "run", "--live", str(EXAMPLE), "--epochs",
         "40"], cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        live = tmp_path / ".glassgrad" / "live"
        deadline = time.monotonic() + 60
        while not list(live.glob("*.json")):
            assert program.poll() is None and time.monotonic() < deadline, program.stderr.read()
            time.sleep(0.1)
        command = " ".join(shlex.quote(a) for a in [
            sys.executable, "-m", "glassgrad.cli", "tui", "--attach", str(program.pid)])
        terminal_env = {**env(), "TERM": "xterm-256color"}
        tmux_env = [f"-e{k}={v}" for k, v in terminal_env.items()
                    if k in ("PATH", "PYTHONPATH", "OPENBLAS_NUM_THREADS", "TERM", "HOME")]
        tmux("new-session", "-d", "-s", "tui", "-x", "120", "-y", "40", "-c", str(tmp_path),
             *tmux_env, command)
        wait_for_screen(r"live · pid \d+")
        wait_for_screen(r" running ")
        tmux("send-keys", "-t", "tui", "p")
        wait_for_screen(r"stopped \(pause")
        nodes: list[str] = []
        for _ in range(2):  # each step stops at the next backward node (another node number)
            tmux("send-keys", "-t", "tui", "k")
            previous = nodes[-1] if nodes else "none"
            found = wait_for_screen(r"stopped \(step, backward\) at (\w+) #(?!"
                                    + previous + r"\b)(\d+) (\S+):(\d+)")
            nodes.append(found.group(2))
        op, _, path, line = found.groups()
        assert path.endswith("mlp_digits.py")  # the call site, read off the screen
        source = EXAMPLE.read_text().splitlines()[int(line) - 1]
        assert "model(xb)" in source, (op, line, source)
        assert op in {"linear", "relu", "log_softmax", "nll_loss", "cross_entropy"}
        tmux("send-keys", "-t", "tui", "p")  # resume
        wait_for_screen(r" running ")
        wait_for_screen(r"disconnected", timeout=120)  # the run finished
        assert program.wait(60) == 0
        assert "test accuracy" in program.stdout.read()
        tmux("send-keys", "-t", "tui", "q")
    finally:
        subprocess.run(["tmux", "-L", "glassgrad-test", "kill-server"], capture_output=True)
        if program.poll() is None:
            program.kill()
            program.wait()
        os.environ.pop("TMUX", None)
