"""The live channel: a running program serves its events and accepts control on loopback.

Transport is WebSocket (the ``websockets`` library does the framing; every message is one
JSON-RPC 2.0 object). A random token, written to ``.glassgrad/live/<pid>.json`` readable by the
user only, must come with every connection (``Authorization: Bearer <token>`` or ``?token=``);
a connection without it is refused during the handshake (HTTP 401).

The training thread never waits on a client: events go to a bounded queue per client and a
full queue drops them (counted). The program blocks only at op boundaries (a forward op, a
backward node, an iteration) and only while paused. Methods are listed in docs/live-channel.md.
"""

from __future__ import annotations

import collections
import json
import os
import secrets
import threading
import time
import weakref
from typing import Any
from urllib.parse import parse_qs, urlparse

from ..tensor import Tensor
from .events import IterationClock, Observer, attach, detach, uid

LIVE_DIR = os.path.join(".glassgrad", "live")
PARSE_ERROR, INVALID_REQUEST, NO_METHOD, BAD_PARAMS, INTERNAL = (-32700, -32600, -32601, -32602,
                                                                 -32603)
MAX_MESSAGE = 1 << 20
_INF = float("inf")
_PHASES = ("forward", "backward", "both")


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


_device_names: dict = {}


def tensor_ref(t: Tensor) -> dict[str, Any]:
    dev = t._device
    name = _device_names.get(dev)
    if name is None:
        name = _device_names[dev] = str(dev)
    return {"id": uid(t), "shape": list(t._data.shape),
            "dtype": dev.backend.from_native[t._data.dtype].name, "device": name,
            "requires_grad": bool(t.requires_grad)}


def _input_ids(args: tuple) -> list:
    ids = []
    for a in args:
        ids.append(uid(a) if isinstance(a, Tensor) else None)
    return ids


class _Client:
    """One connection's outgoing notifications: a bounded deque (appends and pops are atomic,
    so the training thread takes no lock) that drops and counts when the client lags."""

    def __init__(self, conn: Any, size: int) -> None:
        self.conn = conn
        self.out: collections.deque = collections.deque()
        self.size = size
        self.subscribed = False
        self.dropped = 0

    def push(self, message: dict) -> None:
        if len(self.out) >= self.size:
            self.dropped += 1
        else:
            self.out.append(message)


class LiveServer(Observer):
    """Serve this process's events and accept pause/step/breakpoints from loopback clients."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, queue_size: int = 10_000,
                 directory: str = LIVE_DIR, run_path: str | None = None) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the live channel listens on loopback only")
        self.host, self.port, self.queue_size = host, port, queue_size
        self.directory, self.run_path = directory, run_path
        self.token = secrets.token_urlsafe(32)
        self.clients: list[_Client] = []
        self._lock = threading.Lock()
        self._resume = threading.Event()
        self._resume.set()
        self.paused = False
        self.stop_reason: dict[str, Any] | None = None
        self._step: str | None = None  # op | backward | iteration
        self._step_from = 0
        self._pause_requested = False
        self.breakpoints: dict[tuple[str, int], str] = {}
        # tensors a client may fetch: weak references to this iteration's outputs and gradients
        self.tensors: dict[int, weakref.ref] = {}
        self.graph: list[dict[str, Any]] = []
        self.clock = IterationClock()
        self.seq = 0
        self._server: Any = None
        self.info_path: str | None = None

    # lifecycle --------------------------------------------------------------------------------
    def start(self) -> LiveServer:
        from websockets.sync.server import serve

        self._server = serve(self._handle, self.host, self.port, process_request=self._auth,
                             max_size=MAX_MESSAGE, compression=None)
        self.port = self._server.socket.getsockname()[1]
        threading.Thread(target=self._server.serve_forever, name="glassgrad-live",
                         daemon=True).start()
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        self.info_path = os.path.join(self.directory, f"{os.getpid()}.json")
        fd = os.open(self.info_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"pid": os.getpid(), "host": self.host, "port": self.port,
                       "token": self.token, "run": self.run_path, "started": time.time()}, f)
        self._watch()
        return self

    def stop(self) -> None:
        detach(self)
        self._resume.set()
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self.info_path and os.path.exists(self.info_path):
            os.remove(self.info_path)

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    # connections (server threads) ------------------------------------------------------------
    def _auth(self, conn: Any, request: Any) -> Any:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        if token is None:
            token = (parse_qs(urlparse(request.path).query).get("token") or [None])[0]
        if token is None or not secrets.compare_digest(token, self.token):
            return conn.respond(401, "glassgrad live channel: missing or wrong token\n")
        return None

    def _handle(self, conn: Any) -> None:
        client = _Client(conn, self.queue_size)
        with self._lock:
            self.clients.append(client)
        self._watch()
        try:
            while True:
                try:
                    raw = conn.recv(timeout=0.02)
                except TimeoutError:
                    raw = None
                if raw is not None:
                    reply = self._dispatch(client, raw)
                    if reply is not None:
                        conn.send(json.dumps(reply))
                out = client.out
                while out:  # pending notifications go as one JSON-RPC batch (an array)
                    batch = [out.popleft() for _ in range(min(len(out), 2000))]
                    conn.send(json.dumps(batch[0] if len(batch) == 1 else batch))
        except Exception:  # a client that leaves or misbehaves only loses its own connection
            pass
        finally:
            with self._lock:
                self.clients.remove(client)
                last = not self.clients
            if last:  # nobody left to resume a paused run or see a breakpoint: let it go on
                self._step, self._pause_requested, self.breakpoints = None, False, {}
                self._resume.set()
            self._watch()

    def _dispatch(self, client: _Client, raw: str | bytes) -> dict | None:
        try:
            msg = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return _error(None, PARSE_ERROR, "parse error: not JSON")
        if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0" or \
                not isinstance(msg.get("method"), str):
            return _error(msg.get("id") if isinstance(msg, dict) else None, INVALID_REQUEST,
                          "invalid request: expected a JSON-RPC 2.0 object with a method")
        rid = msg.get("id")
        params = msg.get("params") or {}
        handler = getattr(self, "rpc_" + msg["method"], None)
        try:
            if handler is None:
                raise RpcError(NO_METHOD, f"unknown method {msg['method']!r}")
            if not isinstance(params, dict):
                raise RpcError(BAD_PARAMS, "params must be an object")
            result = handler(client, **params)
        except RpcError as e:
            return _error(rid, e.code, str(e))
        except TypeError as e:
            return _error(rid, BAD_PARAMS, f"invalid params: {e}")
        except Exception as e:
            return _error(rid, INTERNAL, f"{type(e).__name__}: {e}")
        return None if rid is None else {"jsonrpc": "2.0", "id": rid, "result": result}

    # methods ----------------------------------------------------------------------------------
    def rpc_status(self, client: _Client) -> dict[str, Any]:
        return {"pid": os.getpid(), "paused": self.paused, "stop": self.stop_reason,
                "iteration": self.clock.index, "run": self.run_path,
                "breakpoints": self._breakpoint_list(), "dropped": client.dropped}

    def rpc_subscribe(self, client: _Client) -> dict[str, Any]:
        client.subscribed = True
        return {"subscribed": True}

    def rpc_unsubscribe(self, client: _Client) -> dict[str, Any]:
        client.subscribed = False
        return {"subscribed": False}

    def rpc_pause(self, client: _Client) -> dict[str, Any]:
        self._pause_requested = True
        self._watch()
        return {"pausing": True}

    def rpc_resume(self, client: _Client) -> dict[str, Any]:
        self._step = None
        self._pause_requested = False
        self._resume.set()
        return {"resumed": True}

    def rpc_step(self, client: _Client, unit: str = "op") -> dict[str, Any]:
        if unit not in ("op", "backward", "iteration"):
            raise RpcError(BAD_PARAMS, "unit must be 'op', 'backward' or 'iteration'")
        self._step = unit
        self._watch()
        self._step_from = self.clock.index
        self._resume.set()
        return {"stepping": unit}

    def rpc_setBreakpoints(self, client: _Client, breakpoints: list) -> dict:  # noqa: N802
        bps = {}
        for bp in breakpoints:
            if not isinstance(bp, dict) or not isinstance(bp.get("file"), str) or \
                    not isinstance(bp.get("line"), int):
                raise RpcError(BAD_PARAMS, "a breakpoint is {file: str, line: int, phase}")
            phase = bp.get("phase", "both")
            if phase not in _PHASES:
                raise RpcError(BAD_PARAMS, f"phase must be one of {_PHASES}")
            bps[(_abspath(bp["file"]), bp["line"])] = phase
        self.breakpoints = bps
        self._watch()
        return {"breakpoints": self._breakpoint_list()}

    def rpc_getTensor(self, client: _Client, id: int, slice: list | None = None,  # noqa: A002, N802
                      maxElements: int = 10_000) -> dict[str, Any]:  # noqa: N803
        ref = self.tensors.get(id)
        t = ref() if ref is not None else None
        if t is None:
            raise RpcError(BAD_PARAMS, f"tensor {id} is not alive in the program")
        host = t._host()
        if slice is not None:
            if not isinstance(slice, list) or len(slice) > host.ndim:
                raise RpcError(BAD_PARAMS, "slice is a list of [start, stop, step] per dim")
            import builtins

            host = host[tuple(builtins.slice(*s) if isinstance(s, list) else int(s)
                              for s in slice)]
        limit = max(0, min(int(maxElements), 1_000_000))
        flat = host.reshape(-1)
        truncated = flat.size > limit
        values = flat[:limit].tolist()
        if flat.dtype.kind in "fc":  # JSON has no NaN/Infinity: they travel as strings
            values = [v if v == v and v not in (_INF, -_INF) else
                      "nan" if v != v else "inf" if v > 0 else "-inf" for v in values]
        return {**tensor_ref(t), "sliceShape": list(host.shape), "truncated": truncated,
                "values": values}

    def rpc_getGraph(self, client: _Client) -> dict[str, Any]:
        return {"iteration": self.clock.index, "nodes": list(self.graph)}

    def _breakpoint_list(self) -> list[dict]:
        return [{"file": f, "line": ln, "phase": ph} for (f, ln), ph in self.breakpoints.items()]

    # events (training thread) -----------------------------------------------------------------
    def _emit(self, event: dict) -> None:
        note = {"jsonrpc": "2.0", "method": "event", "params": event}
        for c in self.clients:
            if c.subscribed:
                if len(c.out) >= c.size:
                    c.dropped += 1
                else:
                    c.out.append(note)

    def _watch(self) -> None:
        """Observe the run only while someone listens or something may stop it: with no
        client, no breakpoint and no pause or step pending, glassgrad publishes nothing (the
        hot path's one check), and iterations are counted from when observing began."""
        if self._idle() and self._server is not None:
            detach(self)
        else:
            attach(self)

    def _idle(self) -> bool:
        """Nobody connected and nothing to stop at: events cost only the iteration clock (the
        graph of the current iteration is kept from the next iteration a client sees)."""
        return not self.clients and not self.breakpoints and self._step is None and \
            not self._pause_requested

    def op(self, node: Any, cls: type, args: tuple, out: Any, t0: float, t1: float) -> None:
        if self.clock.before_event():
            self.graph, self.tensors = [], {}
            self._emit({"type": "iteration", "iteration": self.clock.index})
        if self._idle():
            return
        site = node.site if node is not None else None
        ref = tensor_ref(out) if isinstance(out, Tensor) else None
        if isinstance(out, Tensor):
            self.tensors[ref["id"]] = weakref.ref(out)
        event = {"type": "op", "iteration": self.clock.index,
                 "seq": node.seq if node is not None else None, "op": cls.op_name,
                 "file": site[0] if site else None, "line": site[1] if site else None,
                 "function": site[2] if site else None,
                 "module": node.module if node is not None else None,
                 "output": ref, "inputs": _input_ids(args),
                 "duration_ns": int((t1 - t0) * 1e9)}
        if node is not None:
            self.graph.append(event)
        self._emit(event)
        self._maybe_stop("forward", event)

    def backward_node(self, node: Any, grad_outputs: list, grad_inputs: tuple, t0: float,
                      t1: float) -> None:
        if self._idle():
            return
        site = node.site
        for g in grad_outputs:
            if isinstance(g, Tensor):
                self.tensors[uid(g)] = weakref.ref(g)
        event = {"type": "backward", "iteration": self.clock.index, "node": node.seq,
                 "op": node.op_name, "file": site[0] if site else None,
                 "line": site[1] if site else None, "module": node.module,
                 "grad_output": [tensor_ref(g) if isinstance(g, Tensor) else None
                                 for g in grad_outputs],
                 "duration_ns": int((t1 - t0) * 1e9)}
        self._emit(event)
        self._maybe_stop("backward", event)

    def backward_begin(self, roots: list, grads: list) -> None:
        if self.clock.before_event():
            self.graph, self.tensors = [], {}
            self._emit({"type": "iteration", "iteration": self.clock.index})

    def backward_end(self, leaves: dict) -> None:
        self.clock.backward_ended()
        self._emit({"type": "backward_end", "iteration": self.clock.index})

    def module_enter(self, module: Any, path: str) -> None:
        if not self._idle():
            self._emit({"type": "module_enter", "iteration": self.clock.index, "path": path,
                        "module": type(module).__name__})

    def module_exit(self, module: Any, path: str) -> None:
        if not self._idle():
            self._emit({"type": "module_exit", "iteration": self.clock.index, "path": path,
                        "module": type(module).__name__})

    def step(self, optimizer: Any) -> None:
        self.clock.stepped()
        self._emit({"type": "step", "iteration": self.clock.index,
                    "optimizer": type(optimizer).__name__})

    def _maybe_stop(self, phase: str, event: dict) -> None:
        reason = None
        if self._pause_requested:
            reason = "pause"
        elif self._step == "op" or (self._step == "backward" and phase == "backward") or (
                self._step == "iteration" and self.clock.index > self._step_from):
            reason = "step"
        elif self.breakpoints and event.get("file") is not None:
            want = self.breakpoints.get((_abspath(event["file"]), event["line"]))
            if want is not None and want in (phase, "both"):
                reason = "breakpoint"
        if reason is None:
            return
        self._pause_requested = False
        self._step = None
        self.paused = True
        self.stop_reason = {"reason": reason, "phase": phase, **event}
        self._resume.clear()
        for c in list(self.clients):
            c.push({"jsonrpc": "2.0", "method": "stopped", "params": self.stop_reason})
        while not self._resume.wait(0.1):
            if self._server is None or not self.clients:
                break
        self.paused = False
        self.stop_reason = None


_abspaths: dict[str, str] = {}


def _abspath(path: str) -> str:
    """Absolute form of a code file name (cached: it is looked up per op at breakpoints)."""
    full = _abspaths.get(path)
    if full is None:
        full = _abspaths[path] = path if path.startswith("<") else os.path.abspath(path)
    return full


def _error(rid: Any, code: int, message: str) -> dict:
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}


def serve_live(**kwargs: Any) -> LiveServer:
    """Start the live channel for this process (``glassgrad run --live`` does this)."""
    return LiveServer(**kwargs).start()


def read_info(pid: int | None = None, directory: str = LIVE_DIR) -> dict[str, Any]:
    """Connection details of a live program (the newest one when ``pid`` is None)."""
    if pid is not None:
        path = os.path.join(directory, f"{pid}.json")
    else:
        files = [os.path.join(directory, f) for f in os.listdir(directory)
                 if f.endswith(".json")] if os.path.isdir(directory) else []
        if not files:
            raise FileNotFoundError(f"no live glassgrad program under {directory}")
        path = max(files, key=os.path.getmtime)
    with open(path) as f:
        return json.load(f)
