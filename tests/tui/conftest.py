"""Recorded runs the TUI tests open: real scripts recorded by the real `glassgrad run`.

Session-scoped (recording takes a second each); every test gets a fresh app on them. Tests
that compare screens (snapshots) normalise what changes between recordings (times, pids,
dates) in a copy of the store, so the pictures are stable.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from tui_helpers import FAIL, NAN, TRAIN, record, store_of  # noqa: E402


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory) -> Path:
    """A folder with three recorded runs: train (statistics on), nan (an anomaly), fail."""
    folder = tmp_path_factory.mktemp("tui")
    record(folder, "fail", FAIL)
    record(folder, "nan", NAN, GLASSGRAD_STATS="full")
    record(folder, "train", TRAIN, GLASSGRAD_STATS="full")
    return folder


@pytest.fixture
def in_runs_dir(runs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(runs_dir)
    return runs_dir




@pytest.fixture(scope="session")
def stable_dir(runs_dir: Path, tmp_path_factory) -> Path:
    """A copy of the train run with every volatile value fixed (times, pids, dates), for
    snapshots."""
    folder = tmp_path_factory.mktemp("stable")
    shutil.copy(runs_dir / "train.py", folder / "train.py")
    (folder / "runs").mkdir()
    src = store_of(runs_dir, "train")
    dst = folder / "runs" / "20261201-120000-train-4242.db"
    conn = sqlite3.connect(src)
    conn.execute(f"VACUUM INTO '{dst}'")
    conn.close()
    conn = sqlite3.connect(dst)
    with conn:
        t0 = 1764590400.0  # 2025-12-01 12:00:00 UTC
        conn.execute("UPDATE run SET name = '20261201-120000-train-4242', pid = 4242, "
                      "started = ?, ended = ?, heartbeat = ?, cwd = '/home/user/project', "
                      "host = 'host', group_id = 'g'", (t0, t0 + 3, t0 + 3))
        conn.execute("UPDATE ops SET duration_ns = 1000 * (1 + seq % 7), t_start = seq * 1e-4")
        conn.execute("UPDATE backward SET duration_ns = 2000 * (1 + node % 5), "
                      "t_start = 1 + id * 1e-4")
        conn.execute("UPDATE iterations SET started = ? + iter * 0.1, ended = ? + iter * 0.1 "
                      "+ 0.1, forward_ns = CASE WHEN forward_ns IS NULL THEN NULL ELSE 100000 "
                      "END, backward_ns = CASE WHEN backward_ns IS NULL THEN NULL ELSE 200000 "
                      "END", (t0, t0))
        conn.execute("UPDATE sources SET path = ?, mtime = 0 WHERE path LIKE '%train.py'",
                     (str(folder / "train.py"),))
        conn.execute("UPDATE ops SET file = ?", (str(folder / "train.py"),))
        conn.execute("UPDATE backward SET file = ?", (str(folder / "train.py"),))
        conn.execute("DELETE FROM op_stats")
        conn.execute(
            "INSERT INTO op_stats SELECT o.op, COALESCE(o.file, ''), o.line,"
            " COALESCE(o.module, ''), COUNT(*), SUM(o.duration_ns),"
            " COALESCE(SUM(b.duration_ns), 0), COUNT(DISTINCT o.iter), MIN(o.iter),"
            " MAX(o.iter) FROM ops o LEFT JOIN backward b ON b.node = o.seq AND b.iter = o.iter"
            " GROUP BY o.op, o.file, o.line, o.module")
    conn.close()
    return folder
