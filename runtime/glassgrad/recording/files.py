"""Run store files: where new ones go, how to tell a store glassgrad made, which old ones may go.

Pruning deletes files, so it trusts nothing but proof: only inside the runs folder, only
regular files (no symlinks) whose header or metadata shows glassgrad wrote them, never a store
whose path the user named, and never one whose run is still being written.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
import time
from pathlib import Path

from .store_process import APPLICATION_ID

DEFAULT_ROOT = os.path.join(".glassgrad", "runs")
# a running program's writer commits (and refreshes run.heartbeat) at least every few seconds;
# a store whose heartbeat is older than this and that never recorded its end belongs to a run
# that died
STALE_SECONDS = 60.0
_SQLITE_MAGIC = b"SQLite format 3\x00"
SUFFIXES = ("", "-wal", "-shm", "-journal")


def new_store_path(root: str, name: str | None) -> str:
    """``<root>/<YYYYmmdd-HHMMSS>-<name>-<pid>.db``; ``name`` defaults to the script's."""
    os.makedirs(root, exist_ok=True)
    name = name or os.path.splitext(os.path.basename(sys.argv[0] or "run"))[0] or "run"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return os.path.join(root, f"{stamp}-{name}-{os.getpid()}.db")


def sqlite_uri(path: str, mode: str = "ro") -> str:
    """A URI opening ``path`` whatever characters it holds (``?``, ``#``, ``%``, spaces)."""
    return Path(path).absolute().as_uri() + f"?mode={mode}"


def is_run_store(path: str) -> bool:
    """Whether ``path`` is a run store glassgrad wrote: schema 2 and later carry glassgrad's
    SQLite application id; schema 1 stores are recognised by their meta and run tables."""
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError:
        return False
    if len(head) < 100 or not head.startswith(_SQLITE_MAGIC):
        return False
    if int.from_bytes(head[68:72], "big") == APPLICATION_ID:
        return True
    try:
        conn = sqlite3.connect(sqlite_uri(path), uri=True, timeout=1)
        try:
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                                   ).fetchone()
            cols = {r[1] for r in conn.execute("PRAGMA table_info(run)")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return version is not None and version[0] == "1" and {"glassgrad", "heartbeat",
                                                          "schema_version"} <= cols


def run_alive(pid: int | None, ended: float | None, heartbeat: float | None,
              host: str | None = None) -> bool:
    """Whether a store's run may still be writing: it has not ended, and its process exists
    (on this host) or its heartbeat is recent."""
    if ended is not None:
        return False
    if heartbeat is not None and time.time() - heartbeat > STALE_SECONDS:
        return False
    if host is not None and host != socket.gethostname():
        return heartbeat is not None  # another machine's process: trust a fresh heartbeat
    return _pid_alive(pid)


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_row(path: str) -> sqlite3.Row | None:
    try:
        conn = sqlite3.connect(sqlite_uri(path), uri=True, timeout=1)
        try:
            conn.row_factory = sqlite3.Row
            return conn.execute("SELECT * FROM run WHERE id = 1").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _named(path: str) -> bool:
    row = _run_row(path)
    return row is not None and "named" in row.keys() and bool(row["named"])


def _prunable(path: str) -> bool:
    """A proven glassgrad store, not named by the user, whose run is over."""
    if os.path.islink(path) or not os.path.isfile(path) or not is_run_store(path):
        return False
    row = _run_row(path)
    if row is None:
        return False
    keys = row.keys()
    if "named" in keys and row["named"]:
        return False
    return not run_alive(row["pid"], row["ended"], row["heartbeat"],
                         row["host"] if "host" in keys else None)


def prune(root: str, keep: int) -> list[str]:
    """Delete the oldest finished run stores directly in ``root`` so that at most ``keep``
    remain (counting every store there); returns the deleted paths."""
    try:
        names = os.listdir(root)
    except OSError:
        return []
    stores = [os.path.join(root, n) for n in names if n.endswith(".db")]
    stores = [p for p in stores if os.path.isfile(p) and not os.path.islink(p)
              and is_run_store(p) and not _named(p)]  # stores the user named do not count
    stores.sort(key=os.path.getmtime)
    excess = len(stores) - max(keep, 0)
    deleted = []
    for path in stores:
        if excess <= 0:
            break
        if not _prunable(path):
            continue
        for suffix in SUFFIXES:
            try:
                os.remove(path + suffix)
            except FileNotFoundError:
                pass
        deleted.append(path)
        excess -= 1
    return deleted
