"""Writing a run store: one SQLite file per run, filled by a writer thread.

The training thread only puts rows on a bounded queue (``put`` never blocks and takes no lock:
when the queue is full the row is dropped and counted, and the count is stored in the run). The
writer thread batches rows into transactions and commits several times a second, so readers
(WAL mode) see the run while it goes on, and a run killed with SIGKILL leaves everything
committed before.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections import deque
from importlib import resources
from typing import Any

from .events import SCHEMA_VERSION

_COLUMNS = {
    "ops": 12, "edges": 4, "tensors": 17, "backward": 12, "steps": 5, "anomalies": 15,
    "modules": 8, "errors": 11,
}
_INSERT = {t: f"INSERT OR REPLACE INTO {t} VALUES ({', '.join('?' * n)})"
           for t, n in _COLUMNS.items()}
_ITERATION = ("INSERT INTO iterations (iter, started, ended, loss, recorded, n_ops, n_backward,"
              " forward_ns, backward_ns, anomalies) VALUES (?,?,?,?,?,?,?,?,?,?)"
              " ON CONFLICT(iter) DO UPDATE SET started=excluded.started,"
              " ended=excluded.ended, loss=excluded.loss, recorded=excluded.recorded,"
              " n_ops=excluded.n_ops, n_backward=excluded.n_backward,"
              " forward_ns=excluded.forward_ns, backward_ns=excluded.backward_ns,"
              " anomalies=excluded.anomalies")
_STOP = object()
COMMIT_SECONDS = 0.25


def schema_sql() -> str:
    return resources.files(__package__).joinpath("schema.sql").read_text()


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class StoreWriter:
    """Owns one run's database; rows arrive through ``put`` from any thread.

    The queue is a ``collections.deque`` (appends are atomic, so the training thread takes no
    lock); the writer thread drains it, so a full queue (``buffer`` rows waiting) means the
    disk is slower than the run, and further rows are dropped and counted."""

    def __init__(self, path: str, run: dict[str, Any], buffer: int = 200_000) -> None:
        self.path = path
        self.dropped = 0
        self.buffer = max(int(buffer), 1)
        self.queue: deque = deque()
        self._wake = threading.Event()
        conn = connect(path)
        with conn:
            conn.executescript(schema_sql())
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                         (str(SCHEMA_VERSION),))
            cols = ", ".join(run)
            conn.execute(f"INSERT OR REPLACE INTO run (id, {cols}) VALUES "
                         f"(1, {', '.join('?' * len(run))})", tuple(run.values()))
        conn.close()
        self._sources: set[str] = set()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="glassgrad-store", daemon=True)
        self._thread.start()

    # producer side ------------------------------------------------------------------------------
    def put(self, table: str, row: tuple) -> None:
        """Queue a row; never blocks the caller (a full queue drops and counts it)."""
        q = self.queue
        if len(q) < self.buffer:
            q.append((table, row))
        else:
            self.dropped += 1

    def put_wait(self, table: str, row: tuple) -> None:
        """Queue a row that must not be lost (iteration summaries, anomalies, errors): it is
        queued even past the buffer's bound (such rows are few)."""
        self.queue.append((table, row))

    def close(self, **run_update: Any) -> None:
        self.queue.append((_STOP, run_update))
        self._wake.set()
        self._thread.join()

    # writer thread ----------------------------------------------------------------------------
    def _run(self) -> None:
        conn = connect(self.path)
        q = self.queue
        pending: dict[str, list] = {}
        n_pending = 0
        last = time.monotonic()
        final: dict[str, Any] | None = None
        while final is None:
            try:
                while n_pending < 20_000:
                    table, row = q.popleft()
                    if table is _STOP:
                        final = row
                        break
                    rows = pending.get(table)
                    if rows is None:
                        rows = pending[table] = []
                    rows.append(row)
                    n_pending += 1
            except IndexError:  # drained: wait a little for more
                if final is None and time.monotonic() - last < COMMIT_SECONDS:
                    self._wake.wait(0.02)
                    self._wake.clear()
            if final is not None or n_pending >= 20_000 or \
                    time.monotonic() - last >= COMMIT_SECONDS:
                try:
                    self._commit(conn, pending)
                except sqlite3.Error as e:  # a full disk must not kill the run: count and go on
                    self._error = e
                    self.dropped += n_pending
                pending, n_pending = {}, 0
                last = time.monotonic()
        with conn:
            final = dict(final)
            final["dropped"] = self.dropped
            final["heartbeat"] = time.time()
            sets = ", ".join(f"{k} = ?" for k in final)
            conn.execute(f"UPDATE run SET {sets} WHERE id = 1", tuple(final.values()))
        conn.close()

    def _commit(self, conn: sqlite3.Connection, pending: dict[str, list]) -> None:
        with conn:
            for table, rows in pending.items():
                if table == "iterations":
                    conn.executemany(_ITERATION, rows)
                elif table == "sources":
                    conn.executemany("INSERT OR REPLACE INTO sources VALUES (?,?,?,?)",
                                     [_source_row(p) for (p,) in rows if p not in self._sources
                                      and os.path.isfile(p)])
                    self._sources.update(p for (p,) in rows)
                else:
                    conn.executemany(_INSERT[table], rows)
            conn.execute("UPDATE run SET heartbeat = ?, dropped = ? WHERE id = 1",
                         (time.time(), self.dropped))


def _source_row(path: str) -> tuple:
    with open(path, "rb") as f:
        data = f.read()
    st = os.stat(path)
    return (path, hashlib.sha256(data).hexdigest(), st.st_size, st.st_mtime)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
