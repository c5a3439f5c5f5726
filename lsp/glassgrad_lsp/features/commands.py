"""Commands (``workspace/executeCommand``), for editors and the VS Code extension:

- ``glassgrad.recordFile [uri]``: run the file under ``glassgrad run`` in its workspace folder
  (not over TCP: a connection must not start programs); the editor refreshes when it ends;
- ``glassgrad.chooseRun [uri, run path or null]``: the run a document (or, with no uri, every
  document) reads; null goes back to the newest;
- ``glassgrad.listRuns [uri]``: the runs that recorded the document, newest first;
- ``glassgrad.showGraph {run, file, line}``: editors without a graph view get the TUI command
  that shows it.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams as BadArguments  # -32602, not a failure
from pygls.uris import to_fs_path

from . import lifecycle


def _path(uri: object) -> str | None:
    if not isinstance(uri, str):
        return None
    path = to_fs_path(uri) if uri.startswith("file:") else uri
    return os.path.abspath(path) if path else None


def register(server) -> None:
    @server.command("glassgrad.listRuns")
    def list_runs(ls, *args: Any) -> list[dict]:
        path = _path(args[0]) if args else None
        if path is None:
            raise BadArguments("glassgrad.listRuns needs a document uri")
        return [{"path": i.path, "name": i.name, "status": i.status, "started": i.started,
                 "iterations": i.iterations} for i in ls.catalog.candidates(path)]

    @server.command("glassgrad.chooseRun")
    def choose_run(ls, *args: Any) -> dict:
        path = _path(args[0]) if args and args[0] is not None else "*"
        run = args[1] if len(args) > 1 else None
        if run is None:
            ls.catalog.chosen.pop(path, None)
        else:
            if not isinstance(run, str) or ls.catalog.handle(run) is None:
                raise BadArguments(f"not a readable run store: {run!r}")
            ls.catalog.chosen[path] = run
        lifecycle.refresh(ls)
        return {"document": path, "run": run}

    @server.command("glassgrad.showGraph")
    def show_graph(ls, *args: Any) -> dict:
        where = args[0] if args and isinstance(args[0], dict) else {}
        command = (f"glassgrad tui {shlex.quote(str(where.get('run', '')))}  "
                   f"(then / {os.path.basename(str(where.get('file', '')))}:"
                   f"{where.get('line', '')})")
        ls.window_show_message(types.ShowMessageParams(
            types.MessageType.Info, f"glassgrad: the graph is shown by {command}"))
        return {"command": command}

    @server.command("glassgrad.recordFile")
    async def record_file(ls, *args: Any) -> dict:
        if not ls.allow_commands:
            raise PermissionError("glassgrad.recordFile is not offered over TCP")
        path = _path(args[0]) if args else None
        if path is None or not os.path.isfile(path):
            raise BadArguments(f"not a file: {args[0] if args else None!r}")
        folder = next((f for f in ls.catalog.folders
                       if path.startswith(os.path.join(f, ""))), os.path.dirname(path))
        ls.window_show_message(types.ShowMessageParams(
            types.MessageType.Info, f"glassgrad: recording {os.path.basename(path)}"))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "glassgrad.cli", "run", path, cwd=folder,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        _, err = await proc.communicate()
        tail = err.decode(errors="replace").strip().splitlines()[-1:] if err else []
        ls.log(f"glassgrad: {os.path.basename(path)} ended with exit code {proc.returncode}"
               + (f": {tail[0]}" if tail else ""))
        lifecycle.refresh(ls)
        return {"exitCode": proc.returncode, "folder": folder}
