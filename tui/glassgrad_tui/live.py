"""A live program, through its live channel: the graph of the current iteration as it grows,
where the program stopped, and the controls (pause, resume, step, breakpoints, tensor values).

A reader thread takes every message from the WebSocket and folds events into the model under
a lock; the screen polls ``version`` a few times a second, so a program making thousands of
ops a second never floods the UI, and the program itself never waits on the UI (the channel
drops what a slow client cannot take) unless it is stopped.
"""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Any

import numpy as np

from glassgrad.recording.live import LIVE_DIR, read_info

from .graph_model import GraphModel, Node
from .source import read_source

REQUEST_TIMEOUT = 10.0


class LiveError(Exception):
    """Cannot attach (no live program, refused) or a request failed; the message says why."""


class LiveSource:
    live = True

    def __init__(self, info: dict[str, Any], ws: Any) -> None:
        self.info = info
        self.ws = ws
        self.lock = threading.Lock()
        self.model = GraphModel(0)
        self.iteration = 0
        self.stop: dict[str, Any] | None = None
        self.breakpoints: dict[tuple[str, int], str] = {}
        self.connected = True
        self.closed_reason: str | None = None
        self.version = 0           # bumped on every change the screen should show
        self.events: list[dict[str, Any]] = []  # this iteration's op and backward events
        self.grads: dict[int, dict[str, Any]] = {}  # node seq -> its grad_output ref
        self._stack = contextlib.ExitStack()
        self._ids = iter(range(1, 1 << 62))
        self._pending: dict[int, list] = {}
        self._reader = threading.Thread(target=self._read, name="glassgrad-tui-live",
                                        daemon=True)
        self._reader.start()

    @classmethod
    def connect(cls, pid: int | None = None, directory: str = LIVE_DIR) -> LiveSource:
        """Attach to ``pid`` (default: the newest live program of the folder)."""
        from websockets.exceptions import InvalidStatus, WebSocketException
        from websockets.sync.client import connect

        try:
            info = read_info(pid, directory)
        except (OSError, ValueError) as e:
            raise LiveError(f"cannot attach: {e}") from e
        url = f"ws://{info['host']}:{info['port']}"
        stack = contextlib.ExitStack()  # the connection lives as long as the source
        try:
            ws = stack.enter_context(connect(
                url, additional_headers={"Authorization": f"Bearer {info['token']}"},
                open_timeout=5, max_size=None))
        except InvalidStatus as e:
            raise LiveError(f"program {info['pid']} refused the connection "
                            f"(HTTP {e.response.status_code})") from e
        except (OSError, WebSocketException, TimeoutError) as e:
            raise LiveError(f"cannot reach program {info['pid']} at {url}: {e}") from e
        source = cls(info, ws)
        source._stack = stack
        try:
            status = source.request("status")
            source.request("subscribe")
            graph = source.request("getGraph")
        except LiveError:
            source.close()
            raise
        with source.lock:
            source.iteration = status.get("iteration", 0)
            source.stop = status.get("stop")
            for bp in status.get("breakpoints", []):
                source.breakpoints[(bp["file"], bp["line"])] = bp["phase"]
            source.model = GraphModel(graph.get("iteration", source.iteration))
            for event in graph.get("nodes", []):
                source._add_op(event)
            source.version += 1
        return source

    @property
    def name(self) -> str:
        return f"pid {self.info['pid']}"

    @property
    def run_path(self) -> str | None:
        """The run store the program records into, when it does."""
        return self.info.get("run")

    def close(self) -> None:
        try:
            self._stack.close()
        except Exception:  # noqa: BLE001 - closing a connection that is gone
            pass

    # requests ---------------------------------------------------------------------------------
    def request(self, method: str, params: dict[str, Any] | None = None,
                timeout: float = REQUEST_TIMEOUT) -> Any:
        if not self.connected:
            raise LiveError(f"not connected: {self.closed_reason}")
        rid = next(self._ids)
        slot: list = [threading.Event(), None]
        self._pending[rid] = slot
        message = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params:
            message["params"] = params
        try:
            self.ws.send(json.dumps(message))
        except Exception as e:  # noqa: BLE001 - the connection is gone
            self._pending.pop(rid, None)
            raise LiveError(f"{method}: the connection is lost ({e})") from e
        if not slot[0].wait(timeout):
            self._pending.pop(rid, None)
            raise LiveError(f"{method}: no answer in {timeout:.0f} s")
        reply = slot[1]
        if reply is None:
            raise LiveError(f"{method}: the connection is lost ({self.closed_reason})")
        if "error" in reply:
            raise LiveError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result")

    def pause(self) -> None:
        self.request("pause")

    def resume(self) -> None:
        with self.lock:
            self.stop = None
            self.version += 1
        self.request("resume")

    def step(self, unit: str) -> None:
        with self.lock:
            self.stop = None
            self.version += 1
        self.request("step", {"unit": unit})

    def toggle_breakpoint(self, file: str, line: int) -> str | None:
        """Cycle the breakpoint at ``file:line``: none -> forward -> backward -> both -> none.
        Returns the new phase (None: removed)."""
        order = [None, "forward", "backward", "both"]
        with self.lock:
            phase = order[(order.index(self.breakpoints.get((file, line))) + 1) % 4]
            wanted = dict(self.breakpoints)
        if phase is None:
            wanted.pop((file, line), None)
        else:
            wanted[(file, line)] = phase
        result = self.request("setBreakpoints", {"breakpoints": [
            {"file": f, "line": n, "phase": p} for (f, n), p in wanted.items()]})
        with self.lock:
            self.breakpoints = {(b["file"], b["line"]): b["phase"]
                                for b in result.get("breakpoints", [])}
            self.version += 1
        return phase

    def tensor_values(self, tensor_id: int, index: list[int] | None = None,
                      max_elements: int = 100_000) -> tuple[dict[str, Any], np.ndarray]:
        """A tensor's values (the 2-D slice at ``index`` of its leading dims), as the program
        holds them now."""
        params: dict[str, Any] = {"id": tensor_id, "maxElements": max_elements}
        if index:
            params["slice"] = list(index)
        result = self.request("getTensor", params)
        values = [float(v) if isinstance(v, str) else v for v in result["values"]]
        array = np.asarray(values, dtype=np.float64)
        shape = tuple(result["sliceShape"])
        if not result["truncated"] and array.size == int(np.prod(shape, dtype=np.int64)):
            array = array.reshape(shape)
        return result, array

    # what the screens read ------------------------------------------------------------------
    def detail(self, model: GraphModel, seq: int) -> dict[str, Any]:
        node = model.nodes[seq]
        inputs = []
        for idx, src, tid in node.inputs:
            if src is not None:
                inputs.append({"idx": idx, "src": src, "tensor": model.nodes[src].tensor,
                               "label": f"{model.nodes[src].op} #{src}"})
            else:
                inputs.append({"idx": idx, "src": None, "tensor": model.leaves.get(tid),
                               "label": "leaf"})
        return {"node": node, "inputs": inputs, "grad": self.grads.get(seq), "anomalies": [],
                "source": read_source(node.file)}

    def timeline(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.events)

    # the reader thread ------------------------------------------------------------------------
    def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            while True:
                message = json.loads(self.ws.recv())
                for m in message if isinstance(message, list) else [message]:
                    self._handle(m)
        except ConnectionClosed as e:
            self.closed_reason = "the program ended or closed the connection" \
                if e.rcvd is None or e.rcvd.code in (1000, 1001) else str(e)
        except Exception as e:  # noqa: BLE001 - anything else ends this connection only
            self.closed_reason = f"{type(e).__name__}: {e}"
        finally:
            self.closed_reason = self.closed_reason or "the program ended"
            with self.lock:
                self.connected = False
                self.version += 1
            for slot in list(self._pending.values()):
                slot[0].set()

    def _handle(self, m: dict[str, Any]) -> None:
        if "id" in m and ("result" in m or "error" in m):
            slot = self._pending.pop(m["id"], None)
            if slot is not None:
                slot[1] = m
                slot[0].set()
            return
        params = m.get("params") or {}
        with self.lock:
            if m.get("method") == "stopped":
                self.stop = params
            elif m.get("method") == "event":
                self._event(params)
            else:
                return
            self.version += 1

    def _event(self, e: dict[str, Any]) -> None:
        kind = e.get("type")
        if kind == "iteration":
            self.iteration = e["iteration"]
            self.model = GraphModel(self.iteration)
            self.events = []
            self.grads = {}
        elif kind == "op":
            self._add_op(e)
            self.events.append({"phase": "forward", "seq": e.get("seq"), "op": e["op"],
                                "file": e.get("file"), "line": e.get("line"),
                                "module": e.get("module"), "t": None,
                                "ns": e.get("duration_ns") or 0, "node": e.get("seq") is not None})
        elif kind == "backward":
            self.model.set_backward(e["node"], e.get("duration_ns") or 0)
            refs = [g for g in e.get("grad_output") or [] if g]
            if refs:
                self.grads[e["node"]] = refs[0]
            self.events.append({"phase": "backward", "seq": e["node"], "op": e["op"],
                                "file": e.get("file"), "line": e.get("line"),
                                "module": e.get("module"), "t": None,
                                "ns": e.get("duration_ns") or 0, "node": True})
        elif kind == "module_enter":
            self.model.set_module_type(e["path"], e["module"])

    def _add_op(self, e: dict[str, Any]) -> None:
        if e.get("seq") is None or e["seq"] in self.model.nodes:
            return
        out = e.get("output") or None
        inputs = [(i, None, tid) for i, tid in enumerate(e.get("inputs") or []) if tid is not None]
        self.model.add_node(Node(seq=e["seq"], op=e["op"], file=e.get("file"),
                                 line=e.get("line"), func=e.get("function"),
                                 module=e.get("module"), output=out["id"] if out else None,
                                 tensor=out, forward_ns=e.get("duration_ns")), inputs)
