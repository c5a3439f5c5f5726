"""The DataLoader: batches from a dataset in sampler order, collated, optionally fetched ahead
by worker threads (glassgrad never forks: the debugger and run store stay in one process)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ...creation import Generator
from ._collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler


class DataLoader:
    """Iterate a dataset in batches: ``for x, y in DataLoader(ds, batch_size=32,
    shuffle=True, generator=gg.Generator().manual_seed(0))``. ``num_workers > 0`` fetches
    that many batches ahead on threads (NumPy releases the GIL in its kernels)."""

    def __init__(self, dataset: Dataset | Iterable[Any], batch_size: int | None = 1,
                 shuffle: bool | None = None, sampler: Sampler | Iterable[int] | None = None,
                 batch_sampler: Sampler | Iterable[list[int]] | None = None,
                 num_workers: int = 0, collate_fn: Callable[[list[Any]], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 generator: Generator | None = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative")
        self.dataset, self.num_workers, self.timeout = dataset, num_workers, timeout
        self.pin_memory, self.worker_init_fn = pin_memory, worker_init_fn
        self.prefetch_factor = prefetch_factor if prefetch_factor is not None else 2
        self.persistent_workers, self.generator = persistent_workers, generator
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 "sampler and batch_sampler options")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else \
                SequentialSampler(dataset)  # type: ignore[arg-type]
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self._auto_collation = batch_sampler is not None or (self._iterable and
                                                             batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None
                   else self.sampler)  # type: ignore[arg-type]

    # fetching ----------------------------------------------------------------------------------
    def _fetch(self, indices: Any) -> Any:
        ds = self.dataset
        if not self._auto_collation:
            return self.collate_fn(ds[indices])  # type: ignore[index]
        if isinstance(ds, TensorDataset) and self.collate_fn is default_collate and \
                not any(t.requires_grad for t in ds.tensors):
            return ds._batch(indices)  # one gather per tensor instead of stacking samples
        getitems = getattr(ds, "__getitems__", None)
        samples = getitems(indices) if getitems is not None else [ds[i] for i in indices]
        return self.collate_fn(samples)

    def _iter_iterable(self) -> Iterator[Any]:
        it = iter(self.dataset)
        if self.batch_size is None:
            for sample in it:
                yield self.collate_fn(sample)
            return
        batch: list[Any] = []
        for sample in it:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            return self._iter_iterable()
        keys = self.batch_sampler if self.batch_sampler is not None else self.sampler
        if self.num_workers == 0:
            return (self._fetch(k) for k in keys)  # type: ignore[union-attr]
        return self._iter_threads(iter(keys))  # type: ignore[arg-type]

    def _iter_threads(self, keys: Iterator[Any]) -> Iterator[Any]:
        """In order, with at most ``num_workers * prefetch_factor`` batches in flight."""
        window = self.num_workers * self.prefetch_factor
        with ThreadPoolExecutor(self.num_workers, thread_name_prefix="glassgrad-data") as ex:
            if self.worker_init_fn is not None:
                list(ex.map(self.worker_init_fn, range(self.num_workers)))
            pending: deque = deque()
            for key in keys:
                pending.append(ex.submit(self._fetch, key))
                if len(pending) >= window:
                    yield pending.popleft().result(timeout=self.timeout or None)
            while pending:
                yield pending.popleft().result(timeout=self.timeout or None)
