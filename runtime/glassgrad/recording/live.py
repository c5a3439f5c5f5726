"""The live channel: a running program serves its events and accepts control on loopback.

Transport is WebSocket (the ``websockets`` library does the framing); every message is one
JSON-RPC 2.0 object (docs/live-channel.md lists the methods). The layers, each in its module:

- live_files.py: the token file ``.glassgrad/live/<pid>.json`` (private, exclusive, cleaned up);
- live_auth.py: who may connect (header token only, bounded connections and handshake time);
- live_rpc.py: JSON-RPC parsing, dispatch and replies (standard JSON only);
- live_events.py / live_encode.py: events captured on the training thread as tuples and
  turned into notifications on connection threads;
- live_control.py: pause, step and breakpoints;
- live_log.py: one rate-limited log line per refused or failed connection.

This module ties them together: :class:`LiveServer` (lifecycle, the connection loop, the
methods), :func:`serve_live` and :func:`read_info`.
"""

from __future__ import annotations

import atexit
import builtins
import os
import secrets
import threading
from typing import Any

from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK

from .events import attach, detach
from .live_auth import Gate
from .live_control import PHASES, UNITS, abspath
from .live_encode import tensor_ref
from .live_events import Capture, Outbox
from .live_files import LIVE_DIR, NotLiveError, info_record, read_info, remove_info, write_info
from .live_log import LibraryLog, RateLimitedLog
from .live_rpc import BAD_PARAMS, Dispatcher, RpcError, encode

__all__ = ["LIVE_DIR", "LiveServer", "NotLiveError", "read_info", "serve_live", "tensor_ref"]

MAX_MESSAGE = 1 << 20
_BATCH_CHARS = 512 * 1024  # a batch of notifications stays under clients' usual 1 MiB
_INF = float("inf")
_MAX_INDEX = 1 << 62


class _Client(Outbox):
    """One connection and its outbox."""

    def __init__(self, conn: Any, size: int) -> None:
        super().__init__(size)
        self.conn = conn


class LiveServer(Capture):
    """Serve this process's events and accept pause/step/breakpoints from loopback clients."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, queue_size: int = 10_000,
                 directory: str = LIVE_DIR, run_path: str | None = None,
                 max_connections: int = 16, handshake_timeout: float = 3.0,
                 interval: float = 0.05) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the live channel listens on loopback only")
        super().__init__()
        self.host, self.port, self.queue_size = host, port, queue_size
        self.interval = interval
        self.directory, self.run_path = directory, run_path
        self.token = secrets.token_urlsafe(32)
        self.clients: list[_Client] = []
        self.log = RateLimitedLog()
        self.gate = Gate(self.token, self.log, max_connections, handshake_timeout)
        self.rpc = Dispatcher({name[4:]: getattr(self, name) for name in dir(self)
                               if name.startswith("rpc_")})
        self._lock = threading.Lock()
        self._server: Any = None
        self._stopped = threading.Event()
        self.info_path: str | None = None

    # lifecycle --------------------------------------------------------------------------------
    def start(self) -> LiveServer:
        from websockets.sync.server import serve

        self._server = serve(self._handle, self.host, self.port,
                             process_request=self.gate.check,
                             create_connection=self.gate.connection,
                             open_timeout=self.gate.timeout, ping_interval=None,
                             close_timeout=2,
                             max_size=MAX_MESSAGE, compression=None, logger=LibraryLog(self.log))
        self.port = self._server.socket.getsockname()[1]
        threading.Thread(target=self._server.serve_forever, name="glassgrad-live",
                         daemon=True).start()
        try:
            self.info_path = write_info(self.directory, info_record(
                self.host, self.port, self.token, self.run_path))
        except BaseException:
            server, self._server = self._server, None
            server.shutdown()
            raise
        threading.Thread(target=self._pump_loop, name="glassgrad-live-events",
                         daemon=True).start()
        atexit.register(self._remove_info)
        self._watch()
        return self

    def stop(self) -> None:
        detach(self)
        self.control.clear()
        if self._server is not None:
            server, self._server = self._server, None
            self._stopped.set()
            server.shutdown()
        self._remove_info()
        atexit.unregister(self._remove_info)
        self.log.flush()

    def _remove_info(self) -> None:
        if self.info_path:
            remove_info(self.info_path, self.token)

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def paused(self) -> bool:
        return self.control.paused

    @property
    def seq(self) -> int:
        """Events handled so far (it stands still while the program is stopped)."""
        return self.events.handled

    # connections (server threads) ------------------------------------------------------------
    def _handle(self, conn: Any) -> None:
        client = _Client(conn, self.queue_size)
        with self._lock:
            self.clients.append(client)
        self._watch()
        try:
            self._serve(client)
        except ConnectionClosedOK:
            pass
        except ConnectionClosedError as e:
            self.log("closed", f"connection from {conn.peer} failed: {e}")
        except Exception as e:  # a client that misbehaves only loses its own connection
            self.log("internal", f"connection from {conn.peer} failed: {type(e).__name__}: {e}")
        finally:
            with self._lock:
                self.clients.remove(client)
                last = not self.clients
            if last:  # nobody left to resume a paused run or see a breakpoint: let it go on
                self.control.clear()
            self._watch()

    def _pump_loop(self) -> None:
        """Pump events when no connection thread has for a while (all clients blocked in a
        send): drops are then counted, and the training thread's queue stays bounded."""
        while not self._stopped.wait(4 * self.interval):
            if self.clients and self.events.idle_for() > 2 * self.interval:
                self.events.pump(list(self.clients))

    def _serve(self, client: _Client) -> None:
        """Answer requests as they come; every ``interval`` seconds, pump the events and
        send this client's notifications (few, large messages: each wake-up of a thread
        costs the training thread a switch of the GIL)."""
        conn = client.conn
        while True:
            try:
                raw = conn.recv(timeout=self.interval)
            except TimeoutError:
                raw = None
            if raw is not None:
                reply = self.rpc.handle(client, raw)
                if reply is not None:
                    conn.send(encode(reply))
            self.events.pump(list(self.clients))
            for message in client.batches(_BATCH_CHARS):
                conn.send(message)

    def _watch(self) -> None:
        """Observe the run only while someone listens or something may stop it: with no
        client and no breakpoint, pause or step pending, glassgrad publishes nothing (the hot
        path's one check), and iterations are counted from when observing began."""
        if self._server is not None and (self.clients or self.control.armed):
            attach(self)
        else:
            detach(self)

    def _nobody_left(self) -> bool:
        return self._server is None or not self.clients

    # methods ----------------------------------------------------------------------------------
    def rpc_status(self, client: _Client) -> dict[str, Any]:
        return {"pid": os.getpid(), "paused": self.control.paused,
                "stop": self.control.stop_reason, "iteration": self.clock.index,
                "run": self.run_path, "breakpoints": self.control.breakpoint_list(),
                "dropped": client.dropped}

    def rpc_subscribe(self, client: _Client) -> dict[str, Any]:
        client.subscribed = True
        return {"subscribed": True}

    def rpc_unsubscribe(self, client: _Client) -> dict[str, Any]:
        client.subscribed = False
        return {"subscribed": False}

    def rpc_pause(self, client: _Client) -> dict[str, Any]:
        self.control.pause()
        self._watch()
        return {"pausing": True}

    def rpc_resume(self, client: _Client) -> dict[str, Any]:
        self.control.resume()
        return {"resumed": True}

    def rpc_step(self, client: _Client, unit: str = "op") -> dict[str, Any]:
        if unit not in UNITS:
            raise RpcError(BAD_PARAMS, "unit must be 'op', 'backward' or 'iteration'")
        self.control.step(unit, self.clock.index)
        self._watch()
        return {"stepping": unit}

    def rpc_setBreakpoints(self, client: _Client, breakpoints: list) -> dict:  # noqa: N802
        if not isinstance(breakpoints, list):
            raise RpcError(BAD_PARAMS, "breakpoints must be a list")
        bps = {}
        for bp in breakpoints:
            if not isinstance(bp, dict) or not isinstance(bp.get("file"), str) or \
                    type(bp.get("line")) is not int:
                raise RpcError(BAD_PARAMS, "a breakpoint is {file: str, line: int, phase}")
            phase = bp.get("phase", "both")
            if phase not in PHASES:
                raise RpcError(BAD_PARAMS, f"phase must be one of {PHASES}")
            bps[(abspath(bp["file"]), bp["line"])] = phase
        self.control.set_breakpoints(bps)
        self._watch()
        return {"breakpoints": self.control.breakpoint_list()}

    def rpc_getTensor(self, client: _Client, id: int, slice: list | None = None,  # noqa: A002, N802
                      maxElements: int = 10_000) -> dict[str, Any]:  # noqa: N803
        if type(id) is not int or type(maxElements) is not int:
            raise RpcError(BAD_PARAMS, "id and maxElements must be integers")
        self.events.pump(list(self.clients), wait=True)
        t = self.events.tensor(id)
        if t is None:
            raise RpcError(BAD_PARAMS, f"tensor {id} is not alive in the program")
        host = t._host()
        if slice is not None:
            host = host[_index(slice, host.shape)]
        limit = max(0, min(maxElements, 1_000_000))
        flat = host.reshape(-1)
        truncated = flat.size > limit
        values = flat[:limit].tolist()
        if flat.dtype.kind in "fc":  # JSON has no NaN/Infinity: they travel as strings
            values = [v if v == v and v not in (_INF, -_INF) else
                      "nan" if v != v else "inf" if v > 0 else "-inf" for v in values]
        return {**tensor_ref(t), "sliceShape": list(host.shape), "truncated": truncated,
                "values": values}

    def rpc_getGraph(self, client: _Client) -> dict[str, Any]:
        self.events.pump(list(self.clients), wait=True)
        return {"iteration": self.clock.index, "nodes": self.events.graph_nodes()}


def _index(spec: Any, shape: tuple) -> tuple:
    """A NumPy index from a ``getTensor`` slice: per leading dim, an index or a list read as
    Python's ``slice(*list)`` (``[stop]``, ``[start, stop]`` or ``[start, stop, step]``);
    anything else (or an index out of range) is invalid params."""
    bad = RpcError(BAD_PARAMS, "slice is a list with, per leading dim, an integer index in "
                               "range or [start, stop, step] (1 to 3 integers or nulls, step "
                               "not 0)")
    if not isinstance(spec, list) or len(spec) > len(shape):
        raise bad
    index = []
    for s, n in zip(spec, shape):
        if type(s) is int:
            if not -n <= s < n:
                raise bad
            index.append(s)
        elif isinstance(s, list) and 1 <= len(s) <= 3 and all(
                v is None or (type(v) is int and -_MAX_INDEX < v < _MAX_INDEX) for v in s):
            if len(s) == 3 and s[2] == 0:
                raise bad
            index.append(builtins.slice(*s))
        else:
            raise bad
    return tuple(index)


def serve_live(**kwargs: Any) -> LiveServer:
    """Start the live channel for this process (``glassgrad run --live`` does this)."""
    return LiveServer(**kwargs).start()
