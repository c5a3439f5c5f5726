"""Helpers of the language server tests: the scripts they record, and where things are in them.

A module of its own (not conftest.py): several test folders have a conftest, and
``from conftest import ...`` would pick whichever was imported first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TRAIN = '''import glassgrad as gg
from glassgrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        h = self.fc1(x).relu()  # HIDDEN-LINE
        return self.fc2(h)  # OUT-LINE


def train():
    gg.manual_seed(0)
    model = Net()
    opt = gg.optim.SGD(model.parameters(), lr=0.1)
    x, y = gg.randn(32, 8), gg.randint(0, 3, (32,))
    for step in range(12):
        loss = nn.functional.cross_entropy(model(x), y)  # LOSS-LINE
        opt.zero_grad()
        loss.backward()
        opt.step()


train()
'''

NAN = '''import glassgrad as gg

gg.manual_seed(0)
w = gg.randn(4, 3, requires_grad=True)
x = gg.randn(5, 4)
for step in range(3):
    s = (x @ w) ** 2 + 1.0  # SOURCE-LINE
    if step == 1:
        s = s - 1e9  # SHIFT-LINE
    r = s.sqrt()  # SQRT-LINE
    loss = r.sum()
    loss.backward()
    with gg.no_grad():
        w -= 0.01 * w.grad
    w.grad = None
'''

FAIL = '''import glassgrad as gg

a = gg.ones(3, 4, requires_grad=True)
b = gg.ones(5, 2)
(a @ b).sum().backward()  # SHAPE-LINE
'''


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("GLASSGRAD_")}
    e["OPENBLAS_NUM_THREADS"] = "1"
    e.update(extra)
    return e


def record(folder: Path, name: str, code: str, *args: str, **extra_env: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(code)
    subprocess.run([sys.executable, "-m", "glassgrad.cli", "run", *args, f"{name}.py"],
                   cwd=folder, env=env(**extra_env), capture_output=True, text=True,
                   timeout=120)
    return folder / f"{name}.py"


def line_of(path: Path, marker: str) -> int:
    """The 1-based line of ``path`` holding ``marker``."""
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if marker in line:
            return i
    raise AssertionError(marker)
