"""Writing a run store: the recording process's side of the writer process (store_process.py).

The training thread only appends rows to a deque (``put`` takes no lock and never blocks; past
``buffer`` waiting rows it drops and counts them). A sender thread wakes every
``FLUSH_SECONDS``, packs what waits with ``marshal`` and writes it to the writer process's
pipe; the writer commits within ``COMMIT_SECONDS``. So what the program did a second ago is
readable by other processes, whatever the training thread is doing, and a program killed by
any signal leaves everything it had sent.
"""

from __future__ import annotations

import marshal
import os
import select
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections import deque
from contextlib import nullcontext
from typing import Any

from . import store_process

FLUSH_SECONDS = 0.1
START_TIMEOUT = 30.0
_CTL = object()  # marks a control item in the queue: (_CTL, frame)
_MAX_FRAME_ROWS = 100_000


class StoreError(OSError):
    """The run store could not be created (folder not writable, writer not starting)."""


_writers: weakref.WeakSet = weakref.WeakSet()


class StoreWriter:
    """Owns one run store through its writer process; rows arrive through ``put``."""

    def __init__(self, path: str, run: dict[str, Any], meta: dict[str, Any] | None = None,
                 buffer: int = 1_000_000) -> None:
        self.path = path
        self.buffer = max(int(buffer), 1)
        self.dropped = 0
        self.queue: deque = deque()
        self.busy = 0.0  # seconds the sender held the GIL packing rows (the recorder's cost)
        self.failed: str | None = None
        self._wake = threading.Event()
        self._acks: dict[int, threading.Event] = {}
        self._sync_ids = iter(range(1, 1 << 62))
        self._reported_dropped = 0
        self._pid = os.getpid()
        self._proc, self._out, self._in = _spawn()
        try:
            self._send(("open", path, run, meta or {}))
            answer = self._answer(START_TIMEOUT)
        except OSError as e:
            answer = f"error {e}"
        if answer != "ready":
            self._reap(kill=True)
            raise StoreError(f"cannot create the run store {path}: "
                             f"{(answer or 'writer did not start').removeprefix('error ')}")
        self._thread = threading.Thread(target=self._send_loop, name="glassgrad-store",
                                        daemon=True)
        self._thread.start()
        _writers.add(self)

    # producer side (any thread) ---------------------------------------------------------------
    def put(self, table: str, row: tuple) -> bool:
        """Queue a row; never blocks (past ``buffer`` rows it drops it: returns False)."""
        q = self.queue
        if len(q) < self.buffer:
            q.append((table, row))
            return True
        self.dropped += 1
        return False

    def put_wait(self, table: str, row: tuple) -> None:
        """Queue a row that must not be lost (iteration summaries, anomalies, errors): it is
        queued even past the buffer's bound (such rows are few)."""
        if self.failed:
            self.dropped += 1
        else:
            self.queue.append((table, row))

    def backlogged(self) -> bool:
        """Whether the writer is behind: more than half the buffer waits."""
        return 2 * len(self.queue) > self.buffer

    def update_run(self, **values: Any) -> None:
        self.queue.append((_CTL, ("run", values)))
        self._wake.set()

    def sync(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is committed (False on timeout or failure)."""
        if self.failed or not self._thread.is_alive():
            return False
        n = next(self._sync_ids)
        done = self._acks[n] = threading.Event()
        self.queue.append((_CTL, ("sync", n)))
        self._wake.set()
        ok = done.wait(timeout)
        self._acks.pop(n, None)
        return ok and not self.failed

    def close(self, timeout: float = 60.0, **run_update: Any) -> None:
        """Send the final run update and wait until the writer has committed everything."""
        if os.getpid() != self._pid:
            return
        self.queue.append((_CTL, ("close", run_update)))
        self._wake.set()
        self._thread.join(timeout)
        self._reap(kill=self._thread.is_alive())
        if self.failed:  # the writer could not take the end: write it from here
            self._write_run(**run_update, dropped=self.dropped)

    # sender thread ----------------------------------------------------------------------------
    def _send_loop(self) -> None:
        q = self.queue
        while True:
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            try:
                while q:
                    t0 = time.perf_counter()
                    rows, ctl = [], None
                    while q and len(rows) < _MAX_FRAME_ROWS:
                        item = q.popleft()
                        if item[0] is _CTL:
                            ctl = item[1]
                            break
                        rows.append(item)
                    if self.dropped != self._reported_dropped:
                        self._reported_dropped = self.dropped
                        self._send(("run", {"dropped": self.dropped}))
                    if rows:
                        self._send(("rows", rows), t0)
                    if ctl is not None:
                        self._send(ctl)
                        if ctl[0] == "sync":
                            ok = self._answer(30.0) == f"sync {ctl[1]}"
                            done = self._acks.get(ctl[1])
                            if done is not None and ok:
                                done.set()
                        elif ctl[0] == "close":
                            self._answer(60.0)
                            return
            except OSError as e:  # the writer died: report once, drop from now on
                self._fail(f"the run store writer stopped ({e})")
                return

    def _send(self, frame: tuple, t0: float | None = None) -> None:
        data = marshal.dumps(frame)
        if t0 is not None:
            self.busy += time.perf_counter() - t0
        view = memoryview(struct.pack("<I", len(data)) + data)
        while view:
            n = os.write(self._in, view)
            view = view[n:]

    def _answer(self, timeout: float) -> str | None:
        """The writer's next answer line, or None on timeout or end of its output."""
        line = b""
        deadline = time.monotonic() + timeout
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._out], [], [], left)[0]:
                return None
            chunk = os.read(self._out, 1)
            if not chunk:
                return None
            line += chunk
        return line[:-1].decode()

    def _fail(self, message: str) -> None:
        if self.failed is None:
            self.failed = message
            self.buffer = 0  # every later row is dropped and counted
            print(f"glassgrad: {message}; training goes on without recording",
                  file=sys.stderr, flush=True)
            lost = sum(1 for item in list(self.queue) if item[0] is not _CTL)
            self.queue.clear()
            self.dropped += lost
            self._write_run(writer_error=message, dropped=self.dropped)
        for done in self._acks.values():
            done.set()

    def _write_run(self, **values: Any) -> None:
        """Update the run row from this process, once the writer is gone (best effort)."""
        try:
            conn = sqlite3.connect(self.path, timeout=5)
            try:
                with conn:
                    sets = ", ".join(f"{k} = ?" for k in values)
                    conn.execute(f"UPDATE run SET {sets} WHERE id = 1", tuple(values.values()))
            finally:
                conn.close()
        except sqlite3.Error:
            pass

    def _reap(self, kill: bool) -> None:
        for fd in (self._in, self._out):
            try:
                os.close(fd)
            except OSError:
                pass
        self._in = self._out = -1
        if kill:
            self._proc.kill()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()

    def _forked(self) -> None:
        """In a forked child: this store belongs to the parent; never write to it."""
        for fd in (self._in, self._out):
            try:
                os.close(fd)
            except OSError:
                pass
        self._in = self._out = -1
        self.queue = deque()
        self.buffer = 0
        self.failed = "forked"
        self._proc.returncode = 0  # not this process's child: nothing to wait for


def _spawn() -> tuple[subprocess.Popen, int, int]:
    """Start the writer process; returns it, the fd to read its answers, the fd to write to."""
    to_child, to_writer = os.pipe()
    from_writer, to_parent = os.pipe()
    # a debugger that follows subprocesses (debugpy's subProcess) must not attach to it
    monkey = sys.modules.get("_pydev_bundle.pydev_monkey")
    skip = getattr(monkey, "skip_subprocess_arg_patch", None)
    try:
        with skip() if skip is not None else nullcontext():
            proc = subprocess.Popen([sys.executable, "-I", "-S", store_process.__file__],
                                    stdin=to_child, stdout=to_parent, close_fds=True,
                                    cwd=os.getcwd())
    except OSError as e:
        for fd in (to_child, to_writer, from_writer, to_parent):
            os.close(fd)
        raise StoreError(f"cannot start the run store writer: {e}") from e
    os.close(to_child)
    os.close(to_parent)
    return proc, from_writer, to_writer


def _after_fork_in_child() -> None:
    for w in list(_writers):
        w._forked()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
