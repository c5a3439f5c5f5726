"""How fast the UIs' reads are on a big run store: a million ops, iterations of 100,000 nodes.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_store_reads.py [--store PATH] [--json out.json]

The store is recorded from a real program (10 iterations, each a graph of 100,050 ops made on
21 lines, every iteration recorded in full) unless ``--store`` names one made before. Then,
timed (best of 5):

- ``graph(k)``: the whole graph of one iteration (nodes with tensors and backward times, edges,
  leaves): what the TUI's graph explorer loads; target < 1 s;
- ``ops_at(file, line, k)``: everything one line made in one iteration, each op with its
  output tensor, gradient and backward time (what an LSP hover needs), for a line that made
  50 ops and for one that made 5,000; target < 20 ms;
- ``changes(cursor)``: the rows added since a cursor, 2,000 ops behind the end (how a UI follows
  a live run); target < 20 ms;
- ``info``, ``top_ops(10)``, ``summary()``, ``iterations()``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from _timing import table  # noqa: E402

import glassgrad as gg  # noqa: E402
from glassgrad import runs  # noqa: E402

ITERATIONS, REPEATS = 10, 5_000  # 20 ops per repeat: 100,000 nodes per iteration


def layer(h: gg.Tensor, w: gg.Tensor) -> gg.Tensor:
    """20 ops on 20 lines (the lines ops_at asks about)."""
    a = h * w
    b = a + 1.0
    c = b.tanh()
    d = c * 0.5
    e = d - h
    f = e.abs()
    g = f + w
    i = g * g
    j = i.sqrt()
    k = j + 0.1
    m = k.log()
    n = m * 0.01
    o = n + h
    p = o.sigmoid()
    q = p * 2.0
    r = q - 1.0
    s = r * w
    t = s + 0.5
    u = t.relu()
    return u * 0.9


def build(path: str) -> float:
    gg.manual_seed(0)
    w = gg.randn(4, requires_grad=True)
    t0 = time.perf_counter()
    with gg.record(path, sample_every=1, buffer=50_000_000):
        for _ in range(ITERATIONS):
            h = gg.randn(4)
            for _ in range(REPEATS):
                h = layer(h, w)
            for _ in range(50):
                h = h * 1.0  # WIDE-LINE: a line that makes 50 ops
            h.sum().backward()
            w.grad = None
    return time.perf_counter() - t0


def best(fn, repeats: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a store made by an earlier run of this benchmark")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    path = args.store or os.path.join(tempfile.mkdtemp(), "big.db")
    results: dict[str, float] = {}
    if not os.path.exists(path):
        results["record the store (s)"] = build(path)
        print(f"recorded {path} in {results['record the store (s)']:.1f} s")
    run = runs.Run(path)
    n_ops = run.db.execute("SELECT COUNT(*) FROM ops").fetchone()[0]
    last = run.recorded_iterations()[-1]
    line = run.db.execute("SELECT line, COUNT(*) FROM ops WHERE iter = ? GROUP BY line "
                          "ORDER BY COUNT(*) DESC LIMIT 1", (last,)).fetchone()[0]
    file = run.db.execute("SELECT file FROM ops WHERE line = ? LIMIT 1", (line,)).fetchone()[0]
    wide_line = run.db.execute("SELECT line FROM ops WHERE iter = ? AND op = 'mul' GROUP BY"
                               " line HAVING COUNT(*) = 50", (last,)).fetchone()[0]
    top = run.db.execute("SELECT MAX(rowid) FROM ops").fetchone()[0]
    cursor = run.changes(limit=1)["cursor"]
    cursor.update(ops=top - 2_000, edges=run.db.execute(
        "SELECT MIN(rowid) FROM edges WHERE dst > ?", (top - 2_000,)).fetchone()[0] - 1)
    for table_ in ("tensors", "backward"):
        cursor[table_] = run.db.execute(f"SELECT MAX(rowid) FROM {table_}").fetchone()[0] - 2_000
    cursor["iter_open"] = last
    checks = {
        "graph(k): 100,000 nodes": lambda: run.graph(last),
        "ops_at(file, line, k): 5,000 ops": lambda: run.ops_at(file, line, last),
        "ops_at(file, line, k): 50 ops": lambda: run.ops_at(file, wide_line, last),
        "changes(cursor): 2,000 ops behind": lambda: run.changes(cursor),
        "info": lambda: run.info,
        "iterations()": run.iterations,
        "top_ops(10)": lambda: run.top_ops(10),
        "summary()": run.summary,
    }
    rows = [[f"store: {n_ops:,} ops, {os.path.getsize(path) / 1e6:.0f} MB", "ms", "rows"]]
    for name, fn in checks.items():
        t, out = best(fn)
        size = (len(out["nodes"]) if isinstance(out, dict) and "nodes" in out else
                len(out["ops"]) if isinstance(out, dict) and "cursor" in out else
                len(out) if isinstance(out, list) else 1)
        results[name] = t * 1e3
        rows.append([name, f"{t * 1e3:.1f}", f"{size:,}"])
    print(table(rows))
    run.close()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
