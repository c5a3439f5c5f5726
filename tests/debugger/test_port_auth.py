"""``glassgrad dap --port``: only a client with the token of the connection file gets a session;
``--socket``: only the user, through a folder closed to others. Limits on connections."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from adapter_server import AdapterServer, frame, initialize
from dap_client import MLP, label_line

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc for the adapter's threads and children")


def test_connection_file_is_private_and_complete(tmp_path):
    folder = tmp_path / "run" / "glassgrad"
    folder.mkdir(parents=True)
    folder.chmod(0o755)  # a folder opened up by someone: corrected, not trusted
    with AdapterServer(str(tmp_path)) as server:
        path = server.connection_file
        assert os.path.dirname(path) == str(folder)
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
        info = server.info
        assert info["host"] == "127.0.0.1" and info["pid"] == server.proc.pid
        assert isinstance(info["port"], int) and len(info["token"]) >= 32
        assert info["tokenArgument"] == "glassgradToken"
        listening = f"glassgrad dap: listening on 127.0.0.1:{info['port']}"
        assert listening in server.lines, server.lines  # (a busy machine may log first)
        assert server.lines.index(listening) < next(
            i for i, line in enumerate(server.lines) if "connection file" in line)
    assert not os.path.exists(path)  # removed when the adapter stops


def test_clients_without_the_token_are_refused_before_debugpy_starts(tmp_path):
    marker = tmp_path / "ran"
    program = tmp_path / "p.py"
    program.write_text(f"open({str(marker)!r}, 'w').close()\n")
    with AdapterServer(str(tmp_path)) as server:
        threads = server.threads()
        launch = {"seq": 1, "type": "request", "command": "launch",
                  "arguments": {"program": str(program), "console": "internalConsole"}}
        cases = [
            (initialize(), "has no arguments.glassgradToken"),
            (initialize(glassgradToken="x" * 43), "wrong arguments.glassgradToken"),
            (initialize(glassgradToken=server.token[:-1]), "wrong arguments.glassgradToken"),
            (initialize(glassgradToken=7), "has no arguments.glassgradToken"),
            (launch, "must be an 'initialize' request"),
        ]
        for message, reason in cases:
            got, _ = server.exchange(frame(message) + frame(launch | {"seq": 2}))
            assert len(got) == 1, got  # one error response, then the connection closed
            r = got[0]
            assert r["type"] == "response" and r["request_seq"] == message["seq"]
            assert r["success"] is False and reason in r["message"], r
            server.wait_line("refused connection 127.0.0.1:")
        got, _ = server.exchange(b"Content-Length: 2\r\n\r\n[]")
        assert got[0]["event"] == "output" and "must be an 'initialize'" in got[0]["body"][
            "output"]
        server.settle(threads)
        assert server.children() == [] and not marker.exists()


def test_the_token_opens_a_session_that_debugs_end_to_end(tmp_path):
    line = label_line(MLP, "matmul")
    with AdapterServer(str(tmp_path)) as server:
        threads = server.threads()
        with server.client() as dap:
            caps = dap.start(MLP, ["--steps", "1"],
                             breakpoints={MLP: [{"line": line, "mode": "backward"}]})
            assert caps["breakpointModes"]
            _, stop = dap.wait_event("stopped")
            top = dap.top_frame(stop["body"]["threadId"])
            assert (top["line"], top["name"]) == (line, "matmul.backward")
            dap.request("continue", {"threadId": stop["body"]["threadId"]})
            dap.wait_event("terminated")
        server.settle(threads)
        # a control file of this session, none left behind
        assert not [n for n in os.listdir(tmp_path / "temp") if n.endswith(".nonfinite")]


def test_the_token_never_reaches_debugpy_or_the_logs(tmp_path):
    logs = tmp_path / "logs"
    with AdapterServer(str(tmp_path), "--log-dir", str(logs)) as server:
        for _ in range(3):  # refused: a line in glassgrad-dap.log, no files of their own
            server.exchange(frame(initialize(glassgradToken="wrong" * 8)))
        with server.client() as dap:
            dap.initialize()
        token = server.token
    texts = {p.name: p.read_text(errors="replace") for p in logs.iterdir() if p.is_file()}
    sessions = [n for n in texts if n.startswith("session-") and n.endswith(".jsonl")]
    assert len(sessions) == 1 and '"initialize"' in texts[sessions[0]]
    assert texts["glassgrad-dap.log"].count("wrong arguments.glassgradToken") == 3
    assert not any(token in t for t in texts.values())


def test_token_from_the_environment_or_a_private_file(tmp_path):
    token = "t0k3n-" + "a" * 30
    with AdapterServer(str(tmp_path / "a"), env={"GLASSGRAD_DAP_TOKEN": token}) as server:
        assert server.token == token
        with server.client(token) as dap:
            assert dap.initialize()["success"]
    token_file = tmp_path / "token"
    token_file.write_text("f" * 40 + "\n")
    token_file.chmod(0o644)
    bad = subprocess.run([sys.executable, "-m", "glassgrad.cli", "dap", "--port", "0",
                          "--token-file", str(token_file)], capture_output=True, text=True,
                         timeout=30)
    assert bad.returncode != 0 and "0600" in bad.stderr
    token_file.chmod(0o600)
    with AdapterServer(str(tmp_path / "b"), "--token-file", str(token_file)) as server:
        assert server.token == "f" * 40


def test_idle_connections_close_and_connections_are_limited(tmp_path):
    with AdapterServer(str(tmp_path), "--auth-timeout", "0.5", "--max-connections",
                       "2") as server:
        threads = server.threads()
        got, seconds = server.exchange(b"Content-", half_close=False, timeout=10)
        assert 0.4 < seconds < 5
        assert "no authenticated first message within 0.5 s" in got[0]["body"]["output"]
        a, b = server.connect(), server.connect()
        try:
            got, _ = server.exchange(frame(initialize(glassgradToken=server.token)))
            assert "2 connections are open already" in got[0]["body"]["output"]
            server.wait_line("(--max-connections)")
        finally:
            a.close()
            b.close()
        server.settle(threads)
        with server.client() as dap:  # a slot is free again
            assert dap.initialize()["success"]


def test_unix_socket_in_a_private_folder(tmp_path):
    folder = tmp_path / "sock"
    folder.mkdir(mode=0o700)
    path = folder / "dap.sock"
    with AdapterServer(str(tmp_path), str(path), socket_mode=True) as server:
        assert server.info["socket"] == str(path)
        assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
        with server.client() as dap:  # no token: the folder and the peer's uid are the proof
            assert dap.initialize()["success"]
    assert not path.exists()
    with AdapterServer(str(tmp_path), str(path), socket_mode=True) as server:
        busy = subprocess.run([sys.executable, "-m", "glassgrad.cli", "dap", "--socket",
                               str(path)], capture_output=True, text=True, timeout=30)
        assert busy.returncode != 0 and "another adapter is listening" in busy.stderr
        with server.client() as dap:  # and the first one still serves
            assert dap.initialize()["success"]
    folder.chmod(0o755)
    bad = subprocess.run([sys.executable, "-m", "glassgrad.cli", "dap", "--socket", str(path)],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0 and "mode 0700" in bad.stderr
