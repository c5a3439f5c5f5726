"""Fuzzing the real language server (hypothesis) through the real protocol.

- messages, over stdio, on a document a real run recorded: batches of framed JSON-RPC-ish
  messages (any LSP method, glassgrad's commands, made-up methods; params shaped like the
  method's or of any JSON; odd ids; no or a wrong ``jsonrpc``), bodies of any bytes, any JSON
  and deep nesting, interleaved with valid requests. Every request with a usable id gets
  exactly one well-formed answer, in time, and never an internal error;
- framing, over TCP: headers and bodies mangled, bytes, on an authenticated connection
  and on a fresh one: the server answers a hover after it, or closes the connection with a
  -32700 that says why (an unauthenticated one: refused with a reason); never silence.

After each batch the server still answers a hover with what the run recorded, its threads are
back, its memory did not grow past a bound, and it never logged a traceback. The figures
(inputs tried, crashes, hangs, unanswered requests: all must be 0) are printed with -s.
CI runs a few seconds of derandomized examples; ``GLASSGRAD_FUZZ_EXAMPLES=N`` runs N in the
long test, ``GLASSGRAD_FUZZ_RANDOM=1`` with fresh examples each time.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsp_helpers import TRAIN, line_of, record
from lsp_server import LspServer, frame, notification, request
from lsprotocol import types

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc for the server's threads and memory")

LARGE = int(os.environ.get("GLASSGRAD_FUZZ_EXAMPLES", "0"))
RANDOM = bool(os.environ.get("GLASSGRAD_FUZZ_RANDOM"))
STATS: dict[str, int] = {}
ANSWER_TIMEOUT = 10.0        # seconds: a request not answered by then is a hang
RSS_BOUND_KIB = 64 * 1024    # growth over the warmed-up server
# the event loop's default executor (diagnostics are computed there) grows to this many
EXECUTOR = min(32, (os.cpu_count() or 1) + 4)
ERROR_CODES = {-32700, -32600, -32601, -32602, -32002, -32800, -32803}

# every LSP method but those that end the session (tested in test_protocol.py)
METHODS = sorted(set(types.METHOD_TO_TYPES) - {"exit", "shutdown"}) + [
    "glassgrad/graph", "foo", "", "$/nothing", "textDocument/hover ", "TEXTDOCUMENT/HOVER"]
COMMANDS = ["glassgrad.listRuns", "glassgrad.chooseRun", "glassgrad.showGraph",
            "glassgrad.nothing", "", "glassgrad.recordFile "]  # recordFile runs programs
SETTING_KEYS = ["runsFolder", "inlayHints", "inlayHints.enabled", "inlayHints.verbosity",
                "stale", "gradients", "gradients.explodeAbove", "gradients.vanishBelow",
                "deadActivations", "livePollSeconds", "glassgradToken"]


def count(key: str, n: int = 1) -> None:
    STATS[key] = STATS.get(key, 0) + n


# strategies -----------------------------------------------------------------------------------
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                      st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=16))
json_values = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
numbers = st.one_of(st.integers(-3, 60), st.sampled_from([-1, 2**31 - 1, 2**31, 2**63,
                                                          10**30, -10**30]),
                    json_leaf)


@st.composite
def params_for(draw: st.DrawFn, method: str, uri: str) -> object:
    """Params shaped like the method's, with any of their fields of any type, or any JSON."""
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    pos = st.fixed_dictionaries({"line": numbers, "character": numbers})
    rng = st.fixed_dictionaries({"start": pos | json_leaf, "end": pos | json_leaf})
    uris = st.sampled_from([uri, uri, uri + "x", "file:///", "file:///dev/zero",
                            "untitled:1", "file:///a%00b", "", "file://host/share/x.py"]) | \
        json_leaf
    doc = st.fixed_dictionaries({"uri": uris}, optional={
        "version": numbers, "languageId": st.sampled_from(["python", 5]),
        "text": st.sampled_from([TRAIN, "", "x = (\n", TRAIN.replace("fc1", "fcX")]) | json_leaf})
    fields = {"textDocument": doc | json_leaf, "position": pos | json_leaf,
              "range": rng | json_leaf}
    if method == "workspace/executeCommand":
        fields = {"command": st.sampled_from(COMMANDS) | json_leaf,
                  "arguments": st.lists(st.one_of(uris, json_values, st.fixed_dictionaries(
                      {}, optional={"run": json_leaf, "file": uris, "line": numbers})),
                      max_size=3) | json_leaf}
    elif method == "workspace/didChangeConfiguration":
        fields = {"settings": st.fixed_dictionaries({}, optional={"glassgrad": st.dictionaries(
            st.sampled_from(SETTING_KEYS), json_values, max_size=3) | json_leaf}) | json_leaf}
    elif method == "textDocument/didChange":
        fields["contentChanges"] = st.lists(st.fixed_dictionaries(
            {"text": st.text(max_size=30) | json_leaf}, optional={"range": rng}), max_size=2)
    elif method == "workspace/didChangeWorkspaceFolders":
        folder = st.fixed_dictionaries({"uri": uris, "name": st.text(max_size=5)})
        fields = {"event": st.fixed_dictionaries({"added": st.lists(folder, max_size=2),
                                                  "removed": st.lists(folder, max_size=2)})}
    elif method == "$/cancelRequest":
        fields = {"id": json_leaf}
    keys = draw(st.lists(st.sampled_from(sorted(fields)), unique=True))
    return {k: draw(fields[k]) for k in keys}


@st.composite
def messages(draw: st.DrawFn, uri: str) -> dict:
    """A JSON-RPC-ish message: mostly well-formed requests and notifications."""
    method = draw(st.sampled_from(METHODS) | st.sampled_from([
        "textDocument/hover", "textDocument/inlayHint", "textDocument/codeLens",
        "workspace/executeCommand", "textDocument/didChange", "textDocument/didOpen"]))
    msg: dict = {}
    if draw(st.integers(0, 9)):
        msg["jsonrpc"] = "2.0"
    elif draw(st.booleans()):
        msg["jsonrpc"] = draw(json_leaf)
    if draw(st.integers(0, 9)):
        msg["method"] = method
    elif draw(st.booleans()):
        msg["method"] = draw(json_values)
    kind = draw(st.integers(0, 9))
    if kind < 6:
        msg["id"] = "unique"  # replaced by an id of its own when sent
    elif kind < 8:
        msg["id"] = draw(st.sampled_from([1.5, [1], {"a": 1}, True, None, -0.0, 1e300]))
    if draw(st.integers(0, 5)):
        msg["params"] = draw(params_for(method, uri))
    for key in draw(st.lists(st.sampled_from(["result", "error"]), max_size=1)):
        msg[key] = draw(json_values)
    return msg


nested = st.tuples(st.integers(60, 3000), st.sampled_from([b"[", b'{"a":'])).map(
    lambda t: t[1] * t[0] + (b"" if t[1] == b"[" else b"1") +
    (b"]" if t[1] == b"[" else b"}") * t[0])
bodies = st.one_of(json_values.map(lambda v: json.dumps(v).encode()),
                   st.binary(max_size=80), nested,
                   st.sampled_from([b"NaN", b"Infinity", b'{"id":Infinity}', b"", b"\xff",
                                    b'{"jsonrpc":"2.0","id":' + b"9" * 5000 + b"}"]))
header_lines = st.one_of(
    st.just(None),  # the right Content-Length
    st.integers(-2**70, 2**70).map(lambda n: b"Content-Length: %d" % n),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12).map(
        lambda t: b"Content-Length: " + t.encode()),
    st.sampled_from([b"Content-Type: application/vscode-jsonrpc; charset=utf-8",
                     b"content-length:3", b"Host: x", b"GET / HTTP/1.1", b"POST / HTTP/1.1",
                     b"", b" ", b"Content-Length", b"Content-Length: 99999999999999999999"]),
    st.binary(max_size=30),
)


@st.composite
def raw_inputs(draw: st.DrawFn) -> bytes:
    """One or two framed messages with the headers and bodies mangled, or plain bytes."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=300))
    out = b""
    for _ in range(draw(st.integers(1, 2))):
        body = draw(bodies | st.builds(lambda m: json.dumps(m).encode(),
                                       messages("file:///x.py")))
        lines = draw(st.lists(header_lines, max_size=3))
        if draw(st.booleans()):
            lines = [None] + lines
        sep = draw(st.sampled_from([b"\r\n", b"\n"]))
        out += b"".join((b"Content-Length: %d" % len(body) if h is None else h) + sep
                        for h in lines) + sep + body
    return out


# the server ----------------------------------------------------------------------------------
class Fuzzed:
    """The server under fuzzing, a document of a real run, and its checks."""

    def __init__(self, server: LspServer, folder: Path) -> None:
        self.server, self.folder = server, folder
        self.path = folder / "train.py"
        self.uri = self.path.as_uri()
        self.line = line_of(self.path, "HIDDEN-LINE")
        self.ids = itertools.count(1)
        self.threads = self.rss = 0

    def open(self, ch) -> None:
        ch.send(notification("workspace/didChangeConfiguration", {"settings": {"glassgrad": {
            "runsFolder": ".glassgrad/runs", "inlayHints": {"enabled": True,
                                                            "verbosity": "shape"},
            "stale": "mark", "livePollSeconds": 1.0}}}))
        ch.send(request(f"reset-{next(self.ids)}", "workspace/executeCommand", {
            "command": "glassgrad.chooseRun", "arguments": [None, None]}))
        ch.send(notification("textDocument/didOpen", {"textDocument": {
            "uri": self.uri, "languageId": "python", "version": next(self.ids),
            "text": TRAIN}}))

    def probe(self, ch) -> None:
        """The server answers a hover with what the run recorded (in time)."""
        self.open(ch)
        rid = f"probe-{next(self.ids)}"
        ch.send(request(rid, "textDocument/hover", {
            "textDocument": {"uri": self.uri},
            "position": {"line": self.line - 1, "character": 4}}))
        try:
            r = ch.response(rid, timeout=ANSWER_TIMEOUT)
        except AssertionError:
            count("hangs" if not ch.closed and self.server.proc.poll() is None else
                  "crashes")
            raise
        if "(32, 16)" not in json.dumps(r):
            count("wrong answers")
        assert "(32, 16)" in r["result"]["contents"]["value"], r

    def check(self) -> None:
        """Threads back, memory within its bound, no traceback, still running."""
        assert self.server.proc.poll() is None, "the server died"
        deadline = time.monotonic() + 10
        while self.server.threads() > self.threads + EXECUTOR:
            assert time.monotonic() < deadline, f"{self.server.threads()} threads"
            time.sleep(0.02)
        grown = self.server.rss_kib() - self.rss
        assert grown < RSS_BOUND_KIB, f"RSS grew by {grown} KiB"
        assert not self.server.tracebacks(), self.server.lines[-30:]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzzed")
    record(folder, "train", TRAIN, "--stats", "full")
    return folder


def _warm(f: Fuzzed, ch) -> None:
    ch.call("initialize", {"processId": None, "rootUri": f.folder.as_uri(),
                           "capabilities": {}, "workspaceFolders": [
                               {"uri": f.folder.as_uri(), "name": "fuzzed"}]})
    ch.send(notification("initialized", {}))
    for _ in range(3):
        f.probe(ch)
    f.threads, f.rss = f.server.threads(), f.server.rss_kib()


@pytest.fixture(scope="module")
def stdio(folder, tmp_path_factory):
    with LspServer(str(tmp_path_factory.mktemp("stdio"))) as s:
        f = Fuzzed(s, folder)
        _warm(f, s.stdio)
        yield f
        f.check()


@pytest.fixture(scope="module")
def tcp(folder, tmp_path_factory):
    with LspServer(str(tmp_path_factory.mktemp("tcp")), "--auth-timeout", "3",
                   tcp=True) as s:
        f = Fuzzed(s, folder)
        threads = s.threads()
        ch = s.connect()
        ch.send_raw(frame(request("auth", "initialize", {
            "processId": None, "rootUri": folder.as_uri(), "capabilities": {},
            "initializationOptions": {"glassgradToken": s.token}})))
        ch.response("auth")
        ch.send(notification("initialized", {}))
        for _ in range(3):
            f.probe(ch)
        ch.close()
        s.settle(threads + EXECUTOR)
        f.threads, f.rss = threads, s.rss_kib()
        yield f
        f.check()


# fuzzing messages ----------------------------------------------------------------------------
def well_formed(item: object) -> None:
    """An answer of the server: standard JSON-RPC, never an internal error."""
    assert isinstance(item, dict) and item.get("jsonrpc") == "2.0", item
    assert "id" in item and (("result" in item) != ("error" in item)), item
    rid = item["id"]
    assert rid is None or isinstance(rid, str) or type(rid) is int, item
    if "error" in item:
        code = item["error"]["code"]
        if code == -32603:
            count("crashes")  # an internal error: a handler failed on what it was given
        assert code in ERROR_CODES, item
        assert isinstance(item["error"]["message"], str) and item["error"]["message"], item


def _send_batch(f: Fuzzed, ch, batch: list) -> None:
    after = len(ch.messages)
    pending = []
    for item in batch:
        count("inputs tried")
        if isinstance(item, bytes):
            ch.send_raw(b"Content-Length: %d\r\n\r\n" % len(item) + item)
            continue
        item = dict(item)
        if item.get("id") == "unique":
            n = next(f.ids)
            item["id"] = n if n % 2 else f"fuzz-{n}"
            if isinstance(item.get("method"), str) and item.get("jsonrpc") == "2.0":
                pending.append(item["id"])  # a request: exactly one answer
        ch.send(item)
    f.probe(ch)
    answers = [m for m in ch.messages[after:] if "method" not in m]
    for m in answers:
        well_formed(m)
    for rid in pending:
        n = sum(1 for m in answers if m.get("id") == rid)
        if n != 1:
            count("unanswered requests" if n == 0 else "requests answered twice")
        assert n == 1, (rid, n, batch)
    count("requests answered", len(pending))


def _fuzz_messages(f: Fuzzed, examples: int) -> None:
    ch = f.server.stdio
    valid = st.builds(lambda line: request("unique", "textDocument/hover", {
        "textDocument": {"uri": f.uri}, "position": {"line": line, "character": 0}}),
        st.integers(0, 30))
    items = st.one_of(messages(f.uri), messages(f.uri), messages(f.uri), valid, bodies)

    @settings(max_examples=examples, deadline=None, database=None, derandomize=not RANDOM,
              suppress_health_check=list(HealthCheck))
    @given(batch=st.lists(items, min_size=1, max_size=6))
    def run(batch: list) -> None:
        _send_batch(f, ch, batch)
        count("batches")

    run()
    f.check()


# fuzzing framing (TCP) -----------------------------------------------------------------------
def _fuzz_framing(f: Fuzzed, examples: int, authenticated: bool) -> None:
    s = f.server

    @settings(max_examples=examples, deadline=None, database=None, derandomize=not RANDOM,
              suppress_health_check=list(HealthCheck))
    @given(data=raw_inputs())
    def run(data: bytes) -> None:
        count("inputs tried")
        ch = s.connect()
        if authenticated:
            ch.send(request("auth", "initialize", {
                "processId": None, "capabilities": {},
                "initializationOptions": {"glassgradToken": s.token}}))
            ch.response("auth")
        before = len(ch.messages)
        ch.send_raw(data)
        if authenticated:
            ch.send(request("probe", "textDocument/hover", {
                "textDocument": {"uri": f.uri}, "position": {"line": 0, "character": 0}}))
        ch.shutdown_write()
        try:
            ch.wait_closed(ANSWER_TIMEOUT)
        except AssertionError:
            count("hangs")
            raise
        got = [m for m in ch.messages[before:] if "method" not in m]
        for m in got:
            well_formed(m)
        probe = [m for m in got if m.get("id") == "probe"]
        fatal = [m for m in got if "closing the connection" in
                 m.get("error", {}).get("message", "")]
        if authenticated:
            assert probe or fatal, f"neither an answer nor a reason for {data[:200]!r}"
            count("framing survived" if probe else "closed with a reason")
        else:  # refused with a reason, or nothing to say to blank input
            assert fatal or not data.strip(), f"no reason given for {data[:200]!r}"
            assert not any("result" in m for m in got), got
            count("refused with a reason" if fatal else "blank input, closed")
        ch.close()

    run()
    s.settle(f.threads + EXECUTOR)
    ch = s.connect()  # and a well-formed client is served
    ch.send(request("auth", "initialize", {"processId": None, "capabilities": {},
                                           "initializationOptions": {"glassgradToken":
                                                                     s.token}}))
    ch.response("auth")
    f.probe(ch)
    ch.close()
    f.check()


def test_fuzz_messages(stdio):
    _fuzz_messages(stdio, 40)


def test_fuzz_framing_authenticated(tcp):
    _fuzz_framing(tcp, 30, authenticated=True)


def test_fuzz_framing_first_bytes(tcp):
    _fuzz_framing(tcp, 30, authenticated=False)


# inputs of past findings, replayed every time
FINDINGS = {
    "hover on a device (read without bound)": request("unique", "textDocument/hover", {
        "textDocument": {"uri": "file:///dev/zero"}, "position": {"line": 0, "character": 0}}),
    "hover on a missing file": request("unique", "textDocument/hover", {
        "textDocument": {"uri": "file:///nowhere.py"}, "position": {"line": 0,
                                                                     "character": 0}}),
    "unknown method without params": request("unique", "foo"),
    "unknown notification without params": notification("foo"),
    "cancel without an id": notification("$/cancelRequest", {}),
    "a response with a bad error": {"jsonrpc": "2.0", "id": 5, "error": 5},
    "executeCommand of nothing": request("unique", "workspace/executeCommand",
                                         {"command": "glassgrad.nothing"}),
    "listRuns without a uri": request("unique", "workspace/executeCommand",
                                      {"command": "glassgrad.listRuns", "arguments": [5]}),
    "chooseRun of no store": request("unique", "workspace/executeCommand", {
        "command": "glassgrad.chooseRun", "arguments": [None, "/nowhere.db"]}),
    "exit sent as a request": {"jsonrpc": "2.0", "id": "unique", "method": "exit"},
    "a second initialize": request("unique", "initialize", {"capabilities": {}}),
    "a request with an error member (taken for a response, unanswered)": {
        **request("unique", "textDocument/hover", {"textDocument": {"uri": "file:///x.py"},
                                                   "position": {"line": 0, "character": 0}}),
        "error": None},
    "livePollSeconds 0 (polled without a pause)": notification(
        "workspace/didChangeConfiguration", {"settings": {"glassgrad": {"livePollSeconds": 0}}}),
}


@pytest.mark.parametrize("name", sorted(FINDINGS))
def test_findings_stay_fixed(stdio, name):
    _send_batch(stdio, stdio.server.stdio, [FINDINGS[name]])
    stdio.check()


@pytest.mark.slow
def test_fuzz_long_run(stdio, tcp):
    """A little more in CI; GLASSGRAD_FUZZ_EXAMPLES=N for a long run (with
    GLASSGRAD_FUZZ_RANDOM=1, fresh examples)."""
    _fuzz_messages(stdio, LARGE or 60)
    _fuzz_framing(tcp, LARGE or 40, authenticated=True)
    _fuzz_framing(tcp, LARGE or 40, authenticated=False)
    for key in ("crashes", "hangs", "unanswered requests"):
        STATS.setdefault(key, 0)
    print("\nlsp fuzz figures:", json.dumps(STATS, sort_keys=True))
    assert STATS["crashes"] == STATS["hangs"] == STATS["unanswered requests"] == 0, STATS
