"""Which run a document reads, and the run stores kept open for it.

A document reads the newest run whose recorded sources include its file, found in the runs
folder of each workspace folder and of the folders above the file, unless a run was chosen
(``glassgrad.chooseRun``). Listings are cached per runs folder until the folder changes (a new
store appears). Stores that cannot be read (corrupt, newer schema, deleted) are skipped with
one log line each, never an error for the editor.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from glassgrad import runs

MAX_OPEN = 16  # run stores kept open at once (the least recently used is closed)


@dataclass
class Listing:
    mtime: float
    runs: list[runs.RunInfo]


@dataclass
class RunHandle:
    """An open run store and what was read from it, dropped when the run changes."""

    path: str
    run: runs.Run
    running: bool
    cursor: dict[str, int] | None = None
    cache: dict[Any, Any] = field(default_factory=dict)
    version: int = 0

    def close(self) -> None:
        self.run.close()


class Catalog:
    def __init__(self, runs_folder: Callable[[], str], log: Callable[[str], None]) -> None:
        self.runs_folder = runs_folder     # the setting, read each time
        self.log = log
        self.folders: list[str] = []       # workspace folders
        self.chosen: dict[str, str] = {}   # file (or "*": every file) -> run store path
        self._listings: dict[str, Listing] = {}
        self._handles: dict[str, RunHandle] = {}
        self._bad: set[str] = set()        # stores already reported unreadable

    # finding runs -----------------------------------------------------------------------------
    def roots_for(self, file: str) -> list[str]:
        """Runs folders a file's runs may be in: each workspace folder's, then those of the
        file's own folder and the folders above it."""
        rel = self.runs_folder()
        roots = [os.path.join(f, rel) for f in self.folders]
        folder = os.path.dirname(os.path.abspath(file))
        while True:
            roots.append(os.path.join(folder, rel))
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        seen, out = set(), []
        for r in roots:
            r = os.path.abspath(r)
            if r not in seen and os.path.isdir(r):
                seen.add(r)
                out.append(r)
        return out

    def listing(self, root: str) -> list[runs.RunInfo]:
        """The runs of a folder, newest first (cached while the folder is unchanged)."""
        try:
            mtime = os.stat(root).st_mtime
        except OSError:
            return []
        cached = self._listings.get(root)
        if cached is not None and cached.mtime == mtime:
            return cached.runs
        found = []
        for name in os.listdir(root):
            if not name.endswith(".db"):
                continue
            path = os.path.join(root, name)
            try:
                with runs.Run(path) as run:
                    found.append(run.info)
            except (runs.RunStoreError, Exception) as e:  # noqa: BLE001 - any bad store
                if path not in self._bad:
                    self._bad.add(path)
                    self.log(f"glassgrad: skipping {path}: {e}")
        found.sort(key=lambda i: i.started, reverse=True)
        self._listings[root] = Listing(mtime, found)
        return found

    def candidates(self, file: str) -> list[runs.RunInfo]:
        """Runs whose recorded sources include ``file``, newest first."""
        out = []
        for root in self.roots_for(file):
            for info in self.listing(root):
                handle = self.handle(info.path)
                if handle is not None and handle.cache.get(("has", file)) is None:
                    handle.cache[("has", file)] = handle.run.db.execute(
                        "SELECT 1 FROM sources WHERE path = ?", (file,)).fetchone() is not None
                if handle is not None and handle.cache[("has", file)]:
                    out.append(info)
        out.sort(key=lambda i: i.started, reverse=True)
        return out

    def run_for(self, file: str) -> RunHandle | None:
        """The run a document reads: the chosen one, else the newest that recorded it."""
        chosen = self.chosen.get(file) or self.chosen.get("*")
        if chosen is not None:
            return self.handle(chosen)
        found = self.candidates(file)
        return self.handle(found[0].path) if found else None

    # open stores --------------------------------------------------------------------------------
    def handle(self, path: str) -> RunHandle | None:
        handle = self._handles.pop(path, None)
        if handle is None:
            try:
                run = runs.Run(path)
                running = run.info.running
            except (runs.RunStoreError, Exception) as e:  # noqa: BLE001 - any bad store
                if path not in self._bad:
                    self._bad.add(path)
                    self.log(f"glassgrad: cannot read {path}: {e}")
                return None
            handle = RunHandle(path, run, running)
            if running:
                handle.cursor = run.changes(limit=1)["cursor"]
        self._handles[path] = handle  # most recently used last
        while len(self._handles) > MAX_OPEN:
            _, old = next(iter(self._handles.items()))
            del self._handles[old.path]
            old.close()
        return handle

    def poll(self) -> list[RunHandle]:
        """Runs that changed since the last poll (a recording run's new iterations, anomalies,
        errors, or its end); their caches are dropped."""
        changed = []
        for handle in list(self._handles.values()):
            if not handle.running:
                continue
            try:
                new = handle.run.changes(handle.cursor, limit=1000)
            except Exception as e:  # noqa: BLE001 - the store went away or broke
                self.log(f"glassgrad: {handle.path} cannot be read any more: {e}")
                self._handles.pop(handle.path, None)
                handle.close()
                continue
            handle.cursor = new["cursor"]
            ended = [i for i in new["iterations"] if i["ended"] is not None]
            if ended or new["anomalies"] or new["errors"] or not new["info"].running:
                handle.running = new["info"].running
                handle.cache.clear()
                handle.version += 1
                changed.append(handle)
        for root, listing in list(self._listings.items()):  # a new run of a document
            try:
                if os.stat(root).st_mtime != listing.mtime:
                    changed.append(None)  # type: ignore[arg-type] - "look again"
                    break
            except OSError:
                pass
        return changed

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()
