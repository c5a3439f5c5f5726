"""The run store as the UIs need it: nothing lost, nothing stale, nothing of the user's touched.

Each test is a finding of the run-store issue: drops under a tight loop, staleness, SIGKILL,
SIGTERM/SIGINT/SIGHUP endings, pruning of files glassgrad did not make, forked children,
unusual paths, schema versions, a failing writer.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rec_helpers import env, spawn, wait_for

import glassgrad as gg
from glassgrad import runs
from glassgrad.recording import files, store_process

TIGHT = """
import sys, time
import glassgrad as gg
w = gg.randn(8, 4, requires_grad=True)
x = gg.randn(16, 8)
seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1e9
t0 = time.time()
i = 0
while time.time() - t0 < seconds:
    loss = (x @ w).tanh().mean()  # TIGHT-LOSS
    loss.backward()
    with gg.no_grad():
        w -= 0.01 * w.grad
    w.grad = None
    i += 1
    if i == 50:
        print("running", flush=True)
"""


def _tight(tmp_path: Path, *args: str, extra: str = "") -> subprocess.Popen:
    (tmp_path / "tight.py").write_text(TIGHT.replace("t0 = time.time()", extra +
                                                     "t0 = time.time()"))
    return spawn("-m", "glassgrad.cli", "run", "tight.py", *args, cwd=tmp_path,
                 OPENBLAS_NUM_THREADS="1")


def _only_run() -> runs.RunInfo:
    (info,) = runs.list_runs()
    return info


# nothing lost -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_tight_loop_drops_nothing_at_defaults(tmp_path):
    proc = _tight(tmp_path, "4")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    info = _only_run()
    assert info.status == "finished" and info.dropped == 0
    with runs.open_run() as run:
        its = run.iterations()
        assert len(its) == info.iterations > 1000  # every iteration has its summary row
        assert sum(i["dropped"] for i in its) == 0
        assert all(i["loss"] is not None for i in its)
        reasons = {i["reason"] for i in its}
        assert reasons <= {"first", "auto", "sampled out"} and "auto" in reasons
        recorded = run.recorded_iterations()
        assert recorded[:10] == list(range(10))  # the first ones in full
        assert len(recorded) > 20  # and a sample after them, within the budget
        # a recorded iteration holds all of its ops (the last update opens it), edges and
        # backward nodes
        k = recorded[-1]
        assert [o["op"] for o in run.ops(k)] == ["mul", "sub", "matmul", "tanh", "mean"]
        assert len(run.graph(k)["edges"]) == 7
        assert len(run.backward(k)) == 3
        assert info.sampling == "auto"


def test_every_iteration_on_request_counts_drops_per_iteration(tmp_path):
    """A buffer too small for what the user asked for drops rows, counted where they fell."""
    w = gg.ones(64, requires_grad=True)
    with gg.record(sample_every=1, buffer=50) as rec:
        for _ in range(5):
            loss = sum((w * i).sum() for i in range(40))
            loss.backward()
            rec.flush()  # let the writer take the backlog between iterations
    with runs.open_run() as run:
        its = run.iterations()
        assert all(i["dropped"] > 0 for i in its)
        assert run.info.dropped == sum(i["dropped"] for i in its)
        assert run.summary()["dropped_events"] == run.info.dropped


# nothing stale ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_sigkill_keeps_everything_up_to_about_a_second_before(tmp_path):
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])  # the other core
    proc = _tight(tmp_path)
    try:
        assert proc.stdout.readline().strip() == "running"
        time.sleep(3)
        killed_at = time.time()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        busy.kill()
        busy.wait()
    info = wait_for(lambda: (i := _only_run()).ended is not None and i, 10, "the writer's end")
    assert info.status == "incomplete"
    with runs.open_run() as run:
        newest = run.db.execute("SELECT MAX(ended) FROM iterations").fetchone()[0]
        assert newest > killed_at - 1.0, f"newest row {killed_at - newest:.2f} s before kill"
        assert run.info.dropped == 0


def test_rows_are_readable_by_another_process_while_the_program_computes(tmp_path):
    with gg.record() as rec:
        w = gg.ones(3, requires_grad=True)
        (w * 2).sum().backward()
        t0 = time.monotonic()

        def seen() -> bool:
            out = subprocess.run([sys.executable, "-c",
                                  "import sys; from glassgrad import runs; "
                                  "r = runs.Run(sys.argv[1]); print(len(r.ops()))", rec.path],
                                 capture_output=True, text=True, env=env())
            return out.stdout.strip() == "2"

        while not seen():  # the training thread keeps the GIL busy meanwhile
            x = 0
            for i in range(200_000):
                x += i
            assert time.monotonic() - t0 < 10
    assert time.monotonic() - t0 < 10


# endings ----------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_terminating_signal_records_interrupted_then_dies_of_it(tmp_path, sig):
    proc = _tight(tmp_path)
    assert proc.stdout.readline().strip() == "running"
    time.sleep(0.5)
    sent = time.time()
    proc.send_signal(getattr(signal, sig))
    proc.wait(30)
    assert proc.returncode == -getattr(signal, sig)  # as without glassgrad
    info = _only_run()
    assert (info.status, info.signal) == ("interrupted", sig)
    assert info.ended is not None and info.exit_code == 128 + getattr(signal, sig)
    with runs.open_run() as run:
        newest = run.db.execute("SELECT MAX(ended) FROM iterations").fetchone()[0]
        assert newest > sent - 0.5  # rows up to the end
        assert run.info.dropped == 0


@pytest.mark.slow
def test_sigterm_runs_the_programs_own_handler_and_keeps_its_exit_status(tmp_path):
    handler = ("import signal\n"
               "def bye(signum, frame):\n"
               "    print('saving checkpoint', flush=True)\n"
               "    sys.exit(3)\n"
               "signal.signal(signal.SIGTERM, bye)\n")
    proc = _tight(tmp_path, extra=handler)
    assert proc.stdout.readline().strip() == "running"
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert "saving checkpoint" in out and proc.returncode == 3
    info = _only_run()
    assert (info.status, info.signal, info.exit_code) == ("interrupted", "SIGTERM", 3)


@pytest.mark.slow
def test_sigint_is_a_keyboard_interrupt_recorded_with_its_signal(tmp_path):
    proc = _tight(tmp_path)
    assert proc.stdout.readline().strip() == "running"
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    assert proc.returncode == 130
    info = _only_run()
    assert (info.status, info.signal) == ("interrupted", "SIGINT")
    with runs.open_run() as run:
        assert run.errors()[-1]["type"] == "KeyboardInterrupt"


def test_signal_handling_is_transparent_and_ignored_signals_stay_ignored():
    from glassgrad.recording import signals

    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    previous_hup = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with gg.record():
            # glassgrad's handler is installed, yet the program sees its own
            assert signals._original_getsignal(signal.SIGTERM) is signals._handle
            assert {s: signal.getsignal(s) for s in before} == before
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            mine = lambda signum, frame: None  # noqa: E731
            assert signal.signal(signal.SIGTERM, mine) == before[signal.SIGTERM]
            assert signal.getsignal(signal.SIGTERM) is mine
            signal.signal(signal.SIGTERM, before[signal.SIGTERM])
        assert {s: signal.getsignal(s) for s in before} == before
        assert signal.signal is signals._original_signal
    finally:
        signal.signal(signal.SIGHUP, previous_hup)


def test_a_dead_writer_is_reported_once_recorded_and_training_goes_on(capfd):
    with gg.record(sample_every=1) as rec:
        w = gg.ones(3, requires_grad=True)
        (w * 2).sum().backward()
        assert rec.flush()
        rec.writer._proc.kill()
        rec.writer._proc.wait()
        for _ in range(20):  # training goes on; rows are dropped and counted
            (w * 2).sum().backward()
            time.sleep(0.01)
        wait_for(lambda: rec.writer.failed, 5, "the failure to be noticed")
    err = capfd.readouterr().err
    assert err.count("glassgrad: the run store writer stopped") == 1
    with runs.Run(rec.path) as run:
        assert "writer stopped" in run.info.writer_error
        assert run.info.dropped > 0


def test_a_failing_commit_is_recorded_reported_once_and_writing_goes_on(tmp_path, capsys):
    writer = store_process.Writer()
    path = str(tmp_path / "full.db")
    writer.open(path, {"name": "full", "started": 0.0, "status": "running",
                       "schema_version": 2, "stats": "none"}, {"schema_version": 2})
    used = writer.conn.execute("PRAGMA page_count").fetchone()[0]
    writer.conn.execute(f"PRAGMA max_page_count = {used + 2}")  # a disk about to be full
    big = "x" * 5000
    for _attempt in range(3):
        writer.rows([("errors", (None, 0, None, None, None, None, None, "E", big, big, 0.0))
                     for _ in range(50)])
        writer.commit()
    writer.conn.execute("PRAGMA max_page_count = 1000000")  # space again: writing goes on
    writer.rows([("errors", (None, 0, None, None, None, None, None, "E", "ok", None, 0.0))])
    writer.commit()
    writer.finish({"status": "finished"})
    assert capsys.readouterr().err.count("the run store writer failed") == 1
    with runs.Run(path) as run:
        assert "full" in run.info.writer_error and run.info.dropped == 150
        assert [e["message"] for e in run.errors()] == ["ok"]


# never touch what glassgrad did not create ------------------------------------------------------
def _foreign_files(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(folder / "users.db")
    with conn:
        conn.execute("CREATE TABLE users (name TEXT)")
        conn.execute("INSERT INTO users VALUES ('ada')")
    conn.close()
    (folder / "notes.db").write_text("not a database at all")
    (folder / "empty.db").write_bytes(b"")
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_pruning_never_touches_foreign_files_beside_a_named_store(tmp_path):
    before = _foreign_files(tmp_path)
    for i in range(3):
        with gg.record(str(tmp_path / f"experiment{i}.db"), keep=1):
            gg.ones(1) + i
    for name, data in before.items():
        assert (tmp_path / name).read_bytes() == data
    assert all((tmp_path / f"experiment{i}.db").exists() for i in range(3))


def test_pruning_in_the_runs_folder_deletes_only_proven_finished_stores(tmp_path):
    root = tmp_path / ".glassgrad" / "runs"
    before = _foreign_files(root)
    with gg.record(str(root / "mine.db")):  # named by the user: never pruned
        gg.ones(1) + 1
    target = tmp_path / "elsewhere.db"
    with gg.record(str(target)):
        gg.ones(1) + 2
    os.symlink(target, root / "link.db")  # a symlink, even to a store, is not ours to delete
    made = []
    for i in range(4):
        with gg.record(keep=2, name=f"r{i}") as rec:
            gg.ones(1) + i
        made.append(rec.path)
        os.utime(rec.path, (1000 + i, 1000 + i))
    left = {p.name for p in root.iterdir()}
    assert set(before) | {"mine.db", "link.db"} <= left
    assert {os.path.basename(p) for p in made[2:]} <= left
    assert not {os.path.basename(p) for p in made[:2]} & left
    assert target.exists()
    for name, data in before.items():
        assert (root / name).read_bytes() == data


def test_a_store_being_written_is_never_pruned(tmp_path):
    with gg.record(keep=1, name="long") as long_run:
        gg.ones(1) + 1
        for i in range(3):
            with gg.record(keep=1, name=f"short{i}"):
                gg.ones(1) + i
        assert os.path.exists(long_run.path)


def test_is_run_store_proof(tmp_path):
    before = _foreign_files(tmp_path)
    assert not any(files.is_run_store(str(tmp_path / n)) for n in before)
    with gg.record(str(tmp_path / "real.db")):
        gg.ones(1) + 1
    assert files.is_run_store(str(tmp_path / "real.db"))


# processes --------------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_forked_child_records_into_its_own_linked_store():
    pid = None
    with gg.record(sample_every=1) as rec:
        w = gg.ones(2, requires_grad=True)
        (w * 2).sum().backward()
        pid = os.fork()
        if pid == 0:  # the child: its own ops, its own store, closed when its block ends
            (w * 3).sum().backward()
            (w * 4).sum().backward()
        else:
            os.waitpid(pid, 0)
            (w * 5).sum().backward()
    if pid == 0:
        os._exit(0)
    infos = runs.list_runs()
    parent = next(i for i in infos if i.path == rec.path)
    child = next(i for i in infos if i.pid == pid)
    assert child.parent == parent.name and child.parent_pid == os.getpid()
    assert child.group_id == parent.group_id is not None
    assert runs.group_of(child, infos)[0].path == parent.path
    with runs.Run(rec.path) as run:  # the parent's store holds none of the child's ops
        consts = [o["op"] for o in run.ops()]
        assert consts.count("mul") == 2
    assert child.status == "finished"
    with runs.Run(child.path) as run:
        assert [o["op"] for o in run.ops()].count("mul") == 2


def _worker(q) -> None:
    import glassgrad as gg

    w = gg.ones(2, requires_grad=True)
    for k in range(3):
        (w * k).sum().backward()
    q.put("done")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_multiprocessing_worker_closes_its_store_when_it_exits():
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    with gg.record() as rec:
        gg.ones(1) + 1
        q = ctx.Queue()
        p = ctx.Process(target=_worker, args=(q,))
        p.start()
        assert q.get(timeout=30) == "done"
        p.join(30)
    child = next(i for i in runs.list_runs() if i.pid == p.pid)
    assert child.status == "finished" and child.parent == rec.name
    with runs.Run(child.path) as run:
        assert [o["op"] for o in run.ops()].count("mul") == 3


def test_a_forked_child_without_ops_leaves_no_store():
    with gg.record():
        gg.ones(1) + 1
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    assert len(runs.list_runs()) == 1


def test_subprocesses_of_glassgrad_run_record_linked_stores(tmp_path):
    (tmp_path / "child.py").write_text("import glassgrad as gg\n(gg.ones(2) * 3).sum()\n")
    (tmp_path / "parent.py").write_text(
        "import subprocess, sys\nimport glassgrad as gg\n(gg.ones(2) * 2).sum()\n"
        "subprocess.run([sys.executable, 'child.py'], check=True)\n")
    out = subprocess.run([sys.executable, "-m", "glassgrad.cli", "run", "parent.py"],
                         cwd=tmp_path, capture_output=True, text=True, env=env(), timeout=60)
    assert out.returncode == 0, out.stderr
    infos = runs.list_runs()
    parent = next(i for i in infos if "parent" in i.name)
    child = next(i for i in infos if "child" in i.name)
    assert (child.parent, child.group_id) == (parent.name, parent.group_id)
    assert [r.name for r in runs.group_of(parent, infos)] == [parent.name, child.name]


# reading ----------------------------------------------------------------------------------------
def test_a_path_with_uri_characters_opens(tmp_path):
    folder = tmp_path / "odd ?#% dir"
    path = str(folder / "run ?#%.db")
    folder.mkdir()
    with gg.record(path):
        (gg.ones(2) * 2).sum()
    with runs.Run(path) as run:
        assert [o["op"] for o in run.ops()] == ["mul", "sum"]
    assert [i.path for i in runs.list_runs(str(folder))] == [path]
    with runs.open_run(root=str(folder)) as run:
        assert run.info.status == "finished"


def test_newer_schema_names_both_versions(tmp_path):
    with gg.record("new.db"):
        gg.ones(1) + 1
    conn = sqlite3.connect("new.db")
    with conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(runs.RunStoreError, match=r"schema 99.*schemas 1 to 2"):
        runs.Run("new.db")


V1_STORE = Path(__file__).parent / "data" / "schema_v1.db"


def test_schema_1_stores_are_read():
    with runs.Run(str(V1_STORE)) as run:
        info = run.info
        assert info.schema_version == 1 and info.status == "finished"
        assert info.sampling == "every 10" and info.iterations == 3
        its = run.iterations()
        assert [i["reason"] for i in its] == ["first"] * 3
        assert its[0]["optimizer"] == "SGD" and its[0]["lr"] == pytest.approx(0.1)
        assert run.graph(2)["nodes"] and run.top_ops(3) and run.top_modules(3)
        op = run.ops(0)[0]
        (at,) = [o for o in run.ops_at(op["file"], op["line"], 0) if o["seq"] == op["seq"]]
        assert at["tensor"]["shape"] and run.source_text(op["file"]) is None


def test_changes_follow_a_live_run_from_a_cursor(tmp_path):
    with gg.record(sample_every=1) as rec:
        w = gg.ones(2, requires_grad=True)
        reader = runs.Run(rec.path)
        first = reader.changes()
        assert first["info"].status == "running" and not first["ops"]
        (w * 2).sum().backward()
        assert rec.flush()
        step1 = reader.changes(first["cursor"])
        assert [o["op"] for o in step1["ops"]] == ["mul", "sum"]
        assert step1["edges"] and step1["tensors"] and len(step1["backward"]) == 2
        assert [i["iter"] for i in step1["iterations"]] == [0]
        (w * 3).sum().backward()
        assert rec.flush()
        step2 = reader.changes(step1["cursor"])
        assert [o["op"] for o in step2["ops"]] == ["mul", "sum"]
        assert {o["seq"] for o in step2["ops"]}.isdisjoint(o["seq"] for o in step1["ops"])
        assert [i["iter"] for i in step2["iterations"]] == [0, 1]  # 0 ended meanwhile
        assert reader.changes(step2["cursor"])["ops"] == []
        reader.close()


def test_call_site_totals_kept_by_the_writer_match_the_ops(tmp_path):
    gg.manual_seed(0)
    model = gg.nn.Sequential(gg.nn.Linear(3, 4), gg.nn.ReLU(), gg.nn.Linear(4, 2))
    opt = gg.optim.SGD(model.parameters(), lr=0.1)
    with gg.record(record_first=3, sample_every=2) as rec:
        for _ in range(8):
            loss = model(gg.randn(5, 3)).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            rec.flush()  # several commits: totals add up across batches
    with runs.open_run() as run:
        direct = {(r["op"], r["file"], r["line"], r["module"]): r for r in run._rows(
            "SELECT o.op, o.file, o.line, o.module, COUNT(*) AS count,"
            " SUM(o.duration_ns) AS forward_ns, COALESCE(SUM(b.duration_ns), 0) AS backward_ns,"
            " COUNT(DISTINCT o.iter) AS iterations FROM ops o LEFT JOIN backward b"
            " ON b.node = o.seq GROUP BY o.op, o.file, o.line, o.module")}
        kept = run.top_ops(1000)
        assert len(kept) == len(direct)
        for r in kept:
            d = direct[(r["op"], r["file"], r["line"], r["module"])]
            assert (r["count"], r["forward_ns"], r["backward_ns"], r["iterations"]) == \
                (d["count"], d["forward_ns"], d["backward_ns"], d["iterations"])
        modules = {m["module"]: m for m in run.top_modules(10)}
        assert set(modules) == {"Sequential.0", "Sequential.1", "Sequential.2"}
        assert all(m["backward_ns"] > 0 for m in modules.values())
        assert run.top_ops(5, iteration=0)[0]["iterations"] == 1


def test_glassgrad_run_under_glassgrad_record_makes_one_store(tmp_path):
    (tmp_path / "one.py").write_text("import glassgrad as gg\n(gg.ones(2) * 2).sum()\n")
    out = subprocess.run([sys.executable, "-m", "glassgrad.cli", "run", "--live", "one.py"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         env=env(GLASSGRAD_RECORD="1", GLASSGRAD_LIVE="1"))
    assert out.returncode == 0, out.stderr
    (info,) = runs.list_runs()
    assert "one" in info.name and info.status == "finished"
    with runs.open_run() as run:
        assert [o["op"] for o in run.ops()] == ["mul", "sum"]
