"""Rate-limited log lines of the live channel (live_log.py)."""

from __future__ import annotations

import logging

from glassgrad.recording.live_log import LibraryLog, RateLimitedLog


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("glassgrad.live")]


def test_one_line_per_kind_per_interval_with_the_count_held_back(caplog):
    caplog.set_level(logging.DEBUG, logger="glassgrad.live")
    clock = Clock()
    log = RateLimitedLog(clock=clock)
    assert log("token", "refused a")
    assert not log("token", "refused b")
    assert log("busy", "busy a")  # another kind has its own budget
    clock.now += 0.5
    assert not log("token", "refused c")
    clock.now += 0.6
    assert log("token", "refused d")
    assert messages(caplog) == [
        "glassgrad live: refused a", "glassgrad live: busy a",
        "glassgrad live: refused d (2 more like this held back since the last line)"]
    assert not log("token", "refused e")
    log.flush()
    assert messages(caplog)[-1] == "glassgrad live: 1 more token line(s) held back"


def test_library_errors_become_one_line_without_traceback(caplog):
    caplog.set_level(logging.DEBUG, logger="glassgrad.live")
    lib = LibraryLog(RateLimitedLog(clock=Clock()))
    try:
        raise TypeError("unsupported operand")
    except TypeError:
        lib.error("process_request failed", exc_info=True)
    lib.debug("< TEXT %r", "hi")
    records = [r for r in caplog.records if r.name.startswith("glassgrad.live")]
    assert [r.getMessage() for r in records] == [
        "glassgrad live: process_request failed: TypeError: unsupported operand",
        "< TEXT 'hi'"]
    assert all(r.exc_info is None for r in records)
    assert records[1].name == "glassgrad.live.websockets"
