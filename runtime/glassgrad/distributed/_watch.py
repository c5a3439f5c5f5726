"""Hangs and dead ranks made visible.

Every collective is waited on with a deadline. While a rank waits, it checks every half second
that its peers on the same host are alive and have not ended their program; past ``timeout``
it asks every rank where it is (a request file in the job's folder, answered by each rank's
watchdog thread: the collective it waits in, or the line its main thread runs), and raises
an error that lists every rank's collective and ``file:line``. The folder holds one small JSON
file per rank; it is shared by the ranks through the file system (the launcher's folder, or
one rank 0 made), never through sockets of glassgrad's own.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from typing import Any

from .._callsite import is_internal

CHECK_SECONDS = 0.5
POLL_SECONDS = 0.2


class DistributedError(RuntimeError):
    """A collective could not complete: see the subclasses."""

    def __init__(self, message: str, ranks: dict[int, dict] | None = None) -> None:
        super().__init__(message)
        self.ranks = ranks or {}  # what every rank reported: {rank: state}


class CollectiveTimeoutError(DistributedError):
    """Ranks waited in a collective longer than the timeout (a hang)."""


class CollectiveMismatchError(DistributedError):
    """Ranks called different collectives (or the same one on different sizes) at once."""


class RankGoneError(DistributedError):
    """A peer rank died or ended its program while this rank waits for it."""


def user_frame(frame: Any) -> tuple[str, int, str] | None:
    """The innermost frame outside glassgrad, from ``frame`` outwards."""
    while frame is not None:
        code = frame.f_code
        if not is_internal(code.co_filename) and not code.co_filename.startswith("<frozen"):
            return (code.co_filename, frame.f_lineno, code.co_name)
        frame = frame.f_back
    return None


def describe(c: dict | None) -> str:
    if c is None:
        return "-"
    site = c.get("site")
    where = f"{site[0]}:{site[1]} in {site[2]}" if site else "<unknown>"
    what = c["name"] + (f" #{c['seq']}" if c.get("seq") is not None else "")
    detail = ", ".join(str(x) for x in (c.get("dtype"), c.get("shape") and tuple(c["shape"]),
                                        c.get("op")) if x)
    return f"{what} ({detail}) at {where}" if detail else f"{what} at {where}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (dead, not yet reaped by the launcher) is gone for us
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


class Watch:
    """One process group's deadlines, liveness checks and hang reports."""

    def __init__(self, rank: int, size: int, timeout: float, folder: str | None,
                 peers: list[tuple[str, int]]) -> None:
        self.rank, self.size, self.timeout = rank, size, timeout
        self.folder = folder
        self.peers = peers  # (host, pid) per rank
        self.host = socket.gethostname()
        self.current: dict | None = None  # the collective this rank waits in now
        self.last: dict | None = None
        self.waited = 0.0  # seconds spent waiting in collectives (all of them)
        self._main = threading.main_thread().ident
        self._answered: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if folder is not None and size > 1:
            self._thread = threading.Thread(target=self._watchdog, name="glassgrad-dist-watch",
                                            daemon=True)
            self._thread.start()

    # waiting -----------------------------------------------------------------------------------
    def wait(self, req: Any, info: dict) -> None:
        """Wait for ``req``, checking peers and the deadline; raise with every rank's state."""
        if req.test():
            self.last = info
            return
        t0 = time.monotonic()
        info["t0"] = t0
        self.current = info
        delay, check = 0.0, t0 + CHECK_SECONDS
        try:
            while not req.test():
                now = time.monotonic()
                if now >= check:
                    self._check(info, now - t0)
                    check = now + CHECK_SECONDS
                time.sleep(delay)
                delay = min(delay * 2 or 2e-5, 1e-3)
        finally:
            self.waited += time.monotonic() - t0
            self.current = None
            self.last = info

    def _check(self, info: dict, waited: float) -> None:
        gone = self._gone_peers()
        if gone:
            states = self.gather(info, grace=1.0)
            lines = []
            for r in gone:
                st = states.get(r)
                if st is not None and st.get("state") == "exited":
                    lines.append(f"rank {r} has ended its program (last collective: "
                                 f"{describe(st.get('last'))})")
                else:
                    lines.append(f"rank {r} (pid {self.peers[r][1]}) is gone: it died or was "
                                 "killed" + (f" (last seen {describe(st.get('last'))})"
                                             if st and st.get("last") else ""))
            msg = (f"rank {self.rank} waits in {describe(info)} but " + "; ".join(lines) +
                   "\n" + self.report(states))
            raise RankGoneError(msg, states)
        if waited > self.timeout:
            states = self.gather(info, grace=min(5.0, max(self.timeout, 1.0)))
            names = {(s.get("collective") or {}).get("name") for s in states.values()
                     if s.get("state") == "collective"}
            seqs = {(s.get("collective") or {}).get("seq") for s in states.values()
                    if s.get("state") == "collective"}
            kind = "different collectives" if len(names) > 1 or len(seqs) > 1 else None
            msg = (f"collective timeout: rank {self.rank} waited {waited:.1f} s (timeout "
                   f"{self.timeout:g} s) in {describe(info)}"
                   + (f"; the ranks are in {kind}" if kind else "") + "\n" + self.report(states))
            raise CollectiveTimeoutError(msg, states)

    def _gone_peers(self) -> list[int]:
        return [r for r, (host, pid) in enumerate(self.peers)
                if r != self.rank and host == self.host and not _alive(pid)]

    # every rank's state --------------------------------------------------------------------
    def state(self) -> dict:
        """Where this rank is: in a collective, or running a line of its program."""
        cur = self.current
        st: dict[str, Any] = {"rank": self.rank, "pid": os.getpid(), "host": self.host,
                              "t": time.time(), "last": _plain(self.last)}
        if cur is not None:
            st["state"] = "collective"
            st["collective"] = _plain(cur)
            st["waiting"] = time.monotonic() - cur.get("t0", time.monotonic())
        else:
            frame = sys._current_frames().get(self._main)
            st["state"] = "running"
            st["where"] = user_frame(frame)
        return st

    def write_state(self, state: dict | None = None) -> None:
        if self.folder is None:
            return
        path = os.path.join(self.folder, f"rank-{self.rank}.json")
        tmp = path + f".{os.getpid()}.tmp"
        try:
            with open(tmp, "w") as f:
                json.dump(state or self.state(), f)
            os.replace(tmp, path)
        except OSError:
            pass

    def gather(self, info: dict, grace: float) -> dict[int, dict]:
        """Ask every rank where it is (through the folder) and collect the answers."""
        own = self.state()
        own.update(state="collective", collective=_plain(info))
        states = {self.rank: own}
        if self.folder is None:
            return states
        self.write_state(own)
        try:
            with open(os.path.join(self.folder, "request.tmp"), "w") as f:
                json.dump({"rank": self.rank, "t": time.time()}, f)
            os.replace(os.path.join(self.folder, "request.tmp"),
                       os.path.join(self.folder, "request"))
        except OSError:
            pass
        asked = time.time()
        deadline = time.monotonic() + grace
        while True:
            for r in range(self.size):
                if r in states and r != self.rank:
                    continue
                st = _read(os.path.join(self.folder, f"rank-{r}.json"))
                if st is not None and r != self.rank and (
                        st.get("t", 0) >= asked - 0.05 or st.get("state") == "exited"):
                    states[r] = st
            if len(states) == self.size or time.monotonic() > deadline:
                return states
            time.sleep(0.05)

    def report(self, states: dict[int, dict]) -> str:
        lines = []
        for r in range(self.size):
            st = states.get(r)
            if st is None:
                host, pid = self.peers[r] if r < len(self.peers) else ("?", "?")
                alive = host != self.host or _alive(int(pid))
                lines.append(f"  rank {r}: no answer (pid {pid} on {host}"
                             f"{'' if alive else ', gone'})")
            elif st.get("state") == "collective":
                lines.append(f"  rank {r}: in {describe(st.get('collective'))}"
                             + (f", waiting {st['waiting']:.1f} s" if st.get("waiting") else ""))
            elif st.get("state") == "exited":
                lines.append(f"  rank {r}: ended its program (last collective: "
                             f"{describe(st.get('last'))})")
            else:
                w = st.get("where")
                at = f"{w[0]}:{w[1]} in {w[2]}" if w else "<unknown>"
                lines.append(f"  rank {r}: not in a collective, running {at} (last "
                             f"collective: {describe(st.get('last'))})")
        return "\n".join(lines)

    # the watchdog thread ---------------------------------------------------------------------
    def _watchdog(self) -> None:
        req = os.path.join(self.folder, "request")
        while not self._stop.wait(POLL_SECONDS):
            try:
                t = os.stat(req).st_mtime
            except OSError:
                continue
            if self._answered != t:
                self._answered = t
                self.write_state()

    def close(self, exited: bool = True) -> None:
        self._stop.set()
        if exited:
            st = {"rank": self.rank, "pid": os.getpid(), "host": self.host, "t": time.time(),
                  "state": "exited", "last": _plain(self.last)}
            self.write_state(st)


def _plain(c: dict | None) -> dict | None:
    if c is None:
        return None
    return {k: v for k, v in c.items() if k != "t0"}


def _read(path: str) -> dict | None:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
