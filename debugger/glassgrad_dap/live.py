"""``glassgrad/op`` events: the debuggee's live channel (runtime/glassgrad/recording/live.py)
relayed to the IDE as DAP events while the program runs (launch with ``"liveOps": true``)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from .logs import MessageLog


class LiveBridge:
    def __init__(self, pid: int, cwd: str, emit: Callable[[str, dict], None],
                 log: MessageLog, timeout: float = 30.0) -> None:
        self.pid, self.cwd, self.emit, self.log, self.timeout = pid, cwd, emit, log, timeout
        self._stop = threading.Event()
        self._conn: Any = None

    def start(self) -> LiveBridge:
        threading.Thread(target=self._run, name="dap-live", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass

    def _run(self) -> None:
        from websockets.sync.client import connect

        path = os.path.join(self.cwd, ".glassgrad", "live", f"{self.pid}.json")
        deadline = time.monotonic() + self.timeout
        info = None
        while info is None and not self._stop.is_set() and time.monotonic() < deadline:
            try:
                with open(path) as f:
                    info = json.load(f)
            except (OSError, ValueError):
                self._stop.wait(0.05)
        if info is None:
            self.log.write("live!", f"no live channel at {path}")
            return
        try:
            self._conn = connect(f"ws://{info['host']}:{info['port']}",
                                 additional_headers={"Authorization": f"Bearer {info['token']}"})
            self._conn.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscribe"}))
            for raw in self._conn:
                if self._stop.is_set():
                    break
                msg = json.loads(raw)
                for note in msg if isinstance(msg, list) else [msg]:  # batched notifications
                    if note.get("method") == "event":
                        self.emit("glassgrad/op", note["params"])
        except Exception as e:  # the program ended or the channel closed
            self.log.write("live!", f"{type(e).__name__}: {e}")
