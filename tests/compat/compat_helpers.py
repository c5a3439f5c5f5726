"""Helpers for tests/compat: the repository, subprocess environments, the PyTorch scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "scripts"
SOURCE_ROOTS = [str(ROOT / d) for d in ("runtime", "debugger", "lsp", "tui")]


def env(**extra: str) -> dict[str, str]:
    """This environment without glassgrad's switches, the checkout's sources first."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("GLASSGRAD_")}
    e["PYTHONPATH"] = os.pathsep.join([*SOURCE_ROOTS, e.get("PYTHONPATH", "")])
    e.update(extra)
    return e


def run(*args: str, cwd: Path | str | None = None, timeout: float = 120,
        **extra: str) -> subprocess.CompletedProcess:
    """``python ARGS`` with :func:`env`, output captured."""
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env(**extra))


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def pth_installed() -> bool:
    """Whether this interpreter has glassgrad's ``GLASSGRAD_TORCH`` start-up hook (an installed
    glassgrad: ``pip install -e .`` puts it in site-packages)."""
    return os.path.exists(os.path.join(sysconfig.get_paths()["purelib"], "glassgrad-torch.pth"))
