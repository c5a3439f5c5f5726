"""Inlay hints: the shape (and dtype when not float32) at the end of each line that made
tensors."""

from __future__ import annotations

from lsprotocol import types

from ..facts import inlay_labels


def register(server) -> None:
    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
    def inlay_hints(ls, params: types.InlayHintParams) -> list[types.InlayHint]:
        view = ls.view(params.text_document.uri)
        if view is None:
            return []
        lines = ls.workspace.get_text_document(params.text_document.uri).lines
        out = []
        for line, label, tip in inlay_labels(view, ls.settings, params.range.start.line + 1,
                                             params.range.end.line + 1):
            end = len(lines[line - 1].rstrip("\r\n")) if line <= len(lines) else 0
            out.append(types.InlayHint(position=types.Position(line=line - 1, character=end),
                                       label=label, kind=types.InlayHintKind.Type,
                                       padding_left=True, tooltip=tip))
        return out
