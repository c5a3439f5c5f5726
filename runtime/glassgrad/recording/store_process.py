"""The run store's writer process: rows come in on stdin, go into SQLite, answers go out on stdout.

Why a process and not a thread: Python's sqlite3 releases the GIL around every row it steps,
and a thread that gives the GIL up waits a whole switch interval (5 ms) to get it back while
the training thread computes. A writer thread therefore managed about 200 rows a second under
a tight training loop, fell minutes behind and dropped rows. This process has its own GIL and
its own core; the recording process only pickles batches (``marshal``) and writes them to a
pipe, once every ~0.1 s.

It runs as ``python -I -S store_process.py`` and imports nothing but the standard library (no
glassgrad, no NumPy), so it starts in a few tens of milliseconds. It ignores SIGINT, SIGTERM
and SIGHUP: it ends when its input ends, after committing everything it received, so a
recording process killed by any signal (SIGKILL included) leaves every row it had sent.

Protocol, recording process -> writer (stdin): frames of a 4-byte little-endian length and a
``marshal`` payload, one of

  ("open", path, run, meta)     create the store (schema, run row); answer "ready" or "error ..."
  ("rows", [(table, row), ...]) rows to insert
  ("run", {column: value})      update the run row
  ("sync", n)                   commit now, then answer "sync n"
  ("close", {column: value})    final run update, commit, checkpoint, exit

Writer -> recording process (stdout): one line per answer. End of input without "close" (the
recording process died): commit, mark the run ended and ``incomplete``, exit.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import select
import signal
import sqlite3
import struct
import sys
import time

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema.sql")
APPLICATION_ID = 0x67677264  # 'ggrd': PRAGMA application_id of every glassgrad run store
APPLICATION = "glassgrad run store"
COMMIT_SECONDS = 0.25      # commit at least this often while rows arrive
HEARTBEAT_SECONDS = 5.0    # refresh run.heartbeat this often while nothing arrives
MAX_PENDING = 50_000       # rows held before a commit is forced
MAX_SOURCE = 1 << 20       # source text kept per file

COLUMNS = {"ops": 12, "edges": 4, "tensors": 17, "backward": 12, "anomalies": 15,
           "modules": 8, "errors": 11, "iterations": 14, "sketches": 14}
INSERT = {t: f"INSERT OR REPLACE INTO {t} VALUES ({', '.join('?' * n)})"
          for t, n in COLUMNS.items()}


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class Writer:
    """Applies frames to one store."""

    def __init__(self) -> None:
        self.conn: sqlite3.Connection | None = None
        self.pending: dict[str, list] = {}
        self.n_pending = 0
        self.dropped = 0          # rows lost here (a failed commit)
        self.parent_dropped = 0   # rows the recording process dropped (sent with "run")
        self.error: str | None = None
        self.sources: set[str] = set()
        self.last_commit = time.monotonic()

    # frames ---------------------------------------------------------------------------------
    def open(self, path: str, run: dict, meta: dict) -> None:
        conn = self.conn = connect(path)
        with open(SCHEMA) as f:
            schema = f.read()
        conn.execute("BEGIN")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        _script(conn, schema)
        for key, value in {"application": APPLICATION, **meta}.items():
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(value)))
        cols = ", ".join(run)
        conn.execute(f"INSERT OR REPLACE INTO run (id, {cols}) VALUES "
                     f"(1, {', '.join('?' * len(run))})", tuple(run.values()))
        conn.execute("COMMIT")

    def rows(self, rows: list) -> None:
        pending = self.pending
        for table, row in rows:
            bucket = pending.get(table)
            if bucket is None:
                bucket = pending[table] = []
            bucket.append(row)
        self.n_pending += len(rows)

    def update_run(self, values: dict) -> None:
        if "dropped" in values:
            self.parent_dropped = values.pop("dropped")
        self.pending.setdefault("_run", []).append(values)

    def commit(self) -> None:
        pending, n = self.pending, self.n_pending
        self.pending, self.n_pending = {}, 0
        self.last_commit = time.monotonic()
        conn = self.conn
        try:
            conn.execute("BEGIN")
            _op_stats(conn, pending.get("ops", ()), pending.get("backward", ()))
            for table, rows in pending.items():
                if table == "_run":
                    for values in rows:
                        _update_run(conn, values)
                elif table == "sources":
                    conn.executemany("INSERT OR REPLACE INTO sources VALUES (?,?,?,?,?)",
                                     [r for r in map(self._source, rows) if r is not None])
                else:
                    conn.executemany(INSERT[table], rows)
            _update_run(conn, {"heartbeat": time.time(),
                               "dropped": self.parent_dropped + self.dropped})
            conn.execute("COMMIT")
        except sqlite3.Error as e:  # a full disk must not end the recording: count, go on
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self.dropped += n
            self.fail(f"{type(e).__name__}: {e}")

    def fail(self, message: str) -> None:
        """Keep the first failure in the run and report it once on stderr."""
        if self.error is not None:
            return
        self.error = message
        print(f"glassgrad: the run store writer failed ({message}); training goes on, "
              "rows are dropped and counted", file=sys.stderr, flush=True)
        try:
            _update_run(self.conn, {"writer_error": message})
        except sqlite3.Error:
            pass

    def finish(self, values: dict) -> None:
        self.update_run(values)
        self.commit()
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        self.conn.close()

    def _source(self, row: tuple) -> tuple | None:
        path = row[0]
        if path in self.sources or not os.path.isfile(path):
            return None
        self.sources.add(path)
        try:
            with open(path, "rb") as f:
                data = f.read()
            st = os.stat(path)
        except OSError:
            return None
        text = None
        if len(data) <= MAX_SOURCE:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
        return (path, hashlib.sha256(data).hexdigest(), st.st_size, st.st_mtime, text)


_OP_STATS = ("INSERT INTO op_stats VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET"
             " count = count + excluded.count, forward_ns = forward_ns + excluded.forward_ns,"
             " backward_ns = backward_ns + excluded.backward_ns,"
             " iterations = iterations + excluded.iterations"
             "   - (excluded.first_iter <= last_iter),"  # an iteration counted by a batch before
             " last_iter = max(last_iter, excluded.last_iter)")


def _op_stats(conn: sqlite3.Connection, ops: list, backward: list) -> None:
    """Add a batch's ops and backward nodes to the per call site totals."""
    agg: dict[tuple, list] = {}
    for r in ops:  # (seq, iter, op, has_node, file, line, func, module, thread, t, dur, out)
        key = (r[2], r[4] or "", r[5], r[7] or "")
        a = agg.get(key)
        if a is None:
            a = agg[key] = [0, 0, 0, set()]
        a[0] += 1
        a[1] += r[10] or 0
        a[3].add(r[1])
    for r in backward:  # (id, iter, node, op, file, line, func, module, t, dur, gout, gin)
        key = (r[3], r[4] or "", r[5], r[7] or "")
        a = agg.get(key)
        if a is None:
            a = agg[key] = [0, 0, 0, set()]
        a[2] += r[9] or 0
        a[3].add(r[1])
    if agg:
        conn.executemany(_OP_STATS, [(*k, n, f, b, len(its), min(its), max(its))
                                     for k, (n, f, b, its) in agg.items()])


def _script(conn: sqlite3.Connection, schema: str) -> None:
    """Run the DDL statement by statement inside the open transaction (executescript
    would commit first)."""
    code = "\n".join(line.split("--", 1)[0] for line in schema.splitlines())
    for statement in code.split(";"):
        if statement.strip():
            conn.execute(statement)


def _update_run(conn: sqlite3.Connection, values: dict) -> None:
    if values:
        sets = ", ".join(f"{k} = ?" for k in values)
        conn.execute(f"UPDATE run SET {sets} WHERE id = 1", tuple(values.values()))


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _answer(line: str) -> None:
    os.write(1, (line + "\n").encode())


def main() -> int:
    for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, signal.SIG_IGN)
    fd = 0
    writer = Writer()
    while True:
        wait = HEARTBEAT_SECONDS if not writer.n_pending else \
            max(COMMIT_SECONDS - (time.monotonic() - writer.last_commit), 0)
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:  # nothing arrived: commit what waits, or refresh the heartbeat
            if writer.conn is not None:
                writer.commit()
            continue
        header = _read_exact(fd, 4)
        payload = _read_exact(fd, struct.unpack("<I", header)[0]) if header else None
        if payload is None:  # the recording process is gone without closing the run
            if writer.conn is not None:
                writer.finish({"ended": time.time(), "status": "incomplete"})
            return 0
        frame = marshal.loads(payload)
        kind = frame[0]
        if kind == "rows":
            writer.rows(frame[1])
        elif kind == "run":
            writer.update_run(dict(frame[1]))
        elif kind == "sync":
            writer.commit()
            _answer(f"sync {frame[1]}")
            continue
        elif kind == "close":
            writer.finish(dict(frame[1]))
            _answer("closed")
            return 0
        elif kind == "open":
            try:
                writer.open(frame[1], frame[2], frame[3])
            except (sqlite3.Error, OSError) as e:
                _answer(f"error {type(e).__name__}: {e}")
                return 1
            _answer("ready")
            continue
        if writer.n_pending >= MAX_PENDING or \
                time.monotonic() - writer.last_commit >= COMMIT_SECONDS or \
                not select.select([fd], [], [], 0)[0]:
            writer.commit()


if __name__ == "__main__":
    sys.exit(main())
