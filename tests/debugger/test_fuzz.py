"""Fuzzing the real adapter's framing and dispatch over TCP (hypothesis).

- before authentication: arbitrary bytes, mangled headers and bodies, DAP-shaped messages, on
  a fresh connection each: the adapter answers or closes in time, never starts debugpy, never
  succeeds a request, and a non-blank input is never met with silence;
- after authentication (debugpy running): correctly framed bodies of any JSON, DAP-shaped
  requests with arguments of any types, non-JSON bodies: every request with a ``seq`` gets
  its response, other input an ``output`` notice, and the connection stays usable.

After each run: the adapter still answers a well-formed ``initialize``, its thread count is
back where it was, no child process is left, and it logged no traceback. CI runs a few
seconds of examples; ``GLASSGRAD_FUZZ_EXAMPLES=N`` runs N (the tests marked slow).
"""

from __future__ import annotations

import json
import os
import sys
import time

import pytest
from adapter_server import AdapterServer
from dap_client import DAPClient, DAPError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc for the adapter's threads and children")

LARGE = int(os.environ.get("GLASSGRAD_FUZZ_EXAMPLES", "0"))
STATS: dict[str, dict[str, int]] = {}

# commands that never launch, attach or end the session (launch/attach only ever get
# arguments of a wrong type, which the adapter refuses before debugpy sees them)
COMMANDS = ["initialize", "setBreakpoints", "setExceptionBreakpoints", "setFunctionBreakpoints",
            "threads", "stackTrace", "scopes", "variables", "evaluate", "continue", "next",
            "stepIn", "pause", "source", "exceptionInfo", "completions", "glassgrad/graph",
            "glassgrad/tensor", "glassgradGraph", "fooBar", "__init__", "on_launch", ""]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) |
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=12)

field_values = st.one_of(json_values, st.sampled_from([
    "x", [1], {"a": 1}, 0, -1, True, None, "", [{"line": "x"}], [{"line": 3, "mode": 1}],
    {"path": 5}, ["raised", 7], [{"filterId": []}]]))

arguments = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(["breakpoints", "source", "filters", "filterOptions",
                                     "exceptionOptions", "frameId", "threadId", "expression",
                                     "slice", "maxElements", "format", "variablesReference",
                                     "levels", "env", "rules", "cwd", "liveOps", "record",
                                     "glassgradToken", "adapterID"]),
                    field_values, max_size=4))


def _no_launch(msg: dict, draw: st.DrawFn) -> dict:
    """debugpy answers a valid launch or attach only after configurationDone, and runs it:
    only ever send one that the adapter must refuse for an argument of a wrong type."""
    if msg.get("command") in ("launch", "attach"):
        msg["arguments"] = {"env": draw(st.sampled_from(["x", 1, [], True]))}
    return msg


@st.composite
def requests(draw: st.DrawFn) -> dict:
    """Well-formed requests whose arguments have any types."""
    msg = {"seq": draw(st.integers(1, 10**6)), "type": "request",
           "command": draw(st.sampled_from(COMMANDS + ["launch", "attach"]))}
    if draw(st.integers(0, 5)):
        msg["arguments"] = draw(arguments)
    return _no_launch(msg, draw)


@st.composite
def any_messages(draw: st.DrawFn) -> dict:
    """JSON objects that look more or less like DAP messages."""
    msg: dict = {}
    if draw(st.integers(0, 9)):
        msg["seq"] = draw(st.integers(1, 10**6) | json_values)
    msg["type"] = draw(st.sampled_from(["request"] * 6 + ["response", "event", "banana"]) |
                       json_values)
    if draw(st.integers(0, 9)):
        msg["command"] = draw(st.sampled_from(COMMANDS + ["launch", "attach"]) | json_values)
    if draw(st.booleans()):
        msg["arguments"] = draw(arguments)
    for key in draw(st.lists(st.sampled_from(["request_seq", "success", "event", "body"]),
                             max_size=2)):
        msg[key] = draw(json_values)
    return _no_launch(msg, draw)


dap_messages = st.one_of(requests(), requests(), any_messages())

bodies = st.one_of(
    dap_messages.map(lambda m: json.dumps(m).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=120),
    st.integers(1, 300).map(lambda n: b"[" * n + b"]" * n),
)

header_lines = st.one_of(
    st.just(None),  # the right Content-Length
    st.integers(-2**70, 2**70).map(lambda n: b"Content-Length: %d" % n),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12).map(
        lambda t: b"Content-Length: " + t.encode()),
    st.sampled_from([b"Content-Type: application/json", b"content-length:3", b"Host: x",
                     b"GET / HTTP/1.1", b"POST / HTTP/1.1", b"", b" ", b"Content-Length",
                     b"Content-Length: 99999999999999999999"]),
    st.binary(max_size=30),
)


@st.composite
def raw_inputs(draw: st.DrawFn) -> bytes:
    """One or two framed messages with the headers and bodies mangled, or plain bytes."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=400))
    out = b""
    for _ in range(draw(st.integers(1, 2))):
        body = draw(bodies)
        lines = draw(st.lists(header_lines, min_size=0, max_size=3))
        if draw(st.booleans()):
            lines = [None] + lines
        sep = draw(st.sampled_from([b"\r\n", b"\n"]))
        out += b"".join((b"Content-Length: %d" % len(body) if h is None else h) + sep
                        for h in lines) + sep + body
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with AdapterServer(str(tmp_path_factory.mktemp("fuzz")), "--auth-timeout", "3",
                       "--max-connections", "64") as s:
        yield s
        assert s.proc.poll() is None, "the adapter died"
        assert not [line for line in s.lines if "Traceback" in line], s.lines[-20:]


def _check_still_serving(server: AdapterServer, threads: int) -> None:
    server.settle(threads)
    with server.client() as dap:
        assert dap.initialize()["success"]
    server.settle(threads)


def _count(kind: str, key: str, n: int = 1) -> None:
    STATS.setdefault(kind, {}).setdefault(key, 0)
    STATS[kind][key] += n


def _fuzz_unauthenticated(server: AdapterServer, examples: int) -> None:
    threads = server.threads()

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=raw_inputs())
    def run(data: bytes) -> None:
        _count("unauthenticated", "inputs")
        t0 = time.monotonic()
        got, seconds = server.exchange(data, timeout=10)  # AssertionError: a hang
        assert seconds < 5, (seconds, data[:200])
        assert not any(m.get("type") == "response" and m.get("success") for m in got), got
        if data.strip():
            assert got, f"no answer to {data[:200]!r}"
        assert not server.children(), "debugpy started without the token"
        _count("unauthenticated", "answered" if got else "silent (blank input)")
        _count("unauthenticated", "ms", int(1000 * (time.monotonic() - t0)))

    run()
    _check_still_serving(server, threads)


def _fuzz_authenticated(server: AdapterServer, examples: int) -> None:
    threads = server.threads()
    clients: list[DAPClient] = []

    def client() -> DAPClient:
        if not clients or clients[-1].closed:
            clients.append(server.client())
            clients[-1].initialize()
        return clients[-1]

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(messages=st.lists(st.one_of(dap_messages, bodies), min_size=1, max_size=4))
    def run(messages: list) -> None:
        dap = client()
        pending = []
        for m in messages:
            _count("authenticated", "inputs")
            if isinstance(m, bytes):
                dap.send_raw(b"Content-Length: %d\r\n\r\n" % len(m) + m)
                continue
            if isinstance(m.get("seq"), int) and not isinstance(m.get("seq"), bool):
                m["seq"] = next(dap._seq)  # unique, so that responses can be matched
            seq = dap.send_message(m)
            if seq is not None and m.get("type") == "request":
                pending.append(seq)
        for seq in pending:
            try:
                r = dap.response(seq, timeout=10, check=False)
            except DAPError:
                _count("authenticated", "unanswered requests")
                raise
            assert r["type"] == "response" and r["request_seq"] == seq
            _count("authenticated", "requests answered")
        probe = dap.request("threads", check=False)  # the connection still works, in order
        assert probe["type"] == "response"

    try:
        run()
    finally:
        for c in clients:
            c.close()
    _count("authenticated", "sessions", len(clients))
    _check_still_serving(server, threads)


def test_fuzz_unauthenticated_connections(server):
    _fuzz_unauthenticated(server, 150)


def test_fuzz_authenticated_session(server):
    _fuzz_authenticated(server, 60)


@pytest.mark.slow
def test_fuzz_long_run(server):
    """400 of each in CI; GLASSGRAD_FUZZ_EXAMPLES=N for a longer run."""
    _fuzz_unauthenticated(server, LARGE or 400)
    _fuzz_authenticated(server, LARGE or 400)
    print("\nfuzz figures:", json.dumps(STATS))
