"""``glassgrad.nn.parallel``: ``DistributedDataParallel`` over ``glassgrad.distributed``."""

from .distributed import DistributedDataParallel, ReplicaDivergenceError

__all__ = ["DistributedDataParallel", "ReplicaDivergenceError"]
