"""Hover: every tensor the line made in the run's iteration, with statistics and times."""

from __future__ import annotations

from lsprotocol import types

from ..facts import hover_markdown


def register(server) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls, params: types.HoverParams) -> types.Hover | None:
        view = ls.view(params.text_document.uri)
        if view is None:
            return None
        text = hover_markdown(view, ls.settings, params.position.line + 1)
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                        value=text))
