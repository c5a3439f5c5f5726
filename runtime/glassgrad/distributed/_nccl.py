"""The NCCL backend: CuPy's NCCL bindings (``cupy.cuda.nccl``) on the ranks' GPUs.

NCCL needs its unique id shared before the communicator exists; glassgrad shares it over MPI
(mpi4py), so NCCL jobs are launched like MPI ones (``glassgrad run -n``, ``mpiexec``) and no
socket code of glassgrad's own is involved. Each rank uses GPU ``local rank % GPU count``.
NCCL calls are asynchronous on a CUDA stream; a request is done when an event recorded after
the call has completed, which is what lets the caller wait with a deadline.
"""

from __future__ import annotations

import os
from typing import Any

from ._backend import Backend, Request


class _EventRequest(Request):
    __slots__ = ("event",)

    def __init__(self, event: Any) -> None:
        self.event = event

    def test(self) -> bool:
        return self.event.done


def _cupy() -> tuple[Any, Any]:
    try:
        import cupy
        from cupy.cuda import nccl
    except ImportError as e:
        raise RuntimeError("the nccl backend needs CuPy with NCCL: pip install "
                           "'glassgrad[cuda]'") from e
    return cupy, nccl


class NCCLBackend(Backend):
    name = "nccl"

    def __init__(self, bootstrap: Backend, cupy: Any = None, nccl: Any = None) -> None:
        if cupy is None or nccl is None:
            cupy, nccl = _cupy()
        self.cupy, self.nccl = cupy, nccl
        self.bootstrap = bootstrap  # MPI: shares the unique id, and the setup's small objects
        self.rank, self.size = bootstrap.rank, bootstrap.size
        local = int(os.environ.get("MPI_LOCALRANKID") or
                    os.environ.get("OMPI_COMM_WORLD_LOCAL_RANK") or self.rank)
        n_gpus = cupy.cuda.runtime.getDeviceCount()
        self.device = cupy.cuda.Device(local % max(n_gpus, 1))
        self.device.use()
        uid = nccl.get_unique_id() if self.rank == 0 else None
        uid = bootstrap.allgather_object(uid)[0]
        self.comm = nccl.NcclCommunicator(self.size, uid, self.rank)
        self.stream = cupy.cuda.Stream(non_blocking=True)
        self._ops = {"sum": nccl.NCCL_SUM, "avg": nccl.NCCL_SUM, "product": nccl.NCCL_PROD,
                     "min": nccl.NCCL_MIN, "max": nccl.NCCL_MAX}
        self._types = {"float16": nccl.NCCL_FLOAT16, "float32": nccl.NCCL_FLOAT32,
                       "float64": nccl.NCCL_FLOAT64, "int32": nccl.NCCL_INT32,
                       "int64": nccl.NCCL_INT64, "uint8": nccl.NCCL_UINT8,
                       "int8": nccl.NCCL_INT8, "bool": nccl.NCCL_UINT8}

    def _type(self, a: Any) -> int:
        try:
            return self._types[str(a.dtype)]
        except KeyError:
            raise TypeError(f"nccl cannot reduce {a.dtype} arrays") from None

    def _issue(self) -> Request:
        event = self.cupy.cuda.Event(disable_timing=True)
        event.record(self.stream)
        return _EventRequest(event)

    def _ready(self) -> None:
        # the arrays were written on the current stream: NCCL's stream waits for that work
        self.stream.wait_event(self.cupy.cuda.get_current_stream().record())

    def allreduce(self, buf: Any, op: str) -> Request:
        self._ready()
        self.comm.allReduce(buf.data.ptr, buf.data.ptr, buf.size, self._type(buf),
                            self._ops[op], self.stream.ptr)
        return self._issue()

    def broadcast(self, buf: Any, root: int) -> Request:
        self._ready()
        self.comm.bcast(buf.data.ptr, buf.size, self._type(buf), root, self.stream.ptr)
        return self._issue()

    def allgather(self, send: Any, recv: Any) -> Request:
        self._ready()
        self.comm.allGather(send.data.ptr, recv.data.ptr, send.size, self._type(send),
                            self.stream.ptr)
        return self._issue()

    def reduce_scatter(self, send: Any, recv: Any, op: str) -> Request:
        self._ready()
        self.comm.reduceScatter(send.data.ptr, recv.data.ptr, recv.size, self._type(send),
                                self._ops[op], self.stream.ptr)
        return self._issue()

    def barrier(self) -> Request:
        # NCCL has no barrier: a one-element all-reduce on the stream, as PyTorch does
        buf = self.cupy.zeros(1, dtype=self.cupy.float32)
        return self.allreduce(buf, "sum")

    def allgather_object(self, obj: Any) -> list[Any]:
        return self.bootstrap.allgather_object(obj)

    def close(self) -> None:
        try:
            self.comm.destroy()
        finally:
            self.bootstrap.close()
