"""Diagnostics: NaN/Inf anomalies and errors at their forward line (with where the bad value's
inputs came from), exploding and vanishing gradients and dead activations as warnings.
Published when a document opens or changes and when its run changes; a run without them clears
them."""

from __future__ import annotations

import asyncio

from lsprotocol import types
from pygls.uris import from_fs_path

from glassgrad import runs

from ..facts import findings

SEVERITY = {"error": types.DiagnosticSeverity.Error,
            "warning": types.DiagnosticSeverity.Warning,
            "information": types.DiagnosticSeverity.Information}


def register(server) -> None:
    pass  # published by lifecycle's document and run events


def publish(ls, uri: str) -> None:
    """Compute the document's diagnostics off the event loop (on a big run they take a moment:
    hover and inlay hints must not wait), then publish them."""
    view = ls.view(uri)
    if view is None:
        _send(ls, uri, None, [])
        return
    settings = ls.settings

    def compute() -> list:
        try:
            with runs.Run(view.handle.path) as run:
                return findings(view, settings, run)
        except Exception as e:  # noqa: BLE001 - a broken store never breaks the editor
            ls.log(f"glassgrad: diagnostics of {uri}: {e}")
            return []

    async def later() -> None:
        found = await asyncio.get_running_loop().run_in_executor(None, compute)
        _send(ls, uri, view, found)

    asyncio.ensure_future(later())


def _send(ls, uri: str, view, found: list) -> None:
    items = []
    if view is not None and uri in ls.workspace.text_documents:
        lines = ls.workspace.get_text_document(uri).lines
        for f in found:
            text = lines[f.line - 1] if f.line <= len(lines) else ""
            start = len(text) - len(text.lstrip())
            rng = types.Range(start=types.Position(line=f.line - 1, character=start),
                              end=types.Position(line=f.line - 1,
                                                 character=len(text.rstrip("\r\n"))))
            related = [types.DiagnosticRelatedInformation(
                location=types.Location(uri=from_fs_path(file), range=types.Range(
                    start=types.Position(line=line - 1, character=0),
                    end=types.Position(line=line - 1, character=0))), message=msg)
                for file, line, msg in f.related if line]
            items.append(types.Diagnostic(range=rng, message=f.message, source="glassgrad",
                                          code=f.code, severity=SEVERITY[f.severity],
                                          related_information=related or None))
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri,
                                                                        diagnostics=items))
