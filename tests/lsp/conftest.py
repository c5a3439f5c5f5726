"""A workspace with recorded runs, and a real client talking to the real server (pytest-lsp:
`glassgrad lsp` as a subprocess over stdio, with VS Code's recorded client capabilities)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

sys.path.insert(0, str(Path(__file__).parent))
from lsp_helpers import FAIL, NAN, TRAIN, env, record  # noqa: E402


@pytest.fixture(scope="session")
def workspace(tmp_path_factory) -> Path:
    """train.py (statistics on), nan.py (an anomaly), fail.py (a shape error), each recorded."""
    folder = tmp_path_factory.mktemp("workspace")
    record(folder, "train", TRAIN, "--stats", "full")
    record(folder, "nan", NAN, "--stats", "full")
    record(folder, "fail", FAIL)
    return folder


def open_document(client: LanguageClient, path: Path, text: str | None = None,
                  version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version,
                                             text=path.read_text() if text is None else text)))
    return uri


@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=[sys.executable, "-m", "glassgrad.cli", "lsp"], server_env=env()))
async def client(lsp_client: LanguageClient, workspace: Path):
    lsp_client.refreshes = []  # what the server asked the client to fetch again

    @lsp_client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def inlay_refresh(params: None) -> None:
        lsp_client.refreshes.append("inlayHint")

    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def lens_refresh(params: None) -> None:
        lsp_client.refreshes.append("codeLens")

    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="workspace")],
        initialization_options={"glassgrad": {"livePollSeconds": 0.2}}))
    yield
    await lsp_client.shutdown_session()
