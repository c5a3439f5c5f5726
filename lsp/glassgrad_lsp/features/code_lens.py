"""Code lenses: above each function and ``forward`` that made ops, its forward and backward time
and op count per iteration, with the command to show it in the graph view; above the first
line, the command to record the file with glassgrad."""

from __future__ import annotations

from lsprotocol import types

from ..facts import function_lenses


def register(server) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def code_lens(ls, params: types.CodeLensParams) -> list[types.CodeLens]:
        uri = params.text_document.uri
        doc = ls.document(uri)
        if doc is None:
            return []
        path, text = doc
        top = types.Range(start=types.Position(line=0, character=0),
                          end=types.Position(line=0, character=0))
        lenses = [types.CodeLens(range=top, command=types.Command(
            title="glassgrad: record this file", command="glassgrad.recordFile",
            arguments=[uri]))]
        view = ls.view(uri)
        if view is None:
            return lenses
        for line, title, first_op in function_lenses(view, ls.settings, text):
            rng = types.Range(start=types.Position(line=line - 1, character=0),
                              end=types.Position(line=line - 1, character=0))
            lenses.append(types.CodeLens(range=rng, command=types.Command(
                title=title, command="glassgrad.showGraph",
                arguments=[{"run": view.handle.path, "file": path, "line": first_op}])))
        return lenses
