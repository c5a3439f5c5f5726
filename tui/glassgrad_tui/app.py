"""``glassgrad tui``: the app, kept small. Screens do the work; this decides what opens first.

``build_app`` is the factory tests and ``glassgrad tui`` share.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.binding import Binding

from glassgrad import runs
from glassgrad.recording.files import DEFAULT_ROOT

from .screens.help import HelpScreen
from .screens.run import RunScreen
from .screens.runs import RunsScreen
from .source import RecordedSource, SourceError


class GlassgradApp(App):
    """Opens a run (by name, path or prefix; the newest by default), or attaches to a live one."""

    CSS_PATH = "app.tcss"
    TITLE = "glassgrad"
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("l", "runs", "Runs", show=False),
    ]

    def __init__(self, run: str | None = None, root: str = DEFAULT_ROOT,
                 attach: int | bool | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run_spec, self.root, self.attach_to = run, root, attach
        self.sources: list[Any] = []

    def on_mount(self) -> None:
        if self.no_color:  # NO_COLOR: cursors and highlights by reverse video, not colour
            self.add_class("-no-color")
        self.push_screen(RunsScreen(self.root))
        if self.attach_to is not None:
            self.attach(None if self.attach_to is True else self.attach_to)
            return
        try:
            run = runs.open_run(self.run_spec, self.root)
        except runs.RunStoreError as e:
            if self.run_spec is not None:
                self.notify(str(e), severity="error", timeout=10)
            return
        path = run.path
        run.close()
        self.open_run(path)

    def open_run(self, path: str) -> None:
        try:
            source = RecordedSource(path)
        except SourceError as e:
            self.notify(str(e), severity="error", timeout=10)
            return
        self.sources.append(source)
        self.push_screen(RunScreen(source))

    def attach(self, pid: int | None) -> None:
        from .live import LiveError, LiveSource
        from .screens.live import LiveRunScreen

        try:
            source = LiveSource.connect(pid)
        except LiveError as e:
            self.notify(str(e), severity="error", timeout=10)
            return
        self.sources.append(source)
        self.push_screen(LiveRunScreen(source))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_runs(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def on_unmount(self) -> None:
        for source in self.sources:
            source.close()


def build_app(run: str | None = None, root: str = DEFAULT_ROOT,
              attach: int | bool | None = None) -> GlassgradApp:
    return GlassgradApp(run=run, root=root, attach=attach)
