"""The language server's transport against bad input, through the real protocol, against the
real `glassgrad lsp` subprocess (raw bytes over stdio, and over TCP with its token): every
request gets its answer or a JSON-RPC error, every malformed message an error where JSON-RPC
has one and one line on stderr, notifications are never answered, a connection closes only
when its framing is beyond repair (saying why), memory stays flat, and no traceback is logged.

Each input of a past finding stays in the corpora below."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from lsp_server import (
    LspServer,
    frame,
    hover,
    initialize,
    notification,
    request,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc for the server's threads and memory")

MiB = 1 << 20
URI = "file:///nowhere/x.py"


def raw(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


def hover_body(rid: str) -> bytes:
    """A hover request whose id is the raw JSON text ``rid``."""
    return raw(b'{"jsonrpc":"2.0","id":%s,"method":"textDocument/hover","params":'
               b'{"textDocument":{"uri":"file:///x.py"},"position":{"line":0,"character":0}}}'
               % rid.encode())


def exchange(ch, data: bytes) -> list[dict]:
    """Send ``data``, then a hover; the answers that came before the hover's. The hover is
    answered after everything sent before it was read, so an empty list means silence."""
    after = len(ch.messages)
    ch.send_raw(data)
    rid = ch.next_id()
    ch.send(hover(rid, URI))
    r = ch.response(rid)
    assert r.get("result", "missing") is None, r  # the server still answers a hover
    return [m for m in ch.messages[after:] if "method" not in m and m.get("id") != rid]


# (name, input, [(id, code or None for a result, what the message says)], the stderr line):
# each on one initialized stdio connection; the server reads on after each
CORPUS = [
    ("body not JSON", raw(b"hello"), [(None, -32700, "not JSON")], "not JSON"),
    ("body not UTF-8", raw(b"\xff\xfe"), [(None, -32700, "not UTF-8")], "not UTF-8"),
    ("NaN is not JSON", raw(b"NaN"), [(None, -32700, "not JSON")], "not JSON"),
    ("empty body", raw(b""), [(None, -32700, "not JSON")], "not JSON"),
    ("a list", frame([1, 2]), [(None, -32600, "not a list")], "not a list"),
    ("a batch", frame([request(1, "shutdown")]), [(None, -32600, "not a list")], "not a list"),
    ("a number", frame(5), [(None, -32600, "not an integer")], "not an integer"),
    ("null", frame(None), [(None, -32600, "not null")], "not null"),
    ("a string", frame("initialize"), [(None, -32600, "not a string")], "not a string"),
    ("100,000-deep JSON", raw(deep(100_000)), [(None, -32700, "deeper than 64")],
     "deeper than"),
    ("65-deep params", frame(request(3, "textDocument/hover", json.loads(deep(64)))),
     [(None, -32700, "deeper than 64")], "deeper than"),
    ("deep object", raw(b'{"a":' * 5000 + b"1" + b"}" * 5000),
     [(None, -32700, "deeper than")], "deeper than"),
    ("id a float", hover_body("1.5"), [(None, -32600, "an id is a string, an integer or null")],
     "an id is"),
    ("id a list", hover_body("[1]"), [(None, -32600, "not a list")], "an id is"),
    ("id an object", hover_body('{"a":1}'), [(None, -32600, "not an object")], "an id is"),
    ("id true", hover_body("true"), [(None, -32600, "not a boolean")], "an id is"),
    ("id Infinity", hover_body("Infinity"), [(None, -32700, "Infinity is not JSON")],
     "Infinity is not JSON"),
    ("id NaN", hover_body("NaN"), [(None, -32700, "NaN is not JSON")], "NaN is not JSON"),
    ("id 1e400", hover_body("1e400"), [(None, -32600, "an id is")], "an id is"),
    ("id of 5000 digits", hover_body("9" * 5000), [(None, -32700, "not JSON")], "not JSON"),
    ("id of 30 digits", hover_body("1" * 30), [(int("1" * 30), None, None)], None),
    ("id a string", hover_body('"h"'), [("h", None, None)], None),
    ("id null", hover_body("null"), [(None, None, None)], None),
    ("no jsonrpc", frame({"id": 7, "method": "shutdown"}),
     [(7, -32600, '"jsonrpc": "2.0"')], '"jsonrpc": "2.0"'),
    ("jsonrpc 1.0", frame({"jsonrpc": "1.0", "id": 7, "method": "shutdown"}),
     [(7, -32600, '"jsonrpc": "2.0"')], '"jsonrpc": "2.0"'),
    ("jsonrpc missing, a notification", frame({"method": "initialized"}),
     [(None, -32600, '"jsonrpc": "2.0"')], '"jsonrpc": "2.0"'),
    ("method a number", frame({"jsonrpc": "2.0", "id": 8, "method": 5}),
     [(8, -32600, "a method is a string, not an integer")], "a method is a string"),
    ("method null", frame({"jsonrpc": "2.0", "id": 8, "method": None}),
     [(8, -32600, "a method is a string, not null")], "a method is a string"),
    ("method a list, a notification", frame({"jsonrpc": "2.0", "method": ["exit"]}),
     [(None, -32600, "a method is a string")], "a method is a string"),
    ("neither method nor id", frame({"jsonrpc": "2.0", "params": {}}),
     [(None, -32600, "a method")], "a method"),
    ("an id alone", frame({"jsonrpc": "2.0", "id": 10}),
     [(10, -32600, "either a result or an error")], "either a result or an error"),
    ("hover position a string", frame(request(11, "textDocument/hover", {
        "textDocument": {"uri": URI}, "position": "x"})),
     [(11, -32602, "position")], "invalid params"),
    ("hover params a list", frame(request(12, "textDocument/hover", [1])),
     [(12, -32602, "invalid params")], "invalid params"),
    ("hover params a number", frame(request(12, "textDocument/hover", 5)),
     [(12, -32602, "invalid params")], "invalid params"),
    ("hover without params", frame(request(13, "textDocument/hover")),
     [(13, -32602, "required field missing")], "invalid params"),
    ("inlay hint range of strings", frame(request(14, "textDocument/inlayHint", {
        "textDocument": {"uri": URI}, "range": {"start": "a", "end": []}})),
     [(14, -32602, "range")], "invalid params"),
    ("executeCommand, no such command", frame(request(15, "workspace/executeCommand", {
        "command": "glassgrad.nothing"})), [(15, -32602, "no such command")],
     "no such command"),
    ("executeCommand, command a number", frame(request(15, "workspace/executeCommand", {
        "command": 5})), [(15, -32602, "no such command")], "no such command"),
    ("unknown method", frame(request(16, "glassgrad/nothing", {})),
     [(16, -32601, "no such method")], "no such method"),
    ("unknown method without params", frame(request(16, "foo")),
     [(16, -32601, "no such method")], "no such method"),
    ("unknown $/ method", frame(request(16, "$/nothing")),
     [(16, -32601, "no such method")], "no such method"),
    ("LSP method nobody handles", frame(request(16, "textDocument/completion", {
        "textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}})),
     [(16, -32601, "no such method")], "no such method"),
    ("a notification sent as a request", frame(request(17, "exit")),
     [(17, -32600, "is a notification")], "is a notification"),
    ("a second initialize", frame(initialize(18)), [(18, -32600, "already")], "already"),
    ("unknown notification", frame(notification("glassgrad/nothing", {"a": 1})), [],
     "unknown method"),
    ("unknown notification without params", frame(notification("foo")), [],
     "unknown method"),
    ("notification with bad params", frame(notification("textDocument/didOpen", {
        "textDocument": 5})), [], "invalid params"),
    ("a request sent as a notification", frame(notification("textDocument/hover", {
        "textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}})), [],
     "it is a request"),
    ("cancel without an id", frame(notification("$/cancelRequest", {})), [],
     "invalid params"),
    ("cancel of nothing", frame(notification("$/cancelRequest", {"id": 99})), [], None),
    ("a response to nothing", frame({"jsonrpc": "2.0", "id": 19, "result": 5}), [], None),
    ("a response with a bad error", frame({"jsonrpc": "2.0", "id": 20, "error": 5}), [],
     "whose error is not"),
    ("a response with both", frame({"jsonrpc": "2.0", "id": 21, "result": 1,
                                    "error": {"code": 1, "message": "x"}}),
     [(21, -32600, "either a result or an error")], "either a result"),
    ("a request with an error member", frame({**hover(27, URI), "error": None}),
     [(27, None, None)], None),
    ("a request with a result member", frame({**hover(28, URI), "result": 5}),
     [(28, None, None)], None),
    ("hover on a folder", frame(hover(22, "file:///")), [(22, None, None)], None),
    ("hover on a device", frame(hover(22, "file:///dev/zero")), [(22, None, None)], None),
    ("hover on a NUL path", frame(hover(22, "file:///a%00b")), [(22, None, None)], None),
    ("hover on a missing file", frame(hover(22, "file:///nowhere/y.py")),
     [(22, None, None)], None),
    ("hover, not a file uri", frame(hover(22, "untitled:Untitled-1")), [(22, None, None)],
     None),
    ("two messages in one write", frame(request(23, "foo")) + frame(request(24, "bar")),
     [(23, -32601, "foo"), (24, -32601, "bar")], "no such method"),
    ("Content-Type header", b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
     + frame(request(25, "foo")), [(25, -32601, "foo")], None),
    ("headers in the other order", b"Content-Type: x\r\nContent-Length: 2\r\n\r\n{}",
     [(None, -32600, '"jsonrpc": "2.0"')], None),
    ("blank lines between messages", b"\r\n\r\n" + frame(request(26, "foo")),
     [(26, -32601, "foo")], None),
]


@pytest.fixture(scope="module")
def stdio(tmp_path_factory):
    with LspServer(str(tmp_path_factory.mktemp("stdio"))) as s:
        s.client()
        yield s
        assert s.proc.poll() is None, "the server ended"
        assert not s.tracebacks(), s.lines[-30:]


@pytest.mark.parametrize("name,data,expected,line", CORPUS, ids=[c[0] for c in CORPUS])
def test_bad_input_is_answered_and_the_server_reads_on(stdio, name, data, expected, line):
    lines = len(stdio.lines)
    got = exchange(stdio.stdio, data)
    assert len(got) == len(expected), got
    for answer, (rid, code, text) in zip(got, expected):
        assert answer["jsonrpc"] == "2.0" and answer["id"] == rid, answer
        if code is None:
            assert "result" in answer and "error" not in answer, answer
        else:
            assert answer["error"]["code"] == code, answer
            assert text in answer["error"]["message"], answer
            assert answer["error"]["message"].startswith("glassgrad lsp: "), answer
    if line is not None:
        stdio.wait_line(line, after=lines)
    assert not stdio.tracebacks(), stdio.lines[-30:]


def test_before_initialize_requests_get_32002_and_notifications_nothing(tmp_path):
    with LspServer(str(tmp_path)) as s:
        ch = s.stdio
        assert exchange_before_init(ch, frame(hover(1, URI))) == [(1, -32002)]
        assert exchange_before_init(ch, frame(request(2, "shutdown"))) == [(2, -32002)]
        assert exchange_before_init(ch, frame(request(3, "foo"))) == [(3, -32002)]
        assert exchange_before_init(ch, frame(notification("textDocument/didOpen", {
            "textDocument": {"uri": URI, "languageId": "python", "version": 1,
                             "text": ""}}))) == []
        s.wait_line("not initialized yet")
        r = ch.call("initialize", initialize()["params"])  # and then it initializes
        assert r["result"]["serverInfo"]["name"] == "glassgrad"
        assert ch.call("textDocument/hover", hover(0, URI)["params"])["result"] is None
        assert not s.tracebacks(), s.lines


def exchange_before_init(ch, data: bytes) -> list[tuple]:
    """Like exchange(), with a probe that is answered before initialize too."""
    after = len(ch.messages)
    ch.send_raw(data)
    rid = ch.next_id()
    ch.send(request(rid, "no/such"))
    assert ch.response(rid)["error"]["code"] == -32002
    return [(m["id"], m["error"]["code"]) for m in ch.messages[after:]
            if "method" not in m and m.get("id") != rid]


def test_after_shutdown_requests_get_an_error_and_exit_ends_the_server(tmp_path):
    with LspServer(str(tmp_path)) as s:
        ch = s.client()
        r = ch.call("shutdown")
        assert r["result"] is None and "error" not in r, r
        after = len(ch.messages)
        ch.send(notification("textDocument/didOpen", {"textDocument": {
            "uri": URI, "languageId": "python", "version": 1, "text": ""}}))
        for method, params in [("textDocument/hover", hover(0, URI)["params"]),
                               ("shutdown", None), ("initialize", initialize()["params"]),
                               ("foo", None)]:
            r = ch.call(method, params)
            assert r["error"]["code"] == -32600 and "shutting down" in r["error"]["message"], r
        assert len([m for m in ch.messages[after:] if "method" not in m]) == 4  # no more
        ch.send(notification("exit"))
        assert s.proc.wait(10) == 0  # exit after shutdown: 0, as LSP says
        assert not s.tracebacks(), s.lines


def test_exit_without_shutdown_ends_with_1(tmp_path):
    with LspServer(str(tmp_path)) as s:
        s.client().send(notification("exit"))
        assert s.proc.wait(10) == 1


# framing beyond repair ----------------------------------------------------------------------
INIT = frame(initialize())
FATAL = [
    ("random bytes", bytes(range(256)) * 4, "where a header was expected"),
    ("text, no header", b"hello there\r\n\r\n", "not an LSP header"),
    ("no Content-Length", b"Content-Type: application/json\r\n\r\n{}",
     "without Content-Length"),
    ("negative Content-Length", b"Content-Length: -5\r\n\r\n{}", "bad Content-Length"),
    ("Content-Length not a number", b"Content-Length: abc\r\n\r\n{}", "bad Content-Length"),
    ("Content-Length as a float", b"Content-Length: 1e3\r\n\r\n{}", "bad Content-Length"),
    ("Content-Length in hex", b"Content-Length: 0x10\r\n\r\n{}", "bad Content-Length"),
    ("empty Content-Length", b"Content-Length: \r\n\r\n{}", "bad Content-Length"),
    ("two Content-Lengths", b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
     "two different Content-Length"),
    ("2^40 declared", b"Content-Length: %d\r\n\r\n{" % 2**40, "over the limit"),
    ("4 GiB declared", b"Content-Length: %d\r\n\r\n{" % (4 << 30), "over the limit"),
    ("a thousand digits", b"Content-Length: " + b"9" * 1000 + b"\r\n\r\n", "over the limit"),
    ("8 MiB header line", b"Content-Length: " + b"1" * (8 * MiB), "longer than"),
    ("header line of spaces", b"Content-Length:" + b" " * 5000, "longer than"),
    ("too many headers", b"Content-Type: a\r\n" * 20 + b"\r\n", "header lines"),
    ("HTTP GET", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "an HTTP request"),
    ("HTTP POST carrying initialize",
     b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
     b"Content-Length: %d\r\n\r\n" % len(INIT) + INIT, "an HTTP request"),
    ("HTTP/0.9 GET", b"GET /\r\n", "an HTTP request"),
    ("body cut short", b"Content-Length: 100\r\n\r\n{\"jsonrpc\":", "inside a body"),
    ("header cut short", b"Content-Len", "inside a header"),
]
STDIO_FATAL = ["random bytes", "2^40 declared", "8 MiB header line", "HTTP GET",
               "body cut short"]


@pytest.mark.parametrize("name", STDIO_FATAL)
def test_stdio_beyond_repair_ends_the_server_saying_why(tmp_path, name):
    data, reason = next((d, r) for n, d, r in FATAL if n == name)
    with LspServer(str(tmp_path)) as s:
        ch = s.client()
        ch.send_raw(data)
        ch.close()  # (for the inputs cut short)
        assert s.proc.wait(10) == 1
        ch.wait_closed()
        last = ch.messages[-1]
        assert last["id"] is None and last["error"]["code"] == -32700, last
        assert reason in last["error"]["message"], last
        assert reason in s.wait_line("glassgrad lsp: ending: ")
        assert not s.tracebacks(), s.lines


@pytest.fixture(scope="module")
def tcp(tmp_path_factory):
    with LspServer(str(tmp_path_factory.mktemp("tcp")), "--auth-timeout", "1.5",
                   tcp=True) as s:
        yield s
        assert s.proc.poll() is None, "the server ended"
        assert not s.tracebacks(), s.lines[-30:]


def _still_serving(server: LspServer, threads: int) -> None:
    """A new client is served (initialize, hover), and the threads are back."""
    ch = server.client()
    assert ch.call("textDocument/hover", hover(0, URI)["params"])["result"] is None
    ch.close()
    server.settle(threads)


def _refused(ch, reason: str, code: int) -> dict:
    ch.wait_closed(10)
    assert len(ch.messages) == 1, ch.messages
    m = ch.messages[0]
    assert m["id"] is None or isinstance(m["id"], int), m
    assert m["error"]["code"] == code and reason in m["error"]["message"], m
    assert "closing the connection" in m["error"]["message"], m
    return m


@pytest.mark.parametrize("authenticated", [True, False], ids=["after initialize", "first"])
@pytest.mark.parametrize("name,data,reason", FATAL, ids=[c[0] for c in FATAL])
def test_tcp_beyond_repair_closes_with_a_reason_and_the_next_client_is_served(
        tcp, name, data, reason, authenticated):
    threads, lines = tcp.threads(), len(tcp.lines)
    ch = tcp.client() if authenticated else tcp.connect()
    before = len(ch.messages)
    ch.send_raw(data)
    if name.endswith("cut short"):
        ch.shutdown_write()
    t0 = time.monotonic()
    ch.wait_closed(10)
    assert time.monotonic() - t0 < 5
    got = [m for m in ch.messages[before:] if "method" not in m]
    assert len(got) == 1, got
    assert got[0]["id"] is None and got[0]["error"]["code"] == -32700, got
    assert reason in got[0]["error"]["message"], got
    assert "closing the connection" in got[0]["error"]["message"], got
    tcp.wait_line(reason, after=lines)
    _still_serving(tcp, threads)


# TCP: the token, the idle time before it, one client at a time ------------------------------
@pytest.mark.parametrize("first,reason", [
    (frame(initialize()), "must be an 'initialize' request with initializationOptions."
                          "glassgradToken"),
    (frame(initialize(token="wrong")), "wrong initializationOptions.glassgradToken"),
    (frame(initialize(token=12345)), "must be an 'initialize' request"),
    (frame(initialize(token="")), "wrong initializationOptions.glassgradToken"),
    (frame(hover(1, URI)), "must be an 'initialize' request"),
    (frame(notification("initialized", {})), "must be an 'initialize' request"),
    (frame(notification("exit")), "must be an 'initialize' request"),
    (frame(request(1, "shutdown")), "must be an 'initialize' request"),
    (frame({"jsonrpc": "2.0", "id": 1, "result": None}), "a response before"),
    (frame([1]), "not a list"),
    (raw(b"hello"), "not JSON"),
    (b"Content-Length: %d\r\n\r\n{" % (2 * MiB), "over the limit of 1048576 bytes"),
], ids=["no token", "wrong token", "token a number", "empty token", "hover first",
        "a notification first", "exit first", "shutdown first", "a response first",
        "a list", "not JSON", "2 MiB before the token"])
def test_tcp_without_the_token_is_refused_and_closed(tcp, first, reason):
    threads, lines = tcp.threads(), len(tcp.lines)
    ch = tcp.connect()
    ch.send_raw(first + frame(hover(99, URI)))  # the hover after it is never read
    m = _refused(ch, reason, -32700 if "JSON" in reason or "limit" in reason else -32600)
    assert m["id"] in (None, 1)
    tcp.wait_line("refused a client", after=lines)
    assert tcp.proc.poll() is None  # `exit` first did not end the server
    _still_serving(tcp, threads)


def test_tcp_a_client_that_sends_nothing_is_closed_after_the_auth_timeout(tcp):
    threads = tcp.threads()
    t0 = time.monotonic()
    ch = tcp.connect()
    _refused(ch, "within 1.5 s", -32600)
    assert 1.3 < time.monotonic() - t0 < 5
    _still_serving(tcp, threads)


def test_tcp_a_client_that_trickles_is_closed_after_the_auth_timeout(tcp):
    """The timeout is for all of the first message, not for each read."""
    threads = tcp.threads()
    t0 = time.monotonic()
    ch = tcp.connect()
    for byte in INIT:
        if not ch.send_raw(bytes([byte])) or ch.closed:
            break
        time.sleep(0.2)
    _refused(ch, "within 1.5 s", -32600)
    assert time.monotonic() - t0 < 4
    _still_serving(tcp, threads)


def test_tcp_an_authenticated_client_may_stay_idle(tcp):
    ch = tcp.client()
    time.sleep(2.5)  # past the auth timeout
    assert ch.call("textDocument/hover", hover(0, URI)["params"])["result"] is None
    ch.close()


def test_tcp_nothing_reaches_a_connection_before_its_token(tcp, tmp_path):
    """A run that changes after one client left makes the server publish diagnostics again:
    a connection that has not proved the token must not receive them."""
    runs = tmp_path / ".glassgrad" / "runs"
    runs.mkdir(parents=True)
    (tmp_path / "x.py").write_text("x = 1\n")
    first = tcp.client()
    first.send(notification("workspace/didChangeConfiguration", {
        "settings": {"glassgrad": {"livePollSeconds": 0.1}}}))
    first.send(notification("textDocument/didOpen", {"textDocument": {
        "uri": (tmp_path / "x.py").as_uri(), "languageId": "python", "version": 1,
        "text": "x = 1\n"}}))
    first.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    first.close()
    stranger = tcp.connect()
    time.sleep(0.3)
    (runs / "new.db").write_bytes(b"")  # the runs folder changed: diagnostics again
    _refused(stranger, "within 1.5 s", -32600)  # and nothing else
    ch = tcp.client()
    ch.send(notification("workspace/didChangeConfiguration", {
        "settings": {"glassgrad": {"livePollSeconds": 1}}}))
    ch.close()


def test_tcp_record_file_is_refused(tcp, tmp_path):
    script = tmp_path / "touch.py"
    marker = tmp_path / "ran"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    ch = tcp.client()
    r = ch.call("workspace/executeCommand", {"command": "glassgrad.recordFile",
                                             "arguments": [script.as_uri()]})
    assert r["error"]["code"] == -32803 and "not offered over TCP" in r["error"]["message"]
    assert ch.call("textDocument/hover", hover(0, URI)["params"])["result"] is None
    ch.close()
    time.sleep(0.5)
    assert not marker.exists()


def test_tcp_one_client_at_a_time(tcp):
    threads = tcp.threads()
    first = tcp.client()
    second = tcp.connect()
    second.send(initialize(token=tcp.token))
    m = _refused_busy(second)
    assert "one client at a time" in m["error"]["message"]
    assert first.call("textDocument/hover", hover(0, URI)["params"])["result"] is None
    first.close()
    _still_serving(tcp, threads)  # at once: a new client waits for the last one to go


def _refused_busy(ch) -> dict:
    ch.wait_closed(10)
    assert len(ch.messages) == 1, ch.messages
    m = ch.messages[0]
    assert m["id"] is None and m["error"]["code"] == -32600, m
    return m


def test_tcp_shutdown_of_one_client_does_not_refuse_the_next(tcp):
    ch = tcp.client()
    assert "result" in ch.call("shutdown")
    ch.close()
    _still_serving(tcp, tcp.threads())


def test_tcp_a_refused_client_may_try_again_at_once(tcp):
    for _ in range(5):
        ch = tcp.connect()
        ch.send(initialize(token="wrong"))
        _refused(ch, "wrong", -32600)
        ch = tcp.client()  # not refused as "another client is connected"
        ch.close()


def test_tcp_declaring_4_gib_does_not_grow_memory(tcp):
    threads, rss = tcp.threads(), tcp.rss_kib()
    ch = tcp.client()
    vm = tcp.vm_kib()  # with the connection's reader thread (its stack, its arena)
    ch.send_raw(b"Content-Length: %d\r\n\r\n{" % (4 << 30))
    ch.wait_closed(10)
    assert "over the limit" in ch.messages[-1]["error"]["message"]
    assert tcp.vm_kib() - vm < 1 << 20 and tcp.rss_kib() - rss < 8 * 1024
    # at the limit (16 MiB), with 64 KiB of it sent: what arrived is kept, not what was declared
    ch = tcp.client()
    vm = tcp.vm_kib()
    ch.send_raw(b"Content-Length: %d\r\n\r\n[" % (16 * MiB) + b"0," * (32 * 1024))
    time.sleep(0.5)
    grown, mapped = tcp.rss_kib() - rss, tcp.vm_kib() - vm
    busy = tcp.connect()  # the server still answers: it is taken
    _refused_busy(busy)
    ch.close()
    assert grown < 8 * 1024, f"RSS grew by {grown} KiB with 16 MiB declared"
    assert mapped < 8 * 1024, f"VmSize grew by {mapped} KiB with 16 MiB declared"
    _still_serving(tcp, threads)
    assert tcp.rss_kib() - rss < 8 * 1024


def test_a_setting_that_would_spin_the_server_is_refused(stdio):
    """livePollSeconds 0 (or less) would read the runs without a pause, for ever."""
    ch = stdio.stdio
    for value in (0, -1, 1e-9):
        after = len(ch.messages)
        ch.send(notification("workspace/didChangeConfiguration", {
            "settings": {"glassgrad": {"livePollSeconds": value}}}))
        m = ch.wait(lambda m: m.get("method") == "window/logMessage" and
                    "livePollSeconds" in m["params"]["message"], after=after)
        assert "is not a valid value" in m["params"]["message"], m


def test_tcp_exit_ends_the_server_and_removes_its_connection_file(tmp_path):
    with LspServer(str(tmp_path), tcp=True) as s:
        ch = s.client()
        ch.call("shutdown")
        ch.send(notification("exit"))
        assert s.proc.wait(10) == 0
        assert not os.path.exists(s.connection_file)
        with pytest.raises(OSError):
            socket.create_connection((s.info["host"], s.info["port"]), 2).close()
        assert not s.tracebacks(), s.lines


@pytest.mark.parametrize("value", ["0", "-1", "nan", "x", "1e9"])
def test_auth_timeout_must_be_a_sensible_time(value):
    r = subprocess.run([sys.executable, "-m", "glassgrad.cli", "lsp", "--tcp",
                        "--auth-timeout", value], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "--auth-timeout" in r.stderr, r.stderr
