"""What watching a run costs: the MLP training step of bench_training.py, plain and observed.

    python benchmarks/bench_recording.py [--json out.json]

Ratios to the plain step in the same run, for: the live channel serving with no client
connected ("no listener"), recording every iteration into a run store without and with cheap
statistics, recording with the default sampling (after the first 10 iterations, every 10th in
full and a summary row for the others), and the live channel with a client subscribed to every
event.
Targets: no listener within 2%, recording without statistics within 15%, live client within 25%.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(__file__))
from _timing import best_of, table  # noqa: E402
from bench_training import STEPS, data, framework_step, glassgrad_model  # noqa: E402

import glassgrad as gg  # noqa: E402
from glassgrad.recording.live import LiveServer  # noqa: E402


def reader(server: LiveServer, stop: threading.Event) -> None:
    """A live client that subscribes and reads every event until told to stop."""
    from websockets.sync.client import connect

    with connect(f"{server.url}/?token={server.token}", max_size=None) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscribe"}))
        while not stop.is_set():
            try:
                ws.recv(timeout=0.1)
            except TimeoutError:
                pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    x, y = data()
    model, opt, loss_fn = glassgrad_model()
    gx, gy = gg.tensor(x), gg.tensor(y)

    def steps() -> None:
        for _ in range(STEPS):
            framework_step(model, opt, loss_fn, gx, gy)

    tmp = tempfile.mkdtemp()
    results: dict[str, float] = {}

    def measure(name: str) -> None:
        results[name] = min(results.get(name, float("inf")), best_of(steps, 3))

    for _ in range(args.rounds):  # interleaved, so drifts of machine speed hit every setting
        measure("plain")
        server = LiveServer(directory=os.path.join(tmp, "live")).start()
        measure("live channel, no listener")
        stop = threading.Event()
        client = threading.Thread(target=reader, args=(server, stop), daemon=True)
        client.start()
        while not server.clients:
            threading.Event().wait(0.01)
        measure("live channel, client subscribed")
        stop.set()
        client.join()
        server.stop()
        for stats in ("none", "cheap"):
            with gg.record(os.path.join(tmp, f"every-{stats}-{_}.db"), stats=stats,
                           record_first=10**9, keep=1000):
                measure(f"recording every iteration, stats={stats}")
        with gg.record(os.path.join(tmp, f"sampled-{_}.db"), keep=1000):
            for _warm in range(10):  # the first 10 iterations are always recorded fully
                framework_step(model, opt, loss_fn, gx, gy)
            measure("recording, default sampling (every 10th), stats=none")

    base = results["plain"]
    rows = [["MLP step (batch 64, 64-256-256-10)", "ms/step", "vs plain"]]
    for name, t in results.items():
        rows.append([name, f"{t / STEPS * 1e3:.3f}", f"{t / base:.3f}x"])
    print(table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({k: v / STEPS * 1e3 for k, v in results.items()}, f, indent=2)


if __name__ == "__main__":
    main()
