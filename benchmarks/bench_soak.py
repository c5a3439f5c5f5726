"""Memory over a long recorded run: resident memory (RSS) of the recording process and of its
store writer, sampled while a program trains under `glassgrad run`.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_soak.py [--minutes 10] [--json out.json]

Two programs, one after the other: the tight loop of bench_recording.py (about 10,000
iterations a second) and examples/mlp_digits.py (run for the same time). Each is sampled every
5 s; the figure that matters is the growth after the first minute (target: under 5 MB), which a
recorder that keeps something per op or per iteration would show.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from _timing import table  # noqa: E402
from bench_recording import TIGHT  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def writer_of(pid: int) -> int | None:
    """The run store writer process started by ``pid``."""
    try:
        children = open(f"/proc/{pid}/task/{pid}/children").read().split()
    except OSError:
        return None
    for child in children:
        try:
            if "store_process.py" in open(f"/proc/{child}/cmdline").read():
                return int(child)
        except OSError:
            continue
    return None


def soak(name: str, argv: list[str], seconds: float, cwd: str) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "glassgrad.cli", "run", *argv], cwd=cwd,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples = []
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < seconds and proc.poll() is None:
            time.sleep(5)
            writer = writer_of(proc.pid)
            samples.append((round(time.monotonic() - t0), rss_mb(proc.pid),
                            rss_mb(writer) if writer else None))
    finally:
        proc.terminate()
        proc.wait(60)
    after_minute = [s for s in samples if s[0] >= 60] or samples
    grow = lambda k: (after_minute[-1][k] or 0) - (after_minute[0][k] or 0)  # noqa: E731
    return {"program": name, "samples": samples, "growth_after_1min_mb": grow(1),
            "writer_growth_after_1min_mb": grow(2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    with open(os.path.join(tmp, "tight.py"), "w") as f:
        f.write(TIGHT + "\nwhile True:\n    tight_step()\n")
    seconds = args.minutes * 60
    results = [soak("tight loop", ["tight.py"], seconds, tmp),
               soak("mlp_digits", [os.path.join(ROOT, "examples", "mlp_digits.py"),
                                   "--epochs", "100000"], seconds, tmp)]
    for r in results:
        rows = [[f"{r['program']}: t (s)", "recorder RSS (MB)", "writer RSS (MB)"]]
        rows += [[str(t), f"{a:.1f}" if a else "-", f"{b:.1f}" if b else "-"]
                 for t, a, b in r["samples"]]
        print(table(rows))
        print(f"growth after the first minute: recorder {r['growth_after_1min_mb']:+.1f} MB, "
              f"writer {r['writer_growth_after_1min_mb']:+.1f} MB\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
