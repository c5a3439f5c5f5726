"""The language server end to end: a real client (pytest-lsp, VS Code's capabilities) and the
real `glassgrad lsp` over stdio, on runs recorded from real scripts."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from conftest import open_document
from lsp_helpers import env, line_of
from lsprotocol import types
from pytest_lsp import LanguageClient


def position(line: int, character: int = 4) -> types.Position:
    return types.Position(line=line - 1, character=character)


async def hover(client: LanguageClient, uri: str, line: int) -> str | None:
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position(line)))
    return None if result is None else result.contents.value


async def hints(client: LanguageClient, uri: str, last: int = 200) -> dict[int, str]:
    result = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0),
                          end=types.Position(line=last, character=0))))
    return {h.position.line + 1: h.label for h in result or []}


async def diagnostics(client: LanguageClient, uri: str, timeout: float = 10.0,
                      want=lambda d: True) -> list[types.Diagnostic]:
    deadline = time.monotonic() + timeout
    while True:
        found = client.diagnostics.get(uri)
        if found is not None and want(found):
            return list(found)
        if time.monotonic() > deadline:
            raise AssertionError(f"no such diagnostics for {uri}: {found}")
        await asyncio.sleep(0.05)


async def test_hover_shows_the_tensors_a_line_made(client, workspace):
    path = workspace / "train.py"
    uri = open_document(client, path)
    text = await hover(client, uri, line_of(path, "HIDDEN-LINE"))
    assert text is not None and "**glassgrad**" in text and "iteration" in text
    assert "`linear`" in text and "`relu`" in text and "`(32, 16)` float32 cpu" in text
    assert "Net.fc1" in text  # the module path
    assert "gradient" in text and "forward" in text and "backward" in text
    assert await hover(client, uri, 1) is None  # a line that made nothing


async def test_inlay_hints_give_shapes_at_line_ends(client, workspace):
    path = workspace / "train.py"
    uri = open_document(client, path)
    found = await hints(client, uri)
    assert found[line_of(path, "HIDDEN-LINE")] == "(32, 16)"
    assert found[line_of(path, "OUT-LINE")] == "(32, 3)"
    assert found[line_of(path, "LOSS-LINE")] == "()"
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"glassgrad": {"inlayHints": {"verbosity": "full"}}}))
    full = await hints(client, uri)
    assert full[line_of(path, "HIDDEN-LINE")].startswith("(32, 16) float32 · fw ")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"glassgrad": {"inlayHints": {"enabled": False, "verbosity": "shape"}}}))
    assert await hints(client, uri) == {}
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"glassgrad": {"inlayHints": {"enabled": True}}}))


async def test_diagnostics_anomaly_with_its_sources_and_error(client, workspace):
    path = workspace / "nan.py"
    uri = open_document(client, path)
    found = await diagnostics(client, uri, want=lambda d: len(d) > 0)
    nan = [d for d in found if d.code == "nonfinite-forward"]
    assert len(nan) == 1 and nan[0].severity == types.DiagnosticSeverity.Error
    assert nan[0].range.start.line + 1 == line_of(path, "SQRT-LINE")
    assert "sqrt" in nan[0].message and "NaN" in nan[0].message
    related = {(r.location.range.start.line + 1) for r in nan[0].related_information}
    assert line_of(path, "SHIFT-LINE") in related  # the bad value's input came from there
    path = workspace / "fail.py"
    uri = open_document(client, path)
    found = await diagnostics(client, uri, want=lambda d: len(d) > 0)
    assert found[0].code == "error" and found[0].range.start.line + 1 == \
        line_of(path, "SHAPE-LINE")
    assert "OpError" in found[0].message and "matmul" in found[0].message


async def test_code_lenses_above_functions_and_forward(client, workspace):
    path = workspace / "train.py"
    uri = open_document(client, path)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    by_line = {}
    for lens in lenses:
        by_line.setdefault(lens.range.start.line + 1, []).append(lens.command)
    record = by_line[1][0]
    assert record.command == "glassgrad.recordFile" and list(record.arguments) == [uri]
    forward = line_of(path, "def forward")
    (cmd,) = by_line[forward]
    assert cmd.title.startswith("glassgrad: 3 ops · forward ") and "backward" in cmd.title
    assert cmd.command == "glassgrad.showGraph"
    assert cmd.arguments[0]["line"] == line_of(path, "HIDDEN-LINE")
    assert line_of(path, "def train") in by_line  # train() calls forward: it has ops too


async def test_staleness_maps_lines_through_an_edit_or_hides(client, workspace):
    path = workspace / "train.py"
    text = path.read_text()
    edited = "# a new first line\n# and a second\n" + text.replace(
        "        return self.fc2(h)  # OUT-LINE", "        return self.fc2(h * 2)  # OUT-LINE")
    uri = open_document(client, path)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
    found = await hints(client, uri)
    hidden = line_of(path, "HIDDEN-LINE") + 2
    assert found[hidden] == "≈ (32, 16)"  # moved with the edit, marked stale
    assert line_of(path, "OUT-LINE") + 2 not in found  # an edited line: its result is gone
    text_hover = await hover(client, uri, hidden)
    assert "stale" in text_hover
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"glassgrad": {"stale": "hide"}}))
    assert await hints(client, uri) == {}
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"glassgrad": {"stale": "mark"}}))
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    assert (await hints(client, uri))[line_of(path, "HIDDEN-LINE")] == "(32, 16)"


LONG = '''import time
import glassgrad as gg

w = gg.ones(6, 2, requires_grad=True)
for step in range(100000):
    h = gg.ones(3, 6) @ w  # LIVE-LINE
    h.sum().backward()
    w.grad = None
    time.sleep(0.01)
'''


async def test_live_update_while_a_run_records(client, tmp_path):
    path = tmp_path / "long.py"
    path.write_text(LONG)
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(
            added=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="live")], removed=[])))
    uri = open_document(client, path)
    assert await hints(client, uri) == {}  # nothing recorded yet
    proc = subprocess.Popen([sys.executable, "-m", "glassgrad.cli", "run", "long.py"],
                            cwd=tmp_path, env=env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:  # the client is told to refresh; it asks again and gets the shapes
            found = await hints(client, uri)
            if found.get(line_of(path, "LIVE-LINE")) == "(3, 2)":
                break
            assert time.monotonic() < deadline, found
            await asyncio.sleep(0.2)
        assert "codeLens" in client.refreshes  # (VS Code's capabilities: no inlay refresh)
    finally:
        proc.kill()
        proc.wait(10)


async def test_commands_list_and_choose_runs(client, workspace):
    path = workspace / "train.py"
    uri = open_document(client, path)
    runs = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="glassgrad.listRuns", arguments=[uri]))
    assert len(runs) == 1 and "train" in runs[0]["name"]
    chosen = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="glassgrad.chooseRun", arguments=[uri, runs[0]["path"]]))
    assert chosen["run"] == runs[0]["path"]
    assert (await hints(client, uri))[line_of(path, "HIDDEN-LINE")] == "(32, 16)"
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="glassgrad.chooseRun", arguments=[uri, None]))


async def test_bad_stores_are_logged_never_an_error(client, workspace, tmp_path):
    runs = tmp_path / ".glassgrad" / "runs"
    runs.mkdir(parents=True)
    (runs / "junk.db").write_bytes(b"not sqlite" * 50)
    (tmp_path / "alone.py").write_text("x = 1\n")
    uri = open_document(client, tmp_path / "alone.py")
    assert await hover(client, uri, 1) is None
    assert await hints(client, uri) == {}
    deadline = time.monotonic() + 5
    while not any("junk.db" in m.message for m in client.log_messages):
        assert time.monotonic() < deadline, [m.message for m in client.log_messages]
        await asyncio.sleep(0.05)


LOOP = '''import glassgrad as gg

w = gg.ones(4, 2, requires_grad=True)
for step in range(2):
    total = 0.0
    for n in (2, 3, 5):  # one iteration: the line runs three times, with three shapes
        h = gg.ones(n, 4) @ w  # LOOP-LINE
        total = total + h.sum()
    total.backward()
'''


async def test_a_line_in_a_loop_says_how_its_shape_varied(client, tmp_path):
    path = tmp_path / "loop.py"
    path.write_text(LOOP)
    uri = open_document(client, path)
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="glassgrad.recordFile", arguments=[uri]))  # recorded by the server itself
    assert result["exitCode"] == 0
    line = line_of(path, "LOOP-LINE")
    found = await hints(client, uri)
    assert found[line] == "(5, 2) (shape varies: hover)"
    text = await hover(client, uri, line)
    assert "`matmul` (2, 2) ×1" in text and "`matmul` (3, 2) ×1" in text and \
        "`matmul` (5, 2) ×1" in text


async def test_multi_root_workspaces_read_their_own_runs(client, workspace, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "train.py").write_text(LOOP.replace("(2, 3, 5)", "(7,)"))
    subprocess.run([sys.executable, "-m", "glassgrad.cli", "run", "train.py"], cwd=other,
                   env=env(), capture_output=True, timeout=60, check=True)
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(
            added=[types.WorkspaceFolder(uri=other.as_uri(), name="other")], removed=[])))
    here = await hints(client, open_document(client, workspace / "train.py"))
    there = await hints(client, open_document(client, other / "train.py"))
    assert here[line_of(workspace / "train.py", "HIDDEN-LINE")] == "(32, 16)"
    assert there[line_of(other / "train.py", "LOOP-LINE")] == "(7, 2)"


def test_graph_requests_for_views_without_a_debug_session(workspace, tmp_path):
    """Over raw JSON (the result keys include `from`, which a Python client would rename)."""
    from lsp_server import LspServer

    server = LspServer(str(tmp_path))
    channel = server.client()
    uri = (workspace / "train.py").as_uri()
    listed = channel.call("glassgrad/runs", {"uri": uri})["result"]
    assert {r["name"].split("-")[2] for r in listed} == {"train", "nan", "fail"}
    graph = channel.call("glassgrad/graph", {"uri": uri})["result"]
    assert graph["phase"] == "recorded" and "train" in graph["run"]
    ops = {n["op"] for n in graph["nodes"]}
    assert {"linear", "relu", "log_softmax", "nll_loss"} <= ops
    by_id = {n["id"]: n for n in graph["nodes"]}
    loss = next(n for n in graph["nodes"] if n["op"] == "nll_loss")
    assert graph["roots"] == [loss["id"]] and loss["name"] == "NllLossBackward"
    into_loss = [e for e in graph["edges"] if e["to"] == loss["id"]]
    assert by_id[into_loss[0]["from"]]["op"] == "log_softmax"
    assert into_loss[0]["shape"] == [32, 3]
    assert all(e["from"] in by_id or e["from"].startswith("t") for e in graph["edges"])
    assert any(leaf["shape"] == [16, 8] for leaf in graph["leaves"])  # fc1's weight
    small = channel.call("glassgrad/graph", {"run": graph["run"], "maxNodes": 2})["result"]
    assert small["truncated"] and len(small["nodes"]) == 2 and small["totalNodes"] > 2
    missing = channel.call("glassgrad/graph", {"run": str(tmp_path / "none.db")})
    assert missing["error"]["message"]  # an error, answered
    channel.close()
    server.proc.wait(10)
