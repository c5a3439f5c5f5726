"""What the live channel costs a run: plain, served with no client, and with a client
subscribed to every event (in another process, and as a thread of the training process).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_live.py [--rounds 5] [--json out.json]

Two workloads: the MLP training step of bench_training.py (ms per step) and a tight loop of
tiny ops (steps/s: one 8x4 weight, x @ w, tanh, mean, backward, a manual SGD update under
no_grad, no optimizer), where the channel's per-event cost shows most. GC stays on; the
settings are interleaved round by round so drifts of machine speed hit all of them; each
figure is the mean over ``--seconds`` of calls, the best such window of the rounds. Ratios
are to the plain run of the same workload.
Target: a subscribed client costs the run at most 1.25x.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(__file__))
from _timing import table  # noqa: E402
from bench_training import STEPS, data, framework_step, glassgrad_model  # noqa: E402

import glassgrad as gg  # noqa: E402
from glassgrad.recording.live import LiveServer  # noqa: E402

READER = """
import json, sys, threading
from websockets.sync.client import connect
url, token = sys.argv[1], sys.argv[2]
events = 0
with connect(url, additional_headers={"Authorization": "Bearer " + token}, max_size=None) as ws:
    ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscribe"}))
    print("ready", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), ws.close()), daemon=True).start()
    for msg in ws:
        events += msg.count('"method":"event"')
print(events, flush=True)
"""


def mlp() -> Callable[[], None]:
    x, y = data()
    model, opt, loss_fn = glassgrad_model()
    gx, gy = gg.tensor(x), gg.tensor(y)

    def steps() -> None:
        for _ in range(STEPS):
            framework_step(model, opt, loss_fn, gx, gy)
    return steps


def tight_loop() -> Callable[[], None]:
    w = gg.randn(8, 4, requires_grad=True)
    x = gg.randn(16, 8)

    def steps() -> None:
        for _ in range(200):
            loss = (x @ w).tanh().mean()
            loss.backward()
            with gg.no_grad():
                w.sub_(0.01 * w.grad)
            w.grad = None
    return steps


def mean_time(fn: Callable[[], None], seconds: float) -> float:
    """Mean time of a call of ``fn`` over about ``seconds`` of calls, GC left on (a mean,
    not a best call: the channel's threads work in bursts a best call could miss)."""
    calls, t0 = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - t0
        if elapsed > seconds:
            return elapsed / calls


class ThreadReader:
    """A client in this process: subscribes and reads every message until stopped."""

    def __init__(self, server: LiveServer) -> None:
        self.server, self.events, self.stop = server, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ThreadReader:
        self.thread.start()
        _wait_subscribed(self.server)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        from websockets.sync.client import connect

        with connect(self.server.url, max_size=None,
                     additional_headers={"Authorization": f"Bearer {self.server.token}"}) as ws:
            ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscribe"}))
            while not self.stop.is_set():
                try:
                    self.events += ws.recv(timeout=0.1).count('"method":"event"')
                except TimeoutError:
                    pass


class ProcessReader:
    """A client in another process (as a TUI or an IDE would be)."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server

    def __enter__(self) -> ProcessReader:
        self.proc = subprocess.Popen([sys.executable, "-c", READER, self.server.url,
                                      self.server.token], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"
        _wait_subscribed(self.server)
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.stdin.close()  # the reader closes its connection and says what it read
        self.events = int(self.proc.stdout.readline() or 0)
        self.proc.wait(10)


def _wait_subscribed(server: LiveServer) -> None:
    while not any(c.subscribed for c in server.clients):
        time.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="per setting and round")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    workloads = {"MLP step": mlp(), "tight loop": tight_loop()}
    settings = ["plain", "server, no client", "client in another process",
                "client thread in this process"]
    best = {(w, s): float("inf") for w in workloads for s in settings}
    received: dict[str, int] = {}
    dropped: dict[str, int] = {}
    live_dir = os.path.join(".glassgrad", "bench-live")
    for fn in workloads.values():
        fn()  # warm up
    for _ in range(args.rounds):
        for wname, fn in workloads.items():
            best[wname, "plain"] = min(best[wname, "plain"], mean_time(fn, args.seconds))
            server = LiveServer(directory=live_dir).start()
            try:
                t = mean_time(fn, args.seconds)
                best[wname, "server, no client"] = min(best[wname, "server, no client"], t)
                for setting, reader in (("client in another process", ProcessReader),
                                        ("client thread in this process", ThreadReader)):
                    with reader(server) as r:
                        best[wname, setting] = min(best[wname, setting],
                                                   mean_time(fn, args.seconds))
                        dropped[setting] = dropped.get(setting, 0) + sum(
                            c.dropped for c in server.clients)
                    received[setting] = received.get(setting, 0) + r.events
            finally:
                server.stop()

    rows = [["workload", "setting", "per step", "steps/s", "vs plain"]]
    figures = {}
    for wname in workloads:
        per = STEPS if wname == "MLP step" else 200
        base = best[wname, "plain"]
        for s in settings:
            t = best[wname, s]
            rows.append([wname, s, f"{t / per * 1e3:.3f} ms", f"{per / t:,.0f}",
                         f"{t / base:.3f}x"])
            figures[f"{wname} / {s}"] = {"ms_per_step": t / per * 1e3, "ratio": t / base}
    print(table(rows))
    print(f"events read by the clients: {received}; dropped: {dropped}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)


if __name__ == "__main__":
    main()
