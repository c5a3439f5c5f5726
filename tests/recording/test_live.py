"""The live channel: token-guarded loopback WebSocket, JSON-RPC control of a running loop."""

from __future__ import annotations

import itertools
import json
import os
import stat
import threading
import time

import pytest
from rec_helpers import spawn, wait_for
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

import glassgrad as gg
from glassgrad.recording import live as live_mod
from glassgrad.recording.live import LiveServer, read_info
from markers import line_of

_ids = itertools.count(1)


class Client:
    """A JSON-RPC client over one connection; notifications are kept in ``notes``."""

    def __init__(self, info: dict, **kw) -> None:
        self._cm = connect(f"ws://{info['host']}:{info['port']}",
                           additional_headers={"Authorization": f"Bearer {info['token']}"},
                           open_timeout=10, close_timeout=1, **kw)
        self.ws = self._cm.__enter__()
        self.notes: list[dict] = []
        self._pending: list[dict] = []

    def recv(self, timeout: float = 10.0) -> dict:
        """The next message; notifications that arrived batched (a JSON array) one by one."""
        if not self._pending:
            msg = json.loads(self.ws.recv(timeout=timeout))
            self._pending = msg if isinstance(msg, list) else [msg]
        return self._pending.pop(0)

    def call(self, method: str, timeout: float = 10.0, **params) -> dict:
        rid = next(_ids)
        self.ws.send(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method,
                                 "params": params}))
        return self.reply(rid, timeout)

    def reply(self, rid, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            msg = self.recv(max(deadline - time.monotonic(), 0.01))
            if "method" in msg:
                self.notes.append(msg)
            elif msg.get("id") == rid:
                return msg

    def wait_note(self, method: str, timeout: float = 10.0, **match) -> dict:
        deadline = time.monotonic() + timeout
        i = 0
        while True:
            for n in self.notes[i:]:
                i += 1
                if n["method"] == method and all(n["params"].get(k) == v
                                                 for k, v in match.items()):
                    return n["params"]
            self.notes.append(self.recv(max(deadline - time.monotonic(), 0.01)))

    def close(self) -> None:
        self._cm.__exit__(None, None, None)


class Trainer(threading.Thread):
    """A training loop (no optimizer: iterations end at each backward) on its own thread."""

    LINES: dict[str, int] = {}

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.iterations = 0

    def run(self) -> None:
        w = gg.ones(4, 4, requires_grad=True)
        x = gg.ones(2, 4)
        act = gg.nn.Tanh()
        while not self.stop.is_set():
            h = x @ w  # TRAIN-MATMUL
            loss = act(h).sum()  # TRAIN-LOSS
            loss.backward()
            w.grad = None
            self.iterations += 1
            time.sleep(0.002)


def strict_json(text: str) -> object:
    """Parse standard JSON only (no NaN, Infinity)."""
    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def _line(marker: str) -> int:
    return line_of(__file__, marker)


@pytest.fixture()
def server():
    srv = LiveServer(queue_size=5000).start()
    trainer = Trainer()
    trainer.start()
    yield srv, read_info(os.getpid()), trainer
    trainer.stop.set()
    srv.control.resume()
    trainer.join(10)
    srv.stop()
    assert not trainer.is_alive()


def test_info_file_is_private_and_auth_is_required(server):
    srv, info, trainer = server
    path = os.path.join(".glassgrad", "live", f"{os.getpid()}.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert info["host"] == "127.0.0.1" and info["token"] == srv.token and len(srv.token) >= 32
    url = f"ws://127.0.0.1:{info['port']}"
    for kw in ({}, {"additional_headers": {"Authorization": "Bearer wrong"}}):
        with pytest.raises(InvalidStatus) as e, connect(url, open_timeout=5, **kw):
            pass
        assert e.value.response.status_code == 401
    for query in ("nope", info["token"]):  # a token in the URL is refused, even the right one
        with pytest.raises(InvalidStatus) as e, connect(f"{url}/?token={query}", open_timeout=5):
            pass
        assert e.value.response.status_code == 401
    c = Client(info)
    assert c.call("status")["result"]["pid"] == os.getpid()
    c.close()
    with pytest.raises(ValueError):
        LiveServer(host="0.0.0.0")
    assert trainer.is_alive()


def test_malformed_unknown_and_bad_params_get_errors_and_run_continues(server):
    srv, info, trainer = server
    c = Client(info)
    c.ws.send("{not json")
    assert c.recv()["error"]["code"] == -32700
    c.ws.send(json.dumps([1, 2]))
    assert c.recv()["error"]["code"] == -32600
    c.ws.send(json.dumps({"jsonrpc": "2.0", "id": 5}))
    assert c.recv()["error"] == {"code": -32600, "message": pytest.approx(
        "invalid request: expected a JSON-RPC 2.0 object with a method")}
    assert c.call("noSuchMethod")["error"]["code"] == -32601
    assert c.call("step", unit="epoch")["error"]["code"] == -32602
    assert c.call("status", bogus=1)["error"]["code"] == -32602
    assert c.call("getTensor", id=-5)["error"]["code"] == -32602
    assert c.call("setBreakpoints", breakpoints=[{"file": 3}])["error"]["code"] == -32602
    before = trainer.iterations
    wait_for(lambda: trainer.iterations > before + 3, 10, "training to go on")
    assert c.call("status")["result"]["paused"] is False
    c.close()


def test_json_rpc_edge_cases_over_the_wire(server):
    """Findings of the hardening issue: ``id: null`` is answered, notifications never are,
    non-standard JSON is a parse error, and nesting too deep is answered, not a hang-up."""
    srv, info, trainer = server
    c = Client(info)
    c.ws.send('{"jsonrpc": "2.0", "id": null, "method": "status"}')
    reply = c.recv()
    assert reply["id"] is None and reply["result"]["pid"] == os.getpid()
    c.ws.send('{"jsonrpc": "2.0", "method": "noSuchMethod"}')  # notifications: no answer,
    c.ws.send('{"jsonrpc": "2.0", "method": "step", "params": {"unit": 5}}')  # even errors
    for text in ('{"jsonrpc": "2.0", "id": Infinity, "method": "status"}',
                 '{"jsonrpc": "2.0", "id": NaN, "method": "status"}',
                 '{"jsonrpc": "2.0", "id": 1e400, "method": "status"}',
                 "[" * 100_000 + "]" * 100_000):
        c.ws.send(text)
        reply = strict_json(c.ws.recv(timeout=10))
        assert reply["id"] is None and reply["error"]["code"] == -32700
    c.ws.send('{"jsonrpc": "2.0", "id": 1.5, "method": "status"}')
    assert c.recv()["error"]["code"] == -32600
    big = 10 ** 300
    c.ws.send(json.dumps({"jsonrpc": "2.0", "id": big, "method": "status"}))
    assert c.recv()["id"] == big
    assert c.call("status")["result"]["paused"] is False  # nothing else arrived meanwhile
    c.close()


def test_bad_get_tensor_slices_are_invalid_params(server):
    srv, info, trainer = server
    c = Client(info)
    c.call("setBreakpoints", breakpoints=[{"file": __file__, "line": _line("TRAIN-MATMUL"),
                                           "phase": "forward"}])
    tid = c.wait_note("stopped", reason="breakpoint")["output"]["id"]
    c.call("setBreakpoints", breakpoints=[])
    for bad in ([5], [-3], [0, 9], ["a"], [[1, "x"]], [[0, 4, 0]], [[1, 2, 3, 4]], [[]],
                [[1.5]], [0, 0, 0], [True], {"0": 1}, "0:1", [[2 ** 70]]):
        reply = c.call("getTensor", id=tid, slice=bad)
        assert reply["error"]["code"] == -32602, (bad, reply)
    for bad in ({"id": "x"}, {"id": tid, "maxElements": 1e9}, {"id": tid, "maxElements": None},
                {"id": True}):
        assert c.call("getTensor", **bad)["error"]["code"] == -32602, bad
    ok = c.call("getTensor", id=tid, slice=[-1, [None, None, -1]])["result"]
    assert ok["sliceShape"] == [4] and ok["values"] == [4.0] * 4
    c.call("resume")
    c.close()


def test_oversized_message_closes_that_client_only(server):
    srv, info, trainer = server
    big, other = Client(info, max_size=None), Client(info)
    big.ws.send("x" * (live_mod.MAX_MESSAGE + 10))
    with pytest.raises(ConnectionClosed) as e:
        while True:
            big.recv()
    assert e.value.rcvd is None or e.value.rcvd.code == 1009
    before = trainer.iterations
    wait_for(lambda: trainer.iterations > before + 3, 10, "training to go on")
    assert other.call("status")["result"]["pid"] == os.getpid()
    wait_for(lambda: len(srv.clients) == 1, 5, "the closed client to be dropped")
    other.close()


def test_subscribe_receives_op_and_backward_events(server):
    srv, info, trainer = server
    c = Client(info)
    assert c.call("subscribe")["result"] == {"subscribed": True}
    op = c.wait_note("event", type="op", op="matmul")
    assert op["line"] == _line("TRAIN-MATMUL") and op["file"] == __file__
    assert op["output"]["shape"] == [2, 4] and op["output"]["dtype"] == "float32"
    bw = c.wait_note("event", type="backward", op="tanh")
    assert bw["line"] == _line("TRAIN-LOSS") and bw["grad_output"][0]["shape"] == [2, 4]
    assert c.wait_note("event", type="iteration")["iteration"] > 0
    assert c.wait_note("event", type="module_enter", module="Tanh")["path"] == "Tanh"
    assert c.wait_note("event", type="module_exit", module="Tanh")["path"] == "Tanh"
    c.call("unsubscribe")
    c.close()


def _pause(c: Client) -> dict:
    assert c.call("pause")["result"] == {"pausing": True}
    return c.wait_note("stopped", reason="pause")


def test_pause_stops_the_run_and_resume_continues(server):
    srv, info, trainer = server
    c = Client(info)
    stopped = _pause(c)
    assert stopped["phase"] in ("forward", "backward")
    status = c.call("status")["result"]
    assert status["paused"] is True and status["stop"]["reason"] == "pause"
    n = trainer.iterations
    seq = srv.seq
    time.sleep(0.3)  # checking that nothing moves needs a window of time
    assert trainer.iterations == n and srv.seq == seq
    assert c.call("resume")["result"] == {"resumed": True}
    wait_for(lambda: trainer.iterations > n + 2, 10, "training to resume")
    assert c.call("status")["result"]["paused"] is False
    c.close()


@pytest.mark.parametrize("unit", ["op", "backward", "iteration"])
def test_step_advances_exactly_one_unit(server, unit):
    srv, info, trainer = server
    c = Client(info)
    c.call("subscribe")
    first = _pause(c)
    c.notes.clear()
    c.call("step", unit=unit)
    nxt = c.wait_note("stopped", reason="step")
    events = [n["params"] for n in c.notes if n["method"] == "event"]
    ops = [e for e in events if e["type"] in ("op", "backward")]
    if unit == "op":  # exactly one more op or backward node ran
        assert len(ops) == 1 and nxt["phase"] in ("forward", "backward")
    elif unit == "backward":
        assert nxt["phase"] == "backward" and nxt["type"] == "backward"
        assert [e["type"] for e in ops].count("backward") == 1
    else:
        assert nxt["iteration"] == first["iteration"] + 1
        assert [e["type"] for e in events].count("iteration") == 1
    c.call("resume")
    c.close()


@pytest.mark.parametrize("phase,marker,op", [("forward", "TRAIN-LOSS", "tanh"),
                                             ("backward", "TRAIN-MATMUL", "matmul")])
def test_breakpoint_on_a_line_stops_in_its_phase(server, phase, marker, op):
    srv, info, trainer = server
    c = Client(info)
    bps = [{"file": __file__, "line": _line(marker), "phase": phase}]
    assert c.call("setBreakpoints", breakpoints=bps)["result"]["breakpoints"] == bps
    hit = c.wait_note("stopped", reason="breakpoint")
    assert hit["phase"] == phase and hit["line"] == _line(marker) and hit["op"] == op
    assert hit["type"] == ("op" if phase == "forward" else "backward")
    c.call("setBreakpoints", breakpoints=[])
    c.call("resume")
    c.close()


def test_get_tensor_is_sliced_and_capped(server):
    srv, info, trainer = server
    c = Client(info)
    c.call("setBreakpoints", breakpoints=[{"file": __file__, "line": _line("TRAIN-MATMUL"),
                                           "phase": "forward"}])
    hit = c.wait_note("stopped", reason="breakpoint")
    c.call("setBreakpoints", breakpoints=[])
    tid = hit["output"]["id"]
    full = c.call("getTensor", id=tid)["result"]
    assert full["shape"] == [2, 4] and full["values"] == [4.0] * 8 and not full["truncated"]
    part = c.call("getTensor", id=tid, slice=[0, [1, 4]], maxElements=2)["result"]
    assert part["sliceShape"] == [3] and part["values"] == [4.0, 4.0] and part["truncated"]
    graph = c.call("getGraph")["result"]
    assert graph["nodes"] and graph["nodes"][-1]["op"] == "matmul"
    c.call("resume")
    c.close()


def test_a_client_that_never_reads_does_not_slow_the_run(server):
    srv, info, trainer = server
    srv.queue_size = 200  # for the clients connecting from now on
    lazy = Client(info)
    lazy.call("subscribe")  # ... and then never reads again
    wait_for(lambda: any(cl.dropped for cl in srv.clients), 20, "its queue to overflow")
    n = trainer.iterations
    t0 = time.monotonic()
    wait_for(lambda: trainer.iterations >= n + 50, 10, "50 more iterations")
    assert time.monotonic() - t0 < 5
    reader = Client(info)
    dropped = reader.call("status")["result"]["dropped"]
    assert dropped == 0  # drops are counted per client: this one lost nothing
    assert max(cl.dropped for cl in srv.clients) > 0
    reader.close()
    lazy.close()


def test_two_clients_at_once(server):
    srv, info, trainer = server
    a, b = Client(info), Client(info)
    a.call("subscribe")
    b.call("subscribe")
    ea = a.wait_note("event", type="op")
    eb = b.wait_note("event", type="op")
    assert ea["op"] and eb["op"]
    _pause(a)
    assert b.wait_note("stopped", reason="pause")  # both see the stop
    b.call("resume")
    n = trainer.iterations
    wait_for(lambda: trainer.iterations > n, 10, "training to resume")
    a.close()
    assert b.call("status")["result"]["paused"] is False
    b.close()


LIVE_SCRIPT = """
import time
import glassgrad as gg
w = gg.ones(3, requires_grad=True)
for i in range(100000):
    loss = (w * 2).sum()  # LIVE-LOSS
    loss.backward()
    w.grad = None
    time.sleep(0.002)
"""


@pytest.mark.slow
def test_glassgrad_run_live_subprocess(tmp_path):
    (tmp_path / "live_train.py").write_text(LIVE_SCRIPT)
    proc = spawn("-m", "glassgrad.cli", "run", "--live", "live_train.py", cwd=tmp_path)
    try:
        live_dir = tmp_path / ".glassgrad" / "live"
        info_path = wait_for(lambda: (p := live_dir / f"{proc.pid}.json").exists() and p, 20,
                             "the live info file")
        assert stat.S_IMODE(os.stat(info_path).st_mode) == 0o600
        info = wait_for(lambda: _read_json(info_path), 5, "the info file's content")
        assert info["run"] and info["run"].endswith(".db")
        c = Client(info)
        bps = [{"file": str(tmp_path / "live_train.py"), "line": 6, "phase": "backward"}]
        c.call("setBreakpoints", breakpoints=bps)
        hit = c.wait_note("stopped", reason="breakpoint")
        assert hit["op"] in ("sum", "mul") and hit["phase"] == "backward"
        c.call("setBreakpoints", breakpoints=[])
        c.ws.send("garbage")
        assert c.recv()["error"]["code"] == -32700
        c.call("resume")
        c.close()
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait(10)


def _read_json(path):
    try:
        return json.loads(path.read_text())
    except ValueError:
        return None
