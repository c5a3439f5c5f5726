"""Running rank programs (tests/distributed/workers.py) under the installed MPI."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import glassgrad

HERE = os.path.dirname(os.path.abspath(__file__))
WORKERS = os.path.join(HERE, "workers.py")
# the glassgrad under test, for the ranks (a source checkout's roots first)
ROOTS = [os.path.dirname(os.path.dirname(os.path.abspath(glassgrad.__file__)))]


def mpi_available() -> bool:
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return shutil.which("mpiexec") is not None


needs_mpi = pytest.mark.skipif(not mpi_available(), reason="needs mpi4py and mpiexec (the test "
                                                           "extra installs them)")


def env(**extra: str) -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join(ROOTS + [e.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    e.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    for k in ("GLASSGRAD_RECORD", "GLASSGRAD_LIVE", "GLASSGRAD_RUN_GROUP",
              "GLASSGRAD_PARENT_RUN", "GLASSGRAD_PARENT_PID"):
        e.pop(k, None)
    e.update(extra)
    return e


def mpirun(n: int, *args: str, cwd: str, timeout: float = 120,
           **extra: str) -> subprocess.CompletedProcess:
    """``mpiexec -n N python workers.py ARGS`` in ``cwd``."""
    cmd = ["mpiexec", "-n", str(n), sys.executable, WORKERS, *args]
    return subprocess.run(cmd, cwd=cwd, env=env(**extra), capture_output=True, text=True,
                          timeout=timeout)


def load(out: str) -> list[dict[str, np.ndarray]]:
    """Every rank's saved arrays, rank order."""
    files = sorted(glob.glob(f"{out}.rank*.npz"), key=lambda f: int(f.rsplit("rank", 1)[1][:-4]))
    return [dict(np.load(f)) for f in files]
