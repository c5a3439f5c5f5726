"""What a collective engine offers glassgrad: non-blocking collectives on arrays.

A backend wraps an existing engine (MPI through mpi4py, NCCL through CuPy); glassgrad adds
no networking of its own. Every collective is started non-blocking and returns a ``Request``
whose ``test()`` says whether it is done, so the caller can wait with a deadline (hang
reports) and overlap the wait with other work (DDP's buckets during backward).
"""

from __future__ import annotations

from typing import Any

REDUCE_OPS = ("sum", "product", "min", "max", "avg")


class Request:
    """A collective in flight. ``test()`` makes progress and says whether it completed."""

    def test(self) -> bool:
        raise NotImplementedError

    def wait(self) -> None:  # blocking, no deadline: for backends' own use
        while not self.test():
            pass


class Done(Request):
    """A collective that completed at once (world size 1, or a blocking engine call)."""

    def test(self) -> bool:
        return True


class Backend:
    """One process group's engine. Arrays are NumPy (MPI) or CuPy (NCCL) arrays, contiguous;
    ``out`` arrays are written in place."""

    name = "?"
    rank = 0
    size = 1

    def allreduce(self, buf: Any, op: str) -> Request:
        """Reduce ``buf`` over the ranks, in place."""
        raise NotImplementedError

    def broadcast(self, buf: Any, root: int) -> Request:
        raise NotImplementedError

    def allgather(self, send: Any, recv: Any) -> Request:
        """``recv`` (size * send.size elements) gets every rank's ``send``, rank order."""
        raise NotImplementedError

    def reduce_scatter(self, send: Any, recv: Any, op: str) -> Request:
        """``send`` holds size blocks of recv.size elements; rank r gets the reduction of
        every rank's block r."""
        raise NotImplementedError

    def barrier(self) -> Request:
        raise NotImplementedError

    def allgather_object(self, obj: Any) -> list[Any]:
        """Small Python objects (pickled) from every rank, blocking: setup and reports only."""
        raise NotImplementedError

    def close(self) -> None:
        pass
