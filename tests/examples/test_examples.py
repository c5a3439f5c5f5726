"""The example scripts learn, recorded by `glassgrad run` with its default settings, and the
recording loses nothing; `glassgrad demo` reaches 97%.

Each example runs in a subprocess with a small budget, as a user would start it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")


def run(args: list[str], timeout: float = 240) -> str:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def recorded(script: str, *args: str, root: str) -> str:
    """Run an example under `glassgrad run` (default recording) and check its store: finished,
    nothing dropped, every iteration summarised, some recorded in full."""
    from glassgrad import runs

    out = run([sys.executable, "-m", "glassgrad.cli", "run", "--root", root,
               os.path.join(EXAMPLES, script), *args])
    (info,) = runs.list_runs(root)
    assert info.status == "finished" and info.dropped == 0, info
    assert info.iterations > 10 and info.recorded_iterations >= 10
    with runs.Run(info.path) as r:
        assert sum(i["dropped"] for i in r.iterations()) == 0
    return out


def metric(pattern: str, text: str) -> float:
    m = re.search(pattern, text)
    assert m, text
    return float(m.group(1))


@pytest.mark.slow
def test_demo_reaches_97_percent() -> None:
    out = run([sys.executable, "-m", "glassgrad.cli", "demo"])
    assert metric(r"test accuracy ([0-9.]+)%", out) >= 97.0


@pytest.mark.slow
def test_mlp_digits_learns(tmp_path) -> None:
    out = recorded("mlp_digits.py", "--epochs", "5", root=str(tmp_path))
    assert metric(r"test accuracy ([0-9.]+)%", out) > 85.0


@pytest.mark.slow
def test_autoencoder_beats_the_mean_image(tmp_path) -> None:
    out = recorded("autoencoder.py", "--epochs", "8", root=str(tmp_path))
    mse = metric(r"MSE ([0-9.]+)", out)
    baseline = metric(r"mean image: ([0-9.]+)", out)
    assert mse < 0.8 * baseline


@pytest.mark.slow
@pytest.mark.parametrize("script", ["char_lstm.py", "transformer_lm.py"])
def test_language_models_learn(script: str, tmp_path) -> None:
    out = recorded(script, "--steps", "25", root=str(tmp_path))
    loss = metric(r"validation loss ([0-9.]+)", out)
    uniform = metric(r"uniform would be ([0-9.]+)", out)
    assert loss < uniform - 0.5
