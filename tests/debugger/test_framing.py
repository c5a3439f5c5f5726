"""Malformed input against the real adapter: the inputs users reported (one connection each)
are refused with a reason, the adapter stays up, nothing leaks; after authentication, a
request with arguments of the wrong types is answered with an error, and input whose framing
was right leaves the connection usable."""

from __future__ import annotations

import json
import sys

import pytest
from adapter_server import AdapterServer, frame, initialize
from dap_client import DAPClient

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc for the adapter's threads and children")

MiB = 1 << 20
INIT = frame(initialize())


def _deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


# (name, input, what the refusal must say): each on a fresh, unauthenticated connection
CORPUS = [
    ("random bytes", bytes(range(256)) * 4, "where a header was expected"),
    ("text, no header", b"hello there\r\n\r\n", "not a DAP header"),
    ("no Content-Length", b"Content-Type: application/json\r\n\r\n{}", "without Content-Length"),
    ("negative Content-Length", b"Content-Length: -5\r\n\r\n{}", "bad Content-Length"),
    ("Content-Length not a number", b"Content-Length: abc\r\n\r\n{}", "bad Content-Length"),
    ("Content-Length as a float", b"Content-Length: 1e3\r\n\r\n{}", "bad Content-Length"),
    ("Content-Length in hex", b"Content-Length: 0x10\r\n\r\n{}", "bad Content-Length"),
    ("empty Content-Length", b"Content-Length: \r\n\r\n{}", "bad Content-Length"),
    ("two Content-Lengths", b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
     "two different Content-Length"),
    ("16 GiB declared", b"Content-Length: 17179869184\r\n\r\n{", "over the limit"),
    ("2^40 declared", b"Content-Length: %d\r\n\r\n{" % 2**40, "over the limit"),
    ("2^64 declared", b"Content-Length: %d\r\n\r\n{" % 2**64, "over the limit"),
    ("a thousand digits", b"Content-Length: " + b"9" * 1000 + b"\r\n\r\n", "over the limit"),
    ("64 MiB header line", b"Content-Length: " + b"1" * (64 * MiB), "longer than"),
    ("header line of spaces", b"Content-Length:" + b" " * 5000, "longer than"),
    ("too many headers", b"Content-Type: a\r\n" * 20 + b"\r\n", "header lines"),
    ("HTTP POST carrying initialize",
     b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
     b"Content-Length: %d\r\n\r\n" % len(INIT) + INIT, "an HTTP request"),
    ("HTTP GET", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "an HTTP request"),
    ("HTTP/0.9 GET", b"GET /\r\n", "an HTTP request"),
    ("body not JSON", b"Content-Length: 5\r\n\r\nhello", "not JSON"),
    ("body not UTF-8", b"Content-Length: 2\r\n\r\n\xff\xfe", "not UTF-8"),
    ("NaN is not JSON", b"Content-Length: 3\r\n\r\nNaN", "not JSON"),
    ("body cut short", b"Content-Length: 100\r\n\r\n{\"seq\":", "inside a body"),
    ("100,000-deep JSON", b"Content-Length: 200000\r\n\r\n" + _deep(100_000), "deeper than"),
    ("65-deep JSON", frame({"seq": 1, "type": "request", "command": "initialize",
                            "arguments": json.loads(_deep(64))}), "deeper than"),
    ("JSON that is not an object", frame([1, 2, 3]), "must be an 'initialize'"),
    ("JSON null", frame(None), "must be an 'initialize'"),
    ("a launch first", frame({"seq": 1, "type": "request", "command": "launch",
                              "arguments": {"program": "x.py"}}), "must be an 'initialize'"),
    ("initialize without the token", frame(initialize()), "glassgradToken"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with AdapterServer(str(tmp_path_factory.mktemp("adapter"))) as s:
        yield s


@pytest.mark.parametrize("name,data,reason", CORPUS, ids=[c[0] for c in CORPUS])
def test_reported_input_is_refused_with_a_reason(server, name, data, reason):
    threads, lines = server.threads(), len(server.lines)
    got, seconds = server.exchange(data, timeout=10)
    assert seconds < 5, f"{name}: took {seconds:.1f}s to refuse"
    assert len(got) == 1, got
    text = got[0].get("message") or got[0]["body"]["output"]
    assert reason in text, text
    assert got[0].get("success") in (None, False)
    server.wait_line(reason.split("'")[0], after=lines)  # and a line on stderr
    server.settle(threads)  # the connection's threads are gone, no debugpy was started
    assert server.proc.poll() is None


def test_the_adapter_still_works_and_logged_no_traceback(server):
    with server.client() as dap:
        assert dap.initialize()["success"]
    assert not [line for line in server.lines if "Traceback" in line or "Error:" in line]


def test_a_declared_length_is_not_allocated_before_the_body_arrives(tmp_path):
    def vm_kib(pid: int) -> int:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmSize:"))

    with AdapterServer(str(tmp_path), "--max-message-size", str(1 << 33)) as server:
        before = vm_kib(server.proc.pid)
        with server.connect() as s:
            s.sendall(b"Content-Length: %d\r\n\r\n[" % (1 << 32) + b"0," * (MiB // 2))
            with server.client() as dap:  # the adapter has read it: it answers a second one
                assert dap.initialize()["success"]
            grown = vm_kib(server.proc.pid) - before
        assert grown < 1 << 20, f"VmSize grew by {grown} KiB with 4 GiB declared"


@pytest.fixture(scope="module")
def session(server):
    with server.client() as dap:
        dap.initialize()
        yield dap


BAD_ARGUMENTS = [
    ({"command": "launch", "arguments": [1]}, "'arguments' is a list"),
    ({"command": "launch", "arguments": {"env": "x"}}, "arguments.env must be an object"),
    ({"command": "launch", "arguments": {"rules": {}}}, "arguments.rules must be a list"),
    ({"command": "launch", "arguments": {"cwd": 1}}, "arguments.cwd must be a string"),
    ({"command": "attach", "arguments": {"liveOps": "yes"}}, "must be a boolean"),
    ({"command": "setBreakpoints", "arguments": {"breakpoints": "x"}},
     "arguments.breakpoints must be a list of objects"),
    ({"command": "setBreakpoints", "arguments": {"breakpoints": [{"line": 1, "mode": 3}]}},
     "arguments.breakpoints[0].mode must be a string"),
    ({"command": "setBreakpoints", "arguments": {"source": {"path": 1}, "breakpoints": []}},
     "arguments.source.path must be a string"),
    ({"command": "setBreakpoints", "arguments": {"breakpoints": [{"line": 2,
                                                                  "condition": ["x"]}]}},
     "condition must be a string"),
    ({"command": "setExceptionBreakpoints", "arguments": {"filters": [["raised"]]}},
     "arguments.filters must be a list of strings"),
    ({"command": "setExceptionBreakpoints", "arguments": {"filters": [],
                                                          "filterOptions": [{"filterId": 1}]}},
     "filterId must be a string"),
    ({"command": "glassgrad/tensor", "arguments": {}}, "arguments.expression is required"),
    ({"command": "glassgrad/tensor", "arguments": {"expression": "w", "slice": "0"}},
     "arguments.slice must be"),
    ({"command": "glassgrad/tensor", "arguments": {"expression": "w", "maxElements": "9"}},
     "arguments.maxElements must be an integer"),
    ({"command": "glassgrad/graph", "arguments": {"frameId": "1"}},
     "arguments.frameId must be an integer"),
    ({"command": 123}, "'command' is an integer (123)"),
    ({"command": ""}, "'command' is a string"),
    ({"command": None}, "'command' is missing"),
    ({"command": "threads", "arguments": "x"}, "'arguments' is a string"),
    ({"command": "glassgrad_graph"}, None),       # no such command: debugpy answers
    ({"command": "__init__"}, None),
    ({"command": "initialize", "arguments": {"adapterID": "x"}}, None),  # twice: debugpy says no
]


@pytest.mark.parametrize("fields,problem", BAD_ARGUMENTS,
                         ids=[f"{f.get('command')}-{i}" for i, (f, _) in
                              enumerate(BAD_ARGUMENTS)])
def test_every_request_is_answered(session: DAPClient, fields, problem):
    seq = session.send_message({"seq": next(session._seq), "type": "request", **fields})
    r = session.response(seq, timeout=10, check=False)
    assert r["success"] is False and r["request_seq"] == seq
    if problem is not None:
        assert problem in r["message"], r["message"]
    assert session.request("threads", check=False)["type"] == "response"  # still usable


NOT_DAP = [
    (b"Content-Length: 5\r\n\r\nhello", "not JSON"),
    (b"Content-Length: 2\r\n\r\n\xff\xfe", "not UTF-8"),
    (b"Content-Length: 200000\r\n\r\n" + _deep(100_000), "deeper than"),
    (frame([1]), "a message is a JSON object"),
    (frame(None), "a message is a JSON object, not null"),
    (frame("initialize"), "a message is a JSON object"),
    (frame({"type": "request", "command": "threads"}), "'seq' is missing"),
    (frame({"seq": 1.5, "type": "request", "command": "threads"}), "'seq' is a number"),
    (frame({"seq": 9, "type": "banana"}), "'type' is a string ('banana')"),
    (frame({"seq": 9, "type": "response", "request_seq": "1", "command": "x",
            "success": True}), "'request_seq' is a string"),
    (frame({"seq": 9, "type": "event", "event": 5}), "'event' is an integer"),
]


@pytest.mark.parametrize("data,problem", NOT_DAP, ids=[p for _, p in NOT_DAP])
def test_input_that_is_not_dap_gets_a_notice_and_the_connection_stays(session, data,
                                                                      problem):
    after = len(session.events)
    session.send_raw(data)
    _, e = session.wait_event("output", after=after, timeout=10,
                              predicate=lambda e: "glassgrad dap:" in e["body"]["output"])
    assert problem in e["body"]["output"], e["body"]["output"]
    assert session.request("threads", check=False)["type"] == "response"


def test_broken_framing_after_authentication_ends_the_session_and_debugpy(server):
    threads, children = server.threads(), len(server.children())
    with server.client() as dap:
        dap.initialize()
        assert len(server.children()) == children + 1  # debugpy's adapter, after the token
        after = len(dap.events)
        dap.send_raw(b"Content-Length: -1\r\n\r\n")
        _, e = dap.wait_event("output", after=after, timeout=10,  # not debugpy's own output
                              predicate=lambda e: "glassgrad dap:" in e["body"]["output"])
        assert "bad Content-Length" in e["body"]["output"]
        assert "closing the connection" in e["body"]["output"]
        dap.wait_closed()
    server.settle(threads, children)


def test_stdio_mode_reports_bad_input_and_carries_on(tmp_path):
    with DAPClient() as dap:
        dap.send_raw(b"Content-Length: 5\r\n\r\nhello")
        _, e = dap.wait_event("output", timeout=10)
        assert "not JSON" in e["body"]["output"]
        assert dap.initialize()["success"]
        r = dap.response(dap.send_message({"seq": 99, "type": "request", "command": 5}),
                         check=False)
        assert r["success"] is False and "'command'" in r["message"]
        dap.send_raw(b"\x00garbage")
        dap.proc.wait(10)  # stdin beyond repair: the adapter ends, saying why
    assert any(b"where a header was expected" in line for line in dap.stderr)
