"""The TUI attached to a live program (`glassgrad run --live`), driven by Textual's Pilot: the
graph grows, pause, step backward nodes, a breakpoint, resume, and the program's end."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from tui_helpers import env

from glassgrad_tui.app import build_app
from glassgrad_tui.screens.live import LiveRunScreen
from glassgrad_tui.screens.runs import RunsScreen

LONG = '''import sys, time
import glassgrad as gg
from glassgrad import nn

gg.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
opt = gg.optim.SGD(model.parameters(), lr=0.01)
x, y = gg.randn(16, 4), gg.randn(16, 1)
deadline = time.time() + float(sys.argv[1])
while time.time() < deadline:
    out = model(x)  # FORWARD-LINE
    loss = ((out - y) ** 2).mean()  # LOSS-LINE
    opt.zero_grad()
    loss.backward()
    opt.step()
    time.sleep(0.005)
print("done", flush=True)
'''

SIZE = (110, 34)


def _line(marker: str) -> int:
    return next(i for i, text in enumerate(LONG.splitlines(), 1) if marker in text)


@pytest.fixture
def live_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "long.py").write_text(LONG)
    proc = subprocess.Popen([sys.executable, "-m", "glassgrad.cli", "run", "--live", "long.py",
                             "20"], cwd=tmp_path, env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    monkeypatch.chdir(tmp_path)
    deadline = time.time() + 30
    while not list((tmp_path / ".glassgrad" / "live").glob("*.json")):
        assert time.time() < deadline and proc.poll() is None, "no live channel"
        time.sleep(0.05)
    yield proc
    proc.kill()
    proc.wait(10)


async def wait_until(pilot, predicate, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def test_attach_pause_step_backward_breakpoint_resume_and_the_end(live_program):
    app = build_app(attach=live_program.pid)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, LiveRunScreen)

        def bar() -> str:
            return str(screen.query_one("#live-bar").content)

        await wait_until(pilot, lambda: screen.model is not None and len(screen.model) >= 6,
                         what="the graph to grow")
        await pilot.press("p")  # pause
        await wait_until(pilot, lambda: "stopped (pause" in bar(), what="the stop shown")
        seen = []
        for _ in range(2):  # step two backward nodes
            await pilot.press("k")
            await wait_until(pilot, lambda: screen.live.stop is not None and
                             screen.live.stop.get("phase") == "backward" and
                             screen.live.stop.get("node") not in seen, what="a backward stop")
            seen.append(screen.live.stop["node"])
        stop = screen.live.stop
        await wait_until(pilot, lambda: screen.selected == stop["node"] and
                         f"long.py:{stop['line']}" in bar(), what="the stopped node selected")
        node = screen.model.nodes[stop["node"]]
        assert node.file.endswith("long.py") and node.line in (_line("FORWARD-LINE"),
                                                              _line("LOSS-LINE"))
        assert "backward" in bar()
        await pilot.press("x")  # a forward breakpoint on the stopped node's line
        assert screen.live.breakpoints == {(node.file, node.line): "forward"}
        await pilot.press("p")  # resume: the breakpoint stops it in forward
        await wait_until(pilot, lambda: screen.live.stop is not None and
                         screen.live.stop.get("reason") == "breakpoint", what="the breakpoint")
        assert screen.live.stop["line"] == node.line
        for _ in range(3):  # off: backward, both, none
            await pilot.press("x")
        assert screen.live.breakpoints == {}
        await pilot.press("p")
        await wait_until(pilot, lambda: screen.live.stop is None, what="running again")
        live_program.kill()
        await wait_until(pilot, lambda: not screen.live.connected, what="the disconnect")
        await wait_until(pilot, lambda: "disconnected" in bar(), what="the disconnect shown")
        assert len(screen.model) >= 6  # the last state is kept


async def test_the_run_list_offers_live_programs(live_program):
    app = build_app(root="nowhere")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        kinds = [kind for kind, _ in screen.rows]
        assert kinds[0] == "live"
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, LiveRunScreen), what="attach")


async def test_attach_to_nothing_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = build_app(attach=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        assert any("cannot attach" in n.message for n in app._notifications)


async def test_live_tensor_values_of_the_stopped_node(live_program):
    from glassgrad_tui.screens.tensor import TensorScreen
    from glassgrad_tui.widgets.tensor_view import TensorView

    app = build_app(attach=live_program.pid)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.model is not None and len(screen.model) >= 3,
                         what="the graph")
        await pilot.press("p")
        await wait_until(pilot, lambda: screen.live.stop is not None and
                         screen.selected == screen.live.stop.get("seq"), what="the stop")
        node = screen.model.nodes[screen.selected]
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, TensorScreen), what="the viewer")
        view = app.screen.query_one(TensorView)
        await wait_until(pilot, lambda: view.meta is not None, what="the values")
        assert view.meta.shape == tuple(node.tensor["shape"])
        assert view.picture.data.size == int(__import__("math").prod(node.tensor["shape"]))
        await pilot.press("escape")
        await pilot.press("p")  # resume
        await wait_until(pilot, lambda: screen.live.stop is None, what="running again")
