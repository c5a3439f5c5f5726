"""The run store while its run writes, and after the run is killed with SIGKILL."""

from __future__ import annotations

import os
import signal

import pytest
from rec_helpers import spawn, wait_for

from glassgrad import runs

LONG = """
import sys, time
import glassgrad as gg
w = gg.ones(8, 8, requires_grad=True)
x = gg.ones(4, 8)
i = 0
while True:
    loss = (x @ w).tanh().sum()  # the loss line
    loss.backward()
    w.grad = None
    i += 1
    if i % 20 == 0:
        print(i, flush=True)
    time.sleep(0.001)
"""


def _start(tmp_path):
    (tmp_path / "long.py").write_text(LONG)
    return spawn("-m", "glassgrad.cli", "run", "long.py", cwd=tmp_path)


def _store():
    found = runs.list_runs()
    return found[0].path if found else None


def _count(path) -> int:
    with runs.Run(path) as r:
        return r.db.execute("SELECT COUNT(*) FROM iterations WHERE ended IS NOT NULL"
                            ).fetchone()[0]


@pytest.mark.slow
def test_reader_sees_the_store_grow_while_the_run_writes(tmp_path):
    proc = _start(tmp_path)
    try:
        path = wait_for(_store, 20, "the run store")
        with runs.Run(path) as run:
            assert run.info.status == "running"
        seen = [wait_for(lambda: _count(path), 20, "a first committed iteration")]
        for _ in range(3):  # each read through glassgrad.runs sees more than the last
            seen.append(wait_for(lambda: (n := _count(path)) > seen[-1] and n, 10, "growth"))
        assert seen == sorted(seen) and seen[-1] > seen[0]
        with runs.Run(path) as run:  # a reader's queries work mid-run
            ops = run.ops(1)
            assert [o["op"] for o in ops][:3] == ["matmul", "tanh", "sum"]
            assert run.summary()["run"]["status"] == "running"
            assert len(run.backward(1)) == 3
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait(10)


@pytest.mark.slow
def test_sigkill_mid_run_leaves_a_readable_incomplete_store(tmp_path):
    proc = _start(tmp_path)
    try:
        path = wait_for(_store, 20, "the run store")
        committed = wait_for(lambda: (n := _count(path)) >= 5 and n, 20, "5 iterations")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    # the writer process commits what it was sent and marks the run as cut short
    info = wait_for(lambda: (i := runs.list_runs()[0]).ended is not None and i, 10, "the end")
    assert info.status == "incomplete" and info.incomplete and info.exit_code is None
    assert info.iterations >= committed
    with runs.open_run() as run:
        its = [i for i in run.iterations() if i["ended"] is not None]
        assert len(its) >= committed
        for it in its[:committed]:
            assert it["loss"] is not None
            if it["recorded"]:
                assert it["n_backward"] == 3  # the first 10, then every 10th (the default sampling)
                ops = run.ops(it["iter"])
                assert [o["op"] for o in ops][-3:] == ["matmul", "tanh", "sum"]
                assert len(run.backward(it["iter"])) == 3
        assert run.recorded_iterations()[:5] == [0, 1, 2, 3, 4]
        assert run.summary()["run"]["status"] == "incomplete"


def test_dead_pid_or_stale_heartbeat_reads_as_incomplete(tmp_path):
    import glassgrad as gg

    with gg.record("x.db") as rec:
        gg.ones(1) + 1
        with runs.Run(rec.path) as run:
            assert run.info.status == "running"  # this process is alive
    import sqlite3

    conn = sqlite3.connect("x.db")
    with conn:
        conn.execute("UPDATE run SET ended = NULL, status = 'running', pid = 2147483646")
    conn.close()
    with runs.Run("x.db") as run:
        assert run.info.status == "incomplete"
    conn = sqlite3.connect("x.db")
    with conn:
        conn.execute("UPDATE run SET pid = ?, heartbeat = 0", (os.getpid(),))
    conn.close()
    with runs.Run("x.db") as run:
        assert run.info.status == "incomplete"


def test_not_a_store_and_wrong_schema(tmp_path):
    import sqlite3

    (tmp_path / "junk.db").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(runs.RunStoreError):
        runs.Run("junk.db")
    conn = sqlite3.connect("old.db")
    with conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '999')")
    conn.close()
    with pytest.raises(runs.RunStoreError, match="schema 999"):
        runs.Run("old.db")
    with pytest.raises(runs.RunStoreError):
        runs.Run("missing.db")
