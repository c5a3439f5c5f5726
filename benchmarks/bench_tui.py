"""How fast the TUI answers on a big run: an iteration of 100,000 graph nodes.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_tui.py [--store PATH] [--json out.json]

Uses the store of bench_store_reads.py (recorded first unless ``--store`` names one: a
million ops, iterations of 100,050 nodes). The real app runs headless (Textual's
``run_test``, 160x48) and the benchmark times:

- open: from starting the app to the run's overview on screen (target: < 3 s);
- graph: from pressing 2 to the graph explorer ready, the loss selected (target: < 3 s);
- each key press until the app is idle again (target: < 200 ms): moving in the tree,
  jumping to an input and a consumer, a search, the next match, the timeline, its end,
  inspecting a timeline row.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from _timing import table  # noqa: E402
from bench_store_reads import build  # noqa: E402

# The tab underline's 300 ms animation does not delay input or content, but a Pilot press
# waits for it; without it, a tab switch measures what it costs (Textual: TEXTUAL_ANIMATIONS).
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from glassgrad_tui.app import build_app  # noqa: E402

KEYS = [("down", "tree: next row"), ("down", "tree: next row"), ("enter", "tree: open a node"),
        ("i", "jump to an input"), ("c", "jump to a consumer"), ("b", "to its backward row"),
        ("2", "back to the graph"), ("n", "next search match"), ("n", "next search match"),
        ("3", "timeline"), ("end", "timeline: last row"), ("enter", "inspect that row"),
        ("1", "overview")]


async def measure(path: str) -> dict[str, float]:
    results: dict[str, float] = {}
    t0 = time.perf_counter()
    app = build_app(path, root=os.path.dirname(path))
    async with app.run_test(size=(160, 48)) as pilot:
        while type(app.screen).__name__ != "RunScreen":
            await pilot.pause(0.01)
        await pilot.pause()
        results["open: overview on screen"] = time.perf_counter() - t0
        screen = app.screen
        t0 = time.perf_counter()
        await pilot.press("2")
        while screen.model is None or screen.selected is None:
            await pilot.pause(0.01)
        await pilot.pause()
        results["graph: 100,000 nodes ready"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        await pilot.press("slash", *"tanh", "enter")
        await pilot.pause()
        results["key: search 'tanh' (5 keys)"] = time.perf_counter() - t0
        for key, what in KEYS:
            t0 = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            name = f"key {key}: {what}"
            while name in results:
                name += "'"
            results[name] = time.perf_counter() - t0
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a store made by bench_store_reads.py")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    path = args.store or os.path.join(tempfile.mkdtemp(), "big.db")
    if not os.path.exists(path):
        print(f"recording {path} (about a minute)...")
        build(path)
    results = asyncio.run(measure(path))
    rows = [["TUI on an iteration of 100,000 nodes (160x48)", "ms"]]
    rows += [[name, f"{t * 1e3:.0f}"] for name, t in results.items()]
    print(table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
