"""``glassgrad.distributed``: collectives with ``torch.distributed``'s names, on an existing
collective engine: MPI through mpi4py (CPU tensors) or NCCL through CuPy (GPU tensors).

    import glassgrad.distributed as dist
    dist.init_process_group("mpi")            # ranks started by `glassgrad run -n 4` / mpiexec
    dist.all_reduce(t)                        # in place, like PyTorch

What glassgrad adds: every collective is waited on with a deadline (``timeout=``,
``GLASSGRAD_DIST_TIMEOUT``, default 300 s), a peer that dies or ends early is noticed within a
second, and a hang or a mismatch raises an error on each rank that names every rank's
collective and ``file:line``. With ``GLASSGRAD_DIST_CHECK`` on (the default), each collective
first compares a small descriptor (which collective, its sequence number, dtype, size, op,
root) across the ranks, so ranks that call different collectives fail at once with both call
sites instead of hanging or mixing up data. See docs/distributed.md.
"""

from __future__ import annotations

import atexit
import datetime
import os
import shutil
import socket
import tempfile
import time
import zlib
from typing import Any

import numpy as np

from .._callsite import callsite
from ..tensor import Tensor
from ._backend import Backend, Request
from ._watch import (
    CollectiveMismatchError,
    CollectiveTimeoutError,
    DistributedError,
    RankGoneError,
    Watch,
    describe,
)

__all__ = ["ReduceOp", "Work", "init_process_group", "destroy_process_group", "is_available",
           "is_initialized", "is_mpi_available", "is_nccl_available", "get_rank",
           "get_world_size", "get_backend", "all_reduce", "broadcast", "all_gather",
           "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_tensor", "barrier",
           "all_gather_object", "broadcast_object_list", "DistributedError",
           "CollectiveTimeoutError", "CollectiveMismatchError", "RankGoneError", "stats"]

DEFAULT_TIMEOUT = 300.0


class ReduceOp:
    """``dist.ReduceOp.SUM`` and friends, as in PyTorch."""

    SUM = "sum"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    AVG = "avg"


_KINDS = {n: i for i, n in enumerate(("all_reduce", "broadcast", "all_gather", "reduce_scatter",
                                      "barrier", "all_gather_into_tensor",
                                      "reduce_scatter_tensor", "ddp_bucket"), 1)}
_OPS = {op: i for i, op in enumerate((None, "sum", "product", "min", "max", "avg"))}


def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return default if raw in (None, "") else float(raw)


class ProcessGroup:
    """The world: one backend, its watch, the collectives' sequence numbers."""

    def __init__(self, backend: Backend, timeout: float, check: bool) -> None:
        self.backend = backend
        self.rank, self.size = backend.rank, backend.size
        self.check = check
        self.seq = 0
        self.count = 0          # collectives run
        self._own_folder = None
        folder = os.environ.get("GLASSGRAD_DIST_DIR")
        peers = backend.allgather_object((socket.gethostname(), os.getpid(), folder))
        if folder is None and self.size > 1:  # rank 0 makes one, in its temp folder
            made = tempfile.mkdtemp(prefix="glassgrad-dist-") if self.rank == 0 else None
            folder = backend.allgather_object(made)[0]
            self._own_folder = made
        self.watch = Watch(self.rank, self.size, timeout, folder,
                           [(h, p) for h, p, _ in peers])
        # observers of collectives (the recorder), called with each finished one
        self.listeners: list = []

    def run(self, name: str, start: Any, tensor: Tensor | None = None, op: str | None = None,
            root: int | None = None, count: int | None = None, site: Any = None,
            checked: bool = True, async_op: bool = False, finish: Any = None) -> Work:
        """Start collective ``name`` (``start()`` returns its Request) and return its Work."""
        self.seq += 1
        info = {"name": name, "seq": self.seq, "site": site or callsite(3),
                "rank": self.rank}
        if tensor is not None:
            info["dtype"] = tensor.dtype.name
            info["shape"] = list(tensor.shape)
        if op is not None and op != "sum":
            info["op"] = op
        if root is not None:
            info["root"] = root
        if checked and self.check and self.size > 1:
            self._compare(info, count if count is not None else
                          (tensor.numel() if tensor is not None else 0), op, root)
        info["t_start"] = time.time()
        req = start()
        return Work(self, req, info, finish, async_op)

    def _compare(self, info: dict, count: int, op: str | None, root: int | None) -> None:
        """All ranks show each other what they are about to run; a difference is an error
        naming every rank's collective and call site."""
        dtype = zlib.crc32(info.get("dtype", "").encode())
        mine = np.array([_KINDS.get(info["name"], 99), info["seq"], dtype, count,
                         _OPS.get(op, 9), -1 if root is None else root], dtype=np.int64)
        every = np.empty(self.size * mine.size, dtype=np.int64)
        check = dict(info, name=f"{info['name']} (descriptor check)")
        self.watch.wait(self.backend.allgather(mine, every), check)
        rows = every.reshape(self.size, mine.size)
        if (rows == rows[0]).all():
            return
        infos = self.backend.allgather_object({k: v for k, v in info.items() if k != "t0"})
        lines = "\n".join(f"  rank {r}: {describe(i)}" for r, i in enumerate(infos))
        what = "different collectives" if len(set(rows[:, 0])) > 1 or \
            len(set(rows[:, 1])) > 1 else "the same collective with different arguments"
        raise CollectiveMismatchError(f"collective mismatch: the ranks called {what}\n{lines}",
                                      {r: {"state": "collective", "collective": i}
                                       for r, i in enumerate(infos)})

    def close(self) -> None:
        self.watch.close()
        self.backend.close()
        if self._own_folder:
            shutil.rmtree(self._own_folder, ignore_errors=True)


class Work:
    """What ``async_op=True`` returns (and what every collective waits on): ``wait()``,
    ``is_completed()``."""

    def __init__(self, group: ProcessGroup, req: Request, info: dict, finish: Any,
                 async_op: bool) -> None:
        self.group, self.req, self.info, self._finish = group, req, info, finish
        self._done = False
        if async_op:
            info["launched"] = info["site"]
        else:
            self.wait()

    def is_completed(self) -> bool:
        if not self._done and self.req.test():
            self._complete(0.0)
        return self._done

    def wait(self, timeout: Any = None) -> bool:
        if self._done:
            return True
        g = self.group
        if "launched" in self.info:  # an async op: where it is waited for
            self.info["site"] = callsite(2)
        t0 = time.perf_counter()
        g.watch.wait(self.req, self.info)
        self._complete(time.perf_counter() - t0)
        return True

    def _complete(self, waited: float) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()
        g = self.group
        g.count += 1
        self.info["wait_s"] = waited
        for listener in g.listeners:
            listener(self.info)


_world: ProcessGroup | None = None


def is_available() -> bool:
    return True


def is_mpi_available() -> bool:
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def is_nccl_available() -> bool:
    try:
        from cupy.cuda import nccl  # noqa: F401
    except Exception:  # noqa: BLE001 - no CuPy, no CUDA driver, no NCCL
        return False
    return True


def is_initialized() -> bool:
    return _world is not None


def _seconds(timeout: Any) -> float:
    if timeout is None:
        return _env_seconds("GLASSGRAD_DIST_TIMEOUT", DEFAULT_TIMEOUT)
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: Any = None, world_size: int = -1, rank: int = -1,
                       store: Any = None, group_name: str = "", pg_options: Any = None,
                       device_id: Any = None, *, _engine: Backend | None = None) -> None:
    """Join the job's ranks: ``"mpi"`` (CPU tensors, mpi4py) or ``"nccl"`` (GPU tensors, NCCL
    through CuPy, bootstrapped over MPI). The ranks are the MPI job's (``glassgrad run -n``,
    ``mpiexec``); ``init_method`` and ``store`` are not needed and must be None.
    ``timeout`` (seconds or a timedelta) bounds every wait in a collective."""
    global _world
    if _world is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    if init_method not in (None, "env://") or store is not None:
        raise ValueError("glassgrad.distributed takes its ranks from the MPI launcher "
                         "(glassgrad run -n N, mpiexec): init_method and store are not used")
    name = (backend or "mpi").lower()
    if _engine is not None:
        engine = _engine
    elif name == "mpi":
        from ._mpi import MPIBackend

        engine = MPIBackend()
    elif name == "nccl":
        from ._mpi import MPIBackend
        from ._nccl import NCCLBackend

        engine = NCCLBackend(MPIBackend())
    else:
        raise ValueError(f"unknown backend {backend!r}: glassgrad.distributed has 'mpi' "
                         "(CPU) and 'nccl' (GPU, through CuPy)")
    if world_size not in (-1, None) and world_size != engine.size:
        raise ValueError(f"world_size={world_size} but the job has {engine.size} ranks")
    if rank not in (-1, None) and rank != engine.rank:
        raise ValueError(f"rank={rank} but this process is rank {engine.rank} of the job")
    check = os.environ.get("GLASSGRAD_DIST_CHECK", "1").lower() not in ("0", "off", "false",
                                                                         "no")
    _world = ProcessGroup(engine, _seconds(timeout), check)
    from . import _record

    _record.attach(_world)


def destroy_process_group(group: Any = None) -> None:
    global _world
    if _world is not None:
        w, _world = _world, None
        w.close()


@atexit.register
def _at_exit() -> None:
    if _world is not None:  # a program that never called destroy_process_group
        _world.watch.close()


def _group(group: Any = None) -> ProcessGroup:
    if _world is None:
        raise RuntimeError("Default process group has not been initialized, please make sure "
                           "to call init_process_group.")
    return _world


def get_rank(group: Any = None) -> int:
    return _world.rank if _world is not None else -1 if group is None else _group().rank


def get_world_size(group: Any = None) -> int:
    return _group(group).size


def get_backend(group: Any = None) -> str:
    return _group(group).backend.name


def stats() -> dict[str, Any]:
    """This rank's collectives so far: how many, and seconds spent waiting in them."""
    g = _group()
    return {"rank": g.rank, "world_size": g.size, "collectives": g.count,
            "wait_s": g.watch.waited}


# arrays --------------------------------------------------------------------------------------
def _buffer(t: Tensor) -> tuple[Any, bool]:
    """``t``'s array if a collective can write it in place, else a contiguous copy (True)."""
    a = t._data
    flags = getattr(a, "flags", None)
    if flags is not None and flags.c_contiguous and getattr(flags, "writeable", True) and \
            a.ndim > 0:
        return a, False
    return t._device.xp.ascontiguousarray(a).reshape(-1), True


def _write(t: Tensor, a: Any) -> None:
    t._device.backend.setitem(t._data, ..., a.reshape(t._data.shape))
    t._shared_vbox()[0] += 1


def _bump(t: Tensor) -> None:
    t._shared_vbox()[0] += 1  # written in place: saved copies of it are now stale


def _check_tensor(t: Any, what: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{what} must be a glassgrad Tensor, got {type(t).__name__}")
    return t


def _scale(a: Any, size: int) -> None:
    if a.dtype.kind == "f":
        a /= size
    else:
        a //= size


# collectives ---------------------------------------------------------------------------------
def all_reduce(tensor: Tensor, op: str = ReduceOp.SUM, group: Any = None,
               async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` over the ranks, in place (every rank gets the result)."""
    g = _group(group)
    _check_tensor(tensor, "all_reduce's tensor")
    op = op.lower() if isinstance(op, str) else op
    buf, copied = _buffer(tensor)

    def finish() -> None:
        if op == "avg":
            _scale(buf, g.size)
        _write(tensor, buf) if copied else _bump(tensor)

    w = g.run("all_reduce", lambda: g.backend.allreduce(buf, op), tensor, op=op,
              site=callsite(2), async_op=async_op, finish=finish)
    return w if async_op else None


def broadcast(tensor: Tensor, src: int, group: Any = None, async_op: bool = False
              ) -> Work | None:
    """``tensor`` of rank ``src`` to every rank, in place."""
    g = _group(group)
    _check_tensor(tensor, "broadcast's tensor")
    if not 0 <= src < g.size:
        raise ValueError(f"broadcast: src {src} is not a rank (world size {g.size})")
    buf, copied = _buffer(tensor)

    def finish() -> None:
        _write(tensor, buf) if copied else _bump(tensor)

    w = g.run("broadcast", lambda: g.backend.broadcast(buf, src), tensor, root=src,
              site=callsite(2), async_op=async_op, finish=finish)
    return w if async_op else None


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: Any = None,
               async_op: bool = False) -> Work | None:
    """``tensor_list[r]`` gets rank r's ``tensor`` (same shape on every rank)."""
    g = _group(group)
    _check_tensor(tensor, "all_gather's tensor")
    if len(tensor_list) != g.size:
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors for a world "
                         f"of {g.size}")
    xp = tensor._device.xp
    send = xp.ascontiguousarray(tensor._data).reshape(-1)
    recv = xp.empty(g.size * send.size, dtype=send.dtype)

    def finish() -> None:
        for r, out in enumerate(tensor_list):
            _write(out, recv[r * send.size:(r + 1) * send.size])

    w = g.run("all_gather", lambda: g.backend.allgather(send, recv), tensor,
              site=callsite(2), async_op=async_op, finish=finish)
    return w if async_op else None


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: Any = None,
                           async_op: bool = False) -> Work | None:
    """``output_tensor`` (world size times ``input_tensor``'s elements, concatenated along
    dim 0 or stacked) gets every rank's ``input_tensor``, rank order."""
    g = _group(group)
    xp = input_tensor._device.xp
    send = xp.ascontiguousarray(input_tensor._data).reshape(-1)
    if output_tensor.numel() != g.size * send.size:
        raise ValueError(f"all_gather_into_tensor: output has {output_tensor.numel()} elements, "
                         f"expected {g.size} x {send.size}")
    recv, copied = _buffer(output_tensor)
    recv_flat = recv.reshape(-1)

    def finish() -> None:
        _write(output_tensor, recv_flat) if copied else _bump(output_tensor)

    w = g.run("all_gather_into_tensor", lambda: g.backend.allgather(send, recv_flat),
              input_tensor, site=callsite(2), async_op=async_op, finish=finish)
    return w if async_op else None


def reduce_scatter(output: Tensor, input_list: list[Tensor], op: str = ReduceOp.SUM,
                   group: Any = None, async_op: bool = False) -> Work | None:
    """``output`` on rank r gets the reduction over the ranks of their ``input_list[r]``."""
    g = _group(group)
    if len(input_list) != g.size:
        raise ValueError(f"reduce_scatter: input_list has {len(input_list)} tensors for a "
                         f"world of {g.size}")
    xp = output._device.xp
    n = output.numel()
    for i, t in enumerate(input_list):
        if t.numel() != n:
            raise ValueError(f"reduce_scatter: input_list[{i}] has {t.numel()} elements, "
                             f"output has {n}")
    send = xp.concatenate([xp.ascontiguousarray(t._data).reshape(-1) for t in input_list])
    return _reduce_scatter(g, "reduce_scatter", output, send, op, async_op)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: str = ReduceOp.SUM,  # noqa: A002
                          group: Any = None, async_op: bool = False) -> Work | None:
    """``input`` holds world-size blocks of ``output``'s size; rank r gets block r reduced."""
    g = _group(group)
    if input.numel() != g.size * output.numel():
        raise ValueError(f"reduce_scatter_tensor: input has {input.numel()} elements, expected "
                         f"{g.size} x {output.numel()}")
    send = input._device.xp.ascontiguousarray(input._data).reshape(-1)
    return _reduce_scatter(g, "reduce_scatter_tensor", output, send, op, async_op)


def _reduce_scatter(g: ProcessGroup, name: str, output: Tensor, send: Any, op: str,
                    async_op: bool) -> Work | None:
    op = op.lower()
    recv = output._device.xp.empty(output.numel(), dtype=send.dtype)

    def finish() -> None:
        if op == "avg":
            _scale(recv, g.size)
        _write(output, recv)

    w = g.run(name, lambda: g.backend.reduce_scatter(send, recv, op), output, op=op,
              site=callsite(3), async_op=async_op, finish=finish)
    return w if async_op else None


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> Work | None:
    """Wait until every rank is here."""
    g = _group(group)
    w = g.run("barrier", g.backend.barrier, site=callsite(2), async_op=async_op)
    return w if async_op else None


def all_gather_object(object_list: list, obj: Any, group: Any = None) -> None:
    """``object_list[r]`` gets rank r's (picklable) ``obj``."""
    g = _group(group)
    if len(object_list) != g.size:
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} slots for a "
                         f"world of {g.size}")
    object_list[:] = g.backend.allgather_object(obj)


def broadcast_object_list(object_list: list, src: int = 0, group: Any = None,
                          device: Any = None) -> None:
    """Rank ``src``'s (picklable) objects to every rank, in place."""
    g = _group(group)
    got = g.backend.allgather_object(list(object_list) if g.rank == src else None)[src]
    object_list[:] = got
