"""Fuzzing the live channel's message handling over a real connection, against a running
training loop: random JSON-RPC-ish messages, random bytes, deep nesting, huge and odd ids.

After each batch the server must still answer ``status`` and the process must be back to its
thread count (each connection's threads are given back). Every answer must be standard JSON
and a well-formed JSON-RPC response or notification. The examples are derandomized and few,
so CI spends a few seconds; ``LIVE_FUZZ_EXAMPLES=2000 LIVE_FUZZ_RANDOM=1`` fuzzes for longer
with fresh examples. ``CORPUS`` replays the inputs of past findings every time.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rec_helpers import wait_for
from test_live import Trainer
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from glassgrad.recording.live import MAX_MESSAGE, LiveServer

METHODS = ["status", "subscribe", "unsubscribe", "pause", "resume", "step", "setBreakpoints",
           "getTensor", "getGraph"]
EXAMPLES = int(os.environ.get("LIVE_FUZZ_EXAMPLES", "40"))
RANDOM = bool(os.environ.get("LIVE_FUZZ_RANDOM"))


def refuse(name: str) -> None:
    raise AssertionError(f"non-standard JSON from the server: {name}")


@contextlib.contextmanager
def live() -> Iterator[tuple[LiveServer, int]]:
    """A server and a training loop; the thread count with no client connected."""
    srv = LiveServer(queue_size=2000).start()
    trainer = Trainer()
    trainer.start()
    try:
        yield srv, threading.active_count()
    finally:
        trainer.stop.set()
        srv.control.resume()
        trainer.join(10)
        srv.stop()


class Conn:
    def __init__(self, srv: LiveServer) -> None:
        self._cm = connect(srv.url, additional_headers={"Authorization": f"Bearer {srv.token}"},
                           open_timeout=10, close_timeout=2, max_size=None)
        self.ws = self._cm.__enter__()

    def send(self, message: str | bytes) -> None:
        self.ws.send(message)

    def status(self, rid: str) -> dict:
        """Ask for ``status`` and read until its answer, checking everything on the way."""
        self.ws.send(json.dumps({"jsonrpc": "2.0", "id": rid, "method": "status"}))
        deadline = time.monotonic() + 10
        while True:
            msg = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01)),
                             parse_constant=refuse)
            for item in msg if isinstance(msg, list) else [msg]:
                check_shape(item)
                if item.get("id") == rid and "result" in item:
                    return item["result"]

    def close(self) -> None:
        self._cm.__exit__(None, None, None)


def check_shape(item: object) -> None:
    assert isinstance(item, dict) and item.get("jsonrpc") == "2.0", item
    if "method" in item:  # a notification
        assert item["method"] in ("event", "stopped") and "id" not in item, item
        return
    assert "id" in item and (("result" in item) != ("error" in item)), item
    rid = item["id"]
    assert rid is None or isinstance(rid, str) or type(rid) is int, item
    if "error" in item:
        assert item["error"]["code"] in (-32700, -32600, -32601, -32602, -32603), item


def run_batch(srv: LiveServer, baseline: int, batch: list[str | bytes]) -> None:
    conn = Conn(srv)
    try:
        for message in batch:
            conn.send(message)
        result = conn.status("fuzz-end")
    except ConnectionClosed as e:  # only a message over the size limit may close it
        assert e.rcvd is not None and e.rcvd.code == 1009, e
        result = None
    finally:
        conn.close()
    if result is None:
        conn = Conn(srv)
        result = conn.status("after-close")
        conn.close()
    assert result["pid"] == os.getpid()
    wait_for(lambda: threading.active_count() <= baseline and not srv.clients, 10,
             "the connection's threads to end")


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                      st.floats(allow_nan=True, allow_infinity=True))
json_value = st.recursive(json_leaf, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=8), kids, max_size=4)),
    max_leaves=12)
ids = st.one_of(st.none(), st.integers(), st.integers(min_value=10 ** 18, max_value=10 ** 400),
                st.text(max_size=30), st.floats(allow_nan=True, allow_infinity=True),
                st.booleans(), json_value)
slices = st.lists(st.one_of(st.integers(-5, 5), st.lists(st.one_of(st.none(),
                                                                   st.integers(-5, 5)),
                                                         max_size=4), json_leaf), max_size=4)
params = st.one_of(json_value, st.fixed_dictionaries({}, optional={
    "unit": st.one_of(st.sampled_from(["op", "backward", "iteration"]), json_leaf),
    "breakpoints": st.lists(st.fixed_dictionaries({}, optional={
        "file": st.one_of(st.just(Trainer.__module__ + ".py"), st.text(max_size=10)),
        "line": st.one_of(st.integers(0, 200), json_leaf),
        "phase": st.one_of(st.sampled_from(["forward", "backward", "both"]), json_leaf)}),
        max_size=3),
    "id": st.one_of(st.integers(0, 10 ** 6), json_leaf),
    "slice": slices,
    "maxElements": st.one_of(st.integers(-10, 10 ** 7), json_leaf)}))
requests = st.fixed_dictionaries({}, optional={
    "jsonrpc": st.one_of(st.just("2.0"), json_leaf),
    "id": ids,
    "method": st.one_of(st.sampled_from(METHODS), st.text(max_size=12), json_leaf),
    "params": params,
}).map(lambda m: json.dumps(m, allow_nan=True))
nested = st.tuples(st.integers(900, 5000), st.sampled_from(["[", '{"a":'])).map(
    lambda t: t[1] * t[0] + ("1" if t[1] != "[" else "") + ("]" if t[1] == "[" else "}") * t[0])
messages = st.one_of(requests, requests, requests, st.binary(max_size=64),
                     st.text(max_size=64), nested, json_value.map(json.dumps))


def test_fuzzed_messages_never_break_the_channel():
    with live() as (srv, baseline):
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                  database=None)
        @given(batch=st.lists(messages, min_size=1, max_size=8))
        def fuzz(batch: list) -> None:
            run_batch(srv, baseline, batch)

        fuzz()


# inputs of past findings (the issues behind live_rpc.py and live.py), replayed every time
CORPUS = {
    "id Infinity": '{"jsonrpc": "2.0", "id": Infinity, "method": "status"}',
    "id NaN": '{"jsonrpc": "2.0", "id": NaN, "method": "status"}',
    "id -Infinity": '{"jsonrpc": "2.0", "id": -Infinity, "method": "status"}',
    "id 1e400": '{"jsonrpc": "2.0", "id": 1e400, "method": "status"}',
    "id null": '{"jsonrpc": "2.0", "id": null, "method": "status"}',
    "huge id": '{"jsonrpc": "2.0", "id": %s, "method": "status"}' % ("9" * 4000),
    "id past the int limit": '{"jsonrpc": "2.0", "id": %s, "method": "status"}' % ("9" * 5000),
    "unknown method notification": '{"jsonrpc": "2.0", "method": "noSuchMethod"}',
    "bad params notification": '{"jsonrpc": "2.0", "method": "step", "params": {"unit": 1}}',
    "slice out of range": '{"jsonrpc": "2.0", "id": 1, "method": "getTensor", '
                          '"params": {"id": 1, "slice": [99]}}',
    "slice of strings": '{"jsonrpc": "2.0", "id": 1, "method": "getTensor", '
                        '"params": {"id": 1, "slice": ["a", [1, "x"]]}}',
    "maxElements Infinity": '{"jsonrpc": "2.0", "id": 1, "method": "getTensor", '
                            '"params": {"id": 1, "maxElements": Infinity}}',
    "nesting 1001": "[" * 1001 + "]" * 1001,
    "nesting 100000": "[" * 100_000 + "]" * 100_000,
    "object nesting 5000": '{"a":' * 5000 + "1" + "}" * 5000,
    "bytes": b"\xff\xfe\xfd\x00\x80",
    "empty": "",
    "batch": '[{"jsonrpc": "2.0", "id": 1, "method": "status"}]',
    "breakpoints not a list": '{"jsonrpc": "2.0", "id": 1, "method": "setBreakpoints", '
                              '"params": {"breakpoints": 5}}',
    "oversized": "x" * (MAX_MESSAGE + 1),
}


def test_corpus_of_past_findings():
    with live() as (srv, baseline):
        for name, message in CORPUS.items():
            try:
                run_batch(srv, baseline, [message])
            except AssertionError as e:
                pytest.fail(f"{name}: {e}")
