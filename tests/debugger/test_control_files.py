"""The NaN/Inf control files (``glassgrad-dap-<pid>-*.nonfinite`` in the temp folder) and
connection files: a session removes its own when it ends, even when the adapter is stopped
with SIGTERM; the next adapter removes those that killed adapters left, and nothing else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from adapter_server import AdapterServer
from dap_client import DAPClient

pytestmark = pytest.mark.skipif(os.name != "posix", reason="pids and modes are POSIX")


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _controls(folder, pid: int) -> list[str]:
    return [n for n in os.listdir(folder) if n.startswith(f"glassgrad-dap-{pid}-")]


def test_files_of_dead_adapters_are_swept_and_no_others(tmp_path):
    dead = _dead_pid()
    temp = tmp_path / "temp"
    private = tmp_path / "run" / "glassgrad"
    temp.mkdir()
    private.mkdir(parents=True, mode=0o700)
    stale = temp / f"glassgrad-dap-{dead}-k2j3h4.nonfinite"
    alive = temp / f"glassgrad-dap-{os.getpid()}-k2j3h5.nonfinite"   # its adapter still runs
    legacy = temp / "glassgrad-dap-k2j3h6.nonfinite"                  # no pid: not provably dead
    stranger = temp / f"other-dap-{dead}-k2j3h7.nonfinite"
    stale_conn, live_conn = private / f"dap-{dead}.json", private / f"dap-{os.getpid()}.json"
    for f in (stale, alive, legacy, stranger, stale_conn, live_conn):
        f.write_text("forward")
    program = tmp_path / "p.py"
    program.write_text("print('done')\n")
    with AdapterServer(str(tmp_path)) as server:
        assert not stale_conn.exists() and live_conn.exists()
        threads = server.threads()
        with server.client() as dap:
            dap.start(str(program), exception_filters=["glassgrad-nonfinite-forward"])
            dap.wait_event("terminated")
            assert not stale.exists()  # swept when this session made its own
            assert len(_controls(temp, server.proc.pid)) == 1
        server.settle(threads)  # the session has ended
        assert _controls(temp, server.proc.pid) == []
    assert alive.exists() and legacy.exists() and stranger.exists()


def test_sigterm_to_a_stdio_adapter_still_removes_its_control_file(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    program = tmp_path / "wait.py"
    program.write_text("import time\ntime.sleep(60)\n")
    with DAPClient(env=env) as dap:
        dap.start(str(program))
        dap.wait_event("process")
        assert len(_controls(tmp_path, dap.proc.pid)) == 1
        dap.proc.send_signal(signal.SIGTERM)
        assert dap.proc.wait(20) == 0
    assert _controls(tmp_path, dap.proc.pid) == []
