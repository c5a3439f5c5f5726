"""glassgrad's VS Code extension end to end, in a real VS Code: code-server (VS Code 1.139 served
on loopback) with the .vsix installed offline, driven by playwright-core in headless Chromium
(tests/e2e/vscode/scenario.mjs, keyboard first).

The scenario: open examples/debug_mlp.py, F9 on its ``# @matmul`` line, F5 with a glassgrad
launch configuration, switch the breakpoint to *Backward only* through the Breakpoints view's
Edit Mode, continue into ``matmul.backward`` at that line (Call Stack, ``grad_output`` in the
Variables view), View Tensor on ``grad_output`` (the tensor viewer draws), glassgrad: Show Graph
(the graph view draws the session's nodes), stop. Screenshots of each step go to
$GLASSGRAD_VSCODE_SCREENSHOTS (docs/images/vscode to refresh the docs' pictures), else to the
test's tmp folder.

What it needs comes from tests/e2e/vscode/setup.sh (scripts/test.sh runs it): Node 24, code-server
and playwright-core under tests/e2e/vscode/, Debian's chromium; and the .vsix that scripts/test.sh
builds (vscode-extension/glassgrad-0.1.0.vsix). Without them the test is skipped, unless
GLASSGRAD_E2E_VSCODE=1 (CI) makes that a failure.

The interpreter (sys.executable) goes into the user settings (glassgrad.python has window
scope, so it also reaches the adapter in a remote window such as code-server's).

Processes: code-server runs in its own session (setsid) and the scenario in another; both groups
are killed at the end, and then every process still carrying this run's marker in its
environment (the adapter, debugpy, the debuggee, the language server, Chromium).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from markers import line_of

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "vscode"
NODE = HERE / ".tools" / "bin" / "node"
CODE_SERVER = HERE / "node_modules" / "code-server" / "out" / "node" / "entry.js"
PLAYWRIGHT = HERE / "node_modules" / "playwright-core" / "package.json"
SCENARIO = HERE / "scenario.mjs"
VSIX = Path(os.environ.get("GLASSGRAD_VSIX") or ROOT / "vscode-extension" / "glassgrad-0.1.0.vsix")
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
EXAMPLE = ROOT / "examples" / "debug_mlp.py"
MARKER = "GLASSGRAD_E2E_VSCODE_RUN"
STEPS = 3  # training steps of the debugged run (the scenario stops in the first backward)
SCENARIO_TIMEOUT_S = 420  # the whole browser scenario; each step inside has its own bound
START_TIMEOUT_S = 90  # code-server listening

pytestmark = pytest.mark.slow


def _missing() -> list[str]:
    needs = {NODE: "Node 24", CODE_SERVER: "code-server", PLAYWRIGHT: "playwright-core",
             CHROMIUM: "chromium", VSIX: "the .vsix (npm run package --prefix vscode-extension)"}
    return [f"{what} ({path})" for path, what in needs.items() if not path.exists()]


def _require_tools() -> None:
    missing = _missing()
    if not missing:
        return
    why = "missing " + ", ".join(missing) + ": run bash tests/e2e/vscode/setup.sh"
    if os.environ.get("GLASSGRAD_E2E_VSCODE") == "1":
        pytest.fail(why)
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _marked_pids(marker: str) -> list[int]:
    """Processes whose environment holds ``MARKER=marker``: everything this run started."""
    needle = f"{MARKER}={marker}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _stop_group(proc: subprocess.Popen | None, grace_s: float = 5) -> None:
    """SIGTERM the process group ``proc`` leads (it was started with setsid), then SIGKILL."""
    if proc is None:
        return
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        # the leader is gone; helpers of its group may linger a moment
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
    if proc.poll() is None:
        proc.wait(timeout=5)


def _sweep(marker: str) -> list[int]:
    """Kill, by pid, whatever of this run is left (processes that left the groups)."""
    left = _marked_pids(marker)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in left:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and _marked_pids(marker):
            time.sleep(0.1)
        left = _marked_pids(marker)
        if not left:
            break
    return left


def _workspace(run: Path) -> tuple[Path, Path]:
    folder = run / "workspace"
    (folder / ".vscode").mkdir(parents=True)
    program = folder / "debug_mlp.py"  # imports only glassgrad (no examples/common.py)
    shutil.copy(EXAMPLE, program)
    (folder / ".vscode" / "launch.json").write_text(json.dumps({
        "version": "0.2.0",
        "configurations": [{
            "type": "glassgrad", "request": "launch", "name": "glassgrad: debug_mlp.py",
            "program": "${workspaceFolder}/debug_mlp.py", "args": ["--steps", str(STEPS)],
            "console": "internalConsole", "justMyCode": True,
        }],
    }, indent=2))
    settings = run / "user" / "User" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({
        "glassgrad.python": sys.executable,
        "debug.internalConsoleOptions": "neverOpen",
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "workbench.welcomePage.walkthroughs.openOnInstall": False,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "chat.disableAIFeatures": True,
        "chat.commandCenter.enabled": False,
        "security.workspace.trust.enabled": False,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "extensions.ignoreRecommendations": True,
        "git.enabled": False,
        "editor.minimap.enabled": False,
        "editor.fontSize": 14,
        "window.zoomLevel": 0,
    }, indent=2))
    # glassgrad.python has window scope: a user setting reaches the adapter in a remote window
    # (code-server is one) too; the scenario checks the adapter ran with this interpreter
    return folder, program


def _code_server_args(run: Path) -> list[str]:
    return [str(NODE), str(CODE_SERVER), "--config", str(run / "config.yaml"),
            "--user-data-dir", str(run / "user"), "--extensions-dir", str(run / "ext")]


def _env(run: Path, marker: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        MARKER: marker,
        "XDG_CONFIG_HOME": str(run / "xdg" / "config"),
        "XDG_DATA_HOME": str(run / "xdg" / "data"),
        "XDG_CACHE_HOME": str(run / "xdg" / "cache"),
        # no gallery: an extension lookup must never leave the machine
        "EXTENSIONS_GALLERY": json.dumps({"serviceUrl": "http://127.0.0.1:9/gallery",
                                          "itemUrl": "http://127.0.0.1:9/item"}),
        "VSCODE_CLI": "1",  # keep this PATH for the extension host (not root's login shell)
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    })
    env.pop("PYTHONPATH", None)
    return env


def _wait_listening(proc: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"code-server exited ({proc.returncode}):\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.25)
    raise AssertionError(f"code-server not listening after {START_TIMEOUT_S} s:\n"
                         f"{log.read_text()}")


def test_backward_breakpoint_variables_tensor_viewer_and_graph_in_code_server(tmp_path):
    _require_tools()
    run = tmp_path
    marker = uuid.uuid4().hex
    folder, program = _workspace(run)
    shots = Path(os.environ.get("GLASSGRAD_VSCODE_SCREENSHOTS") or run / "screenshots").resolve()
    shots.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    (run / "config.yaml").write_text(
        f"bind-addr: 127.0.0.1:{port}\nauth: none\ncert: false\n")
    env = _env(run, marker)
    base = _code_server_args(run)
    timings: dict[str, float] = {}

    server_log = run / "code-server.log"
    scenario_log = run / "scenario.log"
    server = scenario = None
    try:
        t0 = time.monotonic()
        install = subprocess.run(
            [*base, "--install-extension", str(VSIX)], env=env, cwd=run,
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
            start_new_session=True)
        assert install.returncode == 0, f"--install-extension failed:\n{install.stdout}\n" \
                                        f"{install.stderr}"
        assert list((run / "ext").glob("glassgrad.glassgrad-*")), install.stdout
        timings["install_s"] = time.monotonic() - t0

        t0 = time.monotonic()
        with server_log.open("w") as out:
            server = subprocess.Popen(
                [*base, "--bind-addr", f"127.0.0.1:{port}", "--auth", "none",
                 "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
                 "--disable-getting-started-override", "--ignore-last-opened", str(folder)],
                env=env, cwd=run, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        _wait_listening(server, port, server_log)
        timings["start_s"] = time.monotonic() - t0

        config = {
            "url": f"http://127.0.0.1:{port}/?folder={folder}",
            "file": program.name,
            "line": line_of(str(program), "# @matmul"),
            "frame": "matmul.backward",
            "screenshots": str(shots),
            "profile": str(run / "chromium"),
            "chromium": str(CHROMIUM),
            "result": str(run / "result.json"),
        }
        (run / "scenario.json").write_text(json.dumps(config, indent=2))
        t0 = time.monotonic()
        with scenario_log.open("w") as out:
            scenario = subprocess.Popen(
                [str(NODE), str(SCENARIO), str(run / "scenario.json")], env=env, cwd=HERE,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
            try:
                scenario.wait(timeout=SCENARIO_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                _stop_group(scenario, grace_s=10)
                pytest.fail(f"the scenario ran past {SCENARIO_TIMEOUT_S} s:\n"
                            f"{scenario_log.read_text()[-6000:]}\n--- code-server\n"
                            f"{server_log.read_text()[-3000:]}")
        timings["scenario_s"] = time.monotonic() - t0
    finally:
        _stop_group(scenario)
        _stop_group(server)
        left = _sweep(marker)
    assert not left, f"processes left after the groups were killed: {left}"

    output = scenario_log.read_text()
    where = (f"scenario exit {scenario.returncode}; screenshots in {shots}\n{output[-8000:]}\n"
             f"--- code-server\n{server_log.read_text()[-3000:]}")
    assert scenario.returncode == 0, where
    result = json.loads((run / "result.json").read_text())
    print(json.dumps({**result, **{k: round(v, 1) for k, v in timings.items()}}, indent=2))

    # what the page showed, as the scenario read it
    assert result["forwardStop"]["frame"] == "train", where
    assert result["mode"] == "Backward only", where
    assert result["backwardStop"]["frame"] == "matmul.backward", where
    assert result["backwardStop"]["line"] == config["line"], where
    assert "grad_output" in result["variables"], where
    assert result["variables"]["grad_output"].startswith("Tensor (64, 16) float32"), where
    assert "in backward at debug_mlp.py" in result["backwardStop"]["statusBar"], where
    # no error popped up: not at the session's end (Shift+F5), not while the server started
    errors = [n for n in result.get("notifications", []) if "glassgrad" in n.lower() and
              ("failed" in n or "error" in n.lower())]
    assert not errors, errors
    viewer = result["tensorViewer"]
    assert viewer["expression"] == "grad_output", where
    assert viewer["meta"].startswith("(64, 16) float32"), where
    assert min(viewer["heatmap"]) > 0 and viewer["bars"] > 0, where
    graph = result["graph"]
    assert graph["ops"] >= 7 and graph["leaves"] >= 2 and graph["edges"] > 0, where
    assert any(f"{program.name}:{config['line']}" in label for label in graph["labels"]), where
    # the adapter and the language server ran with the interpreter of the settings
    channel = "".join(p.read_text() for p in (run / "user" / "logs").rglob("*-glassgrad.log"))
    assert f"Debug adapter for 'glassgrad: debug_mlp.py': {sys.executable} -m" in channel, channel
    assert f"Language server: {sys.executable} -m glassgrad.cli lsp" in channel, channel
    # Backward only: the next stop is the next iteration's matmul.backward, not its forward
    assert result["nextStop"]["frame"] == "matmul.backward", where
    for name in ("breakpoint-in-backward", "variables-grad-output", "tensor-viewer",
                 "graph-view"):
        assert (shots / f"{name}.png").stat().st_size > 10_000, name
