"""Workspace folders, settings, open documents, and following recording runs: when a run the
editor shows records new iterations (or ends, or a newer run appears), the server tells the
client to ask again for inlay hints and code lenses, and publishes diagnostics anew."""

from __future__ import annotations

import asyncio

from lsprotocol import types
from pygls.uris import to_fs_path

from . import diagnostics


def register(server) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict):  # settings may come here first (section "glassgrad")
            ls.configure(options.get("glassgrad", options))
        folders_changed(ls)

    @server.feature(types.INITIALIZED)
    def initialized(ls, params: types.InitializedParams) -> None:
        folders_changed(ls)
        if ls._live_task is None:
            ls._live_task = asyncio.ensure_future(follow(ls))

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def workspace_folders(ls, params: types.DidChangeWorkspaceFoldersParams) -> None:
        folders_changed(ls)
        refresh(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def configuration(ls, params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and "glassgrad" in settings:
            settings = settings["glassgrad"]
        ls.configure(settings)
        refresh(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def opened(ls, params: types.DidOpenTextDocumentParams) -> None:
        diagnostics.publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def changed(ls, params: types.DidChangeTextDocumentParams) -> None:
        diagnostics.publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def saved(ls, params: types.DidSaveTextDocumentParams) -> None:
        diagnostics.publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def closed(ls, params: types.DidCloseTextDocumentParams) -> None:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


def folders_changed(ls) -> None:
    folders = [to_fs_path(f.uri) for f in ls.workspace.folders.values()]
    if not folders and ls.workspace.root_path:
        folders = [ls.workspace.root_path]
    ls.catalog.folders = [f for f in folders if f]


def refresh(ls) -> None:
    """Ask the client to fetch inlay hints and code lenses again; republish diagnostics."""
    caps = ls.client_capabilities.workspace if ls.client_capabilities else None
    if caps and caps.inlay_hint and caps.inlay_hint.refresh_support:
        ls.workspace_inlay_hint_refresh(None)
    if caps and caps.code_lens and caps.code_lens.refresh_support:
        ls.workspace_code_lens_refresh(None)
    for uri in list(ls.workspace.text_documents):
        diagnostics.publish(ls, uri)


async def follow(ls) -> None:
    """Poll the runs being recorded; refresh the editor when one of them changed."""
    while True:
        await asyncio.sleep(ls.settings.live_poll_seconds)
        try:
            changed = ls.catalog.poll()
        except Exception as e:  # noqa: BLE001 - never let the follower die
            ls.log(f"glassgrad: following runs failed: {e}")
            continue
        if changed:
            refresh(ls)
