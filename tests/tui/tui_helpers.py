"""Helpers of the TUI tests: the scripts they record, and how to find their lines and stores.

A module of its own (not conftest.py): several test folders have a conftest, and
``from conftest import ...`` would pick whichever was imported first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TRAIN = '''import glassgrad as gg
from glassgrad import nn

gg.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
opt = gg.optim.SGD(model.parameters(), lr=0.1)
x, y = gg.randn(32, 8), gg.randint(0, 3, (32,))
for step in range(12):
    logits = model(x)  # FORWARD-LINE
    loss = nn.functional.cross_entropy(logits, y)  # LOSS-LINE
    opt.zero_grad()
    loss.backward()
    opt.step()
'''

NAN = '''import glassgrad as gg

gg.manual_seed(0)
w = gg.randn(4, 3, requires_grad=True)
x = gg.randn(5, 4)
for step in range(4):
    s = (x @ w) ** 2 + 1.0
    if step == 2:
        s = s - 1e9
    r = s.sqrt()  # SQRT-LINE
    loss = r.sum()
    loss.backward()
    with gg.no_grad():
        w -= 0.01 * w.grad
    w.grad = None
'''

FAIL = '''import glassgrad as gg

w = gg.ones(3, requires_grad=True)
(w * 2).sum().backward()
raise ValueError("the data ran out")  # FAIL-LINE
'''


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("GLASSGRAD_")}
    e["OPENBLAS_NUM_THREADS"] = "1"
    e.update(extra)
    return e


def record(folder: Path, name: str, code: str, *args: str, **extra_env: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(code)
    subprocess.run([sys.executable, "-m", "glassgrad.cli", "run", "--root", "runs", *args,
                    f"{name}.py"], cwd=folder, env=env(**extra_env), capture_output=True,
                   text=True, timeout=120)
    (store,) = [p for p in (folder / "runs").glob(f"*-{name}-*.db")]
    return store

def store_of(folder: Path, name: str) -> Path:
    (store,) = [p for p in (folder / "runs").glob(f"*-{name}-*.db")]
    return store


def line_of(folder: Path, name: str, marker: str) -> int:
    for i, line in enumerate((folder / f"{name}.py").read_text().splitlines(), 1):
        if marker in line:
            return i
    raise AssertionError(marker)
