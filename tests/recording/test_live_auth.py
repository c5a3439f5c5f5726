"""Who may connect to the live channel: header token only, bounded connections and handshake
time, one rate-limited log line per refusal, never a traceback (live_auth.py, live_log.py)."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time

import pytest
from rec_helpers import spawn, wait_for
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from glassgrad.recording.live import LiveServer

HANDSHAKE = (b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")


def raw_handshake(port: int, headers: bytes = b"", path: bytes = b"/") -> bytes:
    """Send a handshake as raw bytes (any header bytes at all) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(HANDSHAKE % path + headers + b"\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer


def status_code(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


@pytest.fixture()
def srv():
    server = LiveServer().start()
    yield server
    server.stop()


def test_token_in_the_url_is_refused_even_when_right(srv, caplog):
    caplog.set_level(logging.WARNING, logger="glassgrad.live")
    for path in (f"/?token={srv.token}", f"/x?access_token={srv.token}", "/?token="):
        with pytest.raises(InvalidStatus) as e, connect(srv.url + path, open_timeout=5):
            pass
        assert e.value.response.status_code == 401
        assert b"Authorization header" in e.value.response.body
    assert "the token was in the URL" in caplog.text
    assert srv.token not in caplog.text  # the log never repeats the token
    headers = {"Authorization": f"Bearer {srv.token}"}
    with connect(srv.url + "/?other=1", additional_headers=headers, open_timeout=5) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "status"}))
        assert json.loads(ws.recv(timeout=5))["result"]["pid"] == os.getpid()


@pytest.mark.parametrize("headers", [
    "Authorization: Bearer \u00e9t\u00e9\r\n".encode(),  # UTF-8 bytes
    b"Authorization: Bearer \xff\xfe\x80\r\n",  # not UTF-8 at all
    b"Authorization: bearer\r\n",
    b"Authorization: Basic dXNlcjpwYXNz\r\n",
])
def test_odd_tokens_get_401_not_500(srv, headers):
    assert status_code(raw_handshake(srv.port, headers)) == 401


def test_two_authorization_headers_get_401(srv):
    right = f"Authorization: Bearer {srv.token}\r\n".encode()
    assert status_code(raw_handshake(srv.port, right + right)) == 401
    assert status_code(raw_handshake(srv.port, right)) == 101  # one is enough
    assert status_code(raw_handshake(srv.port, right.replace(b"Bearer", b"bearer"))) == 101


def test_refusals_are_logged_once_per_second_per_kind(srv, caplog):
    caplog.set_level(logging.WARNING, logger="glassgrad.live")
    now = [1000.0]
    srv.log.clock = lambda: now[0]
    for _ in range(20):
        assert status_code(raw_handshake(srv.port, b"Authorization: Bearer nope\r\n")) == 401
    status_code(raw_handshake(srv.port, b"", path=b"/?token=x"))
    lines = [r.getMessage() for r in caplog.records if r.name == "glassgrad.live"]
    assert len(lines) == 2, lines  # one per kind
    assert "missing or wrong token (401)" in lines[0] and "127.0.0.1:" in lines[0]
    now[0] += 1.5
    raw_handshake(srv.port, b"Authorization: Bearer nope\r\n")
    last = [r.getMessage() for r in caplog.records if r.name == "glassgrad.live"][-1]
    assert "19 more like this held back" in last
    assert all(r.exc_info is None for r in caplog.records)


def test_idle_connections_are_bounded_and_time_out(caplog):
    """100 idle TCP connections cost at most ``max_connections`` slots (two threads each)
    and only for ``handshake_timeout`` seconds; the rest are refused at once."""
    caplog.set_level(logging.WARNING, logger="glassgrad.live")
    srv = LiveServer(max_connections=8, handshake_timeout=0.5).start()
    baseline = threading.active_count()
    socks = []
    try:
        for _ in range(100):
            socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
        wait_for(lambda: "all 8 connection slots are taken" in caplog.text, 5, "a busy line")
        assert threading.active_count() <= baseline + 2 * 8 + 2
        refused = closed = 0
        for s in socks:  # each one is refused at once, or closed after the handshake timeout
            s.settimeout(10)
            try:
                answer = s.recv(200)
            except ConnectionResetError:
                answer = b""
            refused += answer.startswith(b"HTTP/1.1 503")
            closed += answer == b""
        assert refused + closed == len(socks) and refused >= 1, (refused, closed)
        wait_for(lambda: threading.active_count() <= baseline, 10, "threads to be given back")
        assert "no handshake within 0.5 s" in caplog.text
        with connect(srv.url, additional_headers={"Authorization": f"Bearer {srv.token}"},
                     open_timeout=5) as ws:  # and the channel still serves
            ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "status"}))
            assert json.loads(ws.recv(timeout=5))["id"] == 1
    finally:
        for s in socks:
            s.close()
        srv.stop()


def test_a_slow_handshake_is_dropped(caplog):
    caplog.set_level(logging.WARNING, logger="glassgrad.live")
    srv = LiveServer(handshake_timeout=0.3).start()
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\n")  # ... and never the rest
            t0 = time.monotonic()
            assert s.recv(100) == b""
        assert time.monotonic() - t0 < 2
        wait_for(lambda: "no handshake within 0.3 s" in caplog.text, 5, "the log line")
    finally:
        srv.stop()


NOISY = """
import time
from glassgrad.recording.live import serve_live
srv = serve_live()
print(srv.port, srv.token, flush=True)
time.sleep(60)
"""


def test_refusals_print_no_traceback_into_the_program(tmp_path):
    """What a training program's stderr shows when others knock: short lines, no traceback."""
    proc = spawn("-c", NOISY, cwd=tmp_path)
    try:
        port, token = proc.stdout.readline().split()
        port = int(port)
        for headers in ("Authorization: Bearer \u00e9\r\n".encode(), b"X: \xff\r\n" * 2,
                        f"Authorization: Bearer {token}\r\n".encode() * 2):
            assert status_code(raw_handshake(port, headers)) == 401
        raw_handshake(port, path=f"/?token={token}".encode())
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
            s.recv(100)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert "Traceback" not in err, err
    assert "glassgrad live: refused a connection" in err
    assert token not in err
    assert len(err.splitlines()) <= 6
