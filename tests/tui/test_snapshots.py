"""How the main screens look, at 80x24 and 160x48 (pytest-textual-snapshot).

The run shown is a real recording with its volatile values fixed (conftest.stable_dir), in
UTC, so the pictures only change when the UI does. After a deliberate change, review the
new pictures (`pytest tests/tui/test_snapshots.py --snapshot-update`, then look at the diff)
before committing them. docs/tui.md shows these pictures.
"""

from __future__ import annotations

import time

import pytest

from glassgrad_tui.app import build_app

SIZES = [(80, 24), (160, 48)]


@pytest.fixture
def stable(stable_dir, monkeypatch):
    monkeypatch.chdir(stable_dir)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield stable_dir
    monkeypatch.undo()
    time.tzset()


async def _graph(pilot) -> None:
    await pilot.press("2")
    for _ in range(200):
        await pilot.pause(0.02)
        screen = pilot.app.screen
        if getattr(screen, "model", None) is not None and screen.selected is not None:
            break
    await pilot.press("i")  # the loss's input: the drawing shows a neighbourhood
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview(snap_compare, stable, size):
    assert snap_compare(build_app(root="runs"), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_graph_explorer(snap_compare, stable, size):
    assert snap_compare(build_app(root="runs"), terminal_size=size, run_before=_graph)


def test_timeline(snap_compare, stable):
    async def timeline(pilot) -> None:
        await _graph(pilot)
        await pilot.press("3")

    assert snap_compare(build_app(root="runs"), terminal_size=(80, 24), run_before=timeline)


def test_runs_list(snap_compare, stable):
    assert snap_compare(build_app(root="runs"), terminal_size=(80, 24), press=["escape"])


def test_help(snap_compare, stable):
    assert snap_compare(build_app(root="runs"), terminal_size=(80, 24), press=["question_mark"])


def test_no_color(snap_compare, stable, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(build_app(root="runs"), terminal_size=(80, 24), run_before=_graph)
