"""The language server object: pygls's ``LanguageServer`` with glassgrad's state (settings, the
run catalog), built by ``build_server`` with one module per feature registering itself.

It runs beside a Python language server (Pylance, pyright, jedi, ruff): it only offers hover,
inlay hints, diagnostics, code lenses and a few commands, all from the runs glassgrad recorded.
"""

from __future__ import annotations

import asyncio
import os
import stat
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .catalog import Catalog
from .facts import View, view_of
from .settings import Settings

NAME = "glassgrad"
MAX_UNOPENED = 16 << 20  # bytes of a document read from disk


class GlassgradServer(LanguageServer):
    def __init__(self) -> None:
        from glassgrad import __version__

        super().__init__(NAME, __version__)
        self.settings = Settings()
        self.catalog = Catalog(lambda: self.settings.runs_folder, self.log)
        self.allow_commands = True  # running programs (glassgrad.recordFile): not over TCP
        self._live_task: asyncio.Task | None = None

    # helpers for the features ---------------------------------------------------------------
    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        """A line in the client's output (never an error the editor shows as a failure)."""
        try:
            self.window_log_message(types.LogMessageParams(kind, message))
        except Exception:  # noqa: BLE001 - no client yet, or it went away
            pass

    def document(self, uri: str) -> tuple[str, str] | None:
        """(absolute file path, buffer text) of a ``file:`` document: the editor's buffer, or
        for a document the editor did not open, the file when it is a readable regular file
        of at most ``MAX_UNOPENED`` bytes (never a FIFO, a device or a folder)."""
        path = to_fs_path(uri)
        if not path:
            return None
        doc = self.workspace.get_text_document(uri)
        try:
            if doc.version is None:  # not opened by the editor: pygls would read the path
                st = os.stat(path)
                if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_UNOPENED:
                    return None
            return os.path.abspath(path), doc.source
        except (OSError, ValueError):  # gone, unreadable, not UTF-8, a NUL in the path
            return None

    def view(self, uri: str) -> View | None:
        """The document seen through the run it reads (None: no run recorded it)."""
        doc = self.document(uri)
        if doc is None:
            return None
        path, text = doc
        try:
            handle = self.catalog.run_for(path)
            return None if handle is None else view_of(handle, path, text)
        except Exception as e:  # noqa: BLE001 - a store that broke under us: say so, go on
            self.log(f"glassgrad: cannot read the run of {path}: {e}",
                     types.MessageType.Warning)
            return None

    def configure(self, raw: Any) -> None:
        self.settings, problems = self.settings.updated(raw)
        for p in problems:
            self.log(p, types.MessageType.Warning)

    def shutdown_catalog(self) -> None:
        self.catalog.close()


def build_server() -> GlassgradServer:
    from .features import code_lens, commands, diagnostics, graph, hover, inlay_hints, lifecycle

    server = GlassgradServer()
    for feature in (lifecycle, hover, inlay_hints, diagnostics, code_lens, commands, graph):
        feature.register(server)
    return server
