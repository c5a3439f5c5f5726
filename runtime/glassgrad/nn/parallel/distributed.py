"""``nn.parallel.DistributedDataParallel``: data-parallel training over ``glassgrad.distributed``.

Each rank holds a replica of the model and runs it on its share of the batch; gradients are
averaged over the ranks in buckets while backward is still running, so communication overlaps
the rest of backward, as in PyTorch.

How a gradient is known to be ready: the engine hands a parameter's gradient to ``.grad`` only
when the whole backward is over, so DDP puts a small identity node, ``DDPGradReady``, in front
of each parameter, made right before the first module call that uses it (a forward pre-hook
swaps the parameter for its node's output during that call). Every op that reads the parameter
comes after that node, and the engine runs nodes newest first, so the node runs as soon as the
parameter's last consumer is done, with the parameter's complete local gradient. It copies the
gradient into its bucket; a full bucket starts a non-blocking all-reduce (buckets start in
order, the same on every rank). The last parameter waits for what is still in flight and
writes the averaged ``.grad`` of every parameter. In the debugger and the run store the node
is a backward step like any other (``DDPGradReadyBackward`` at the module call's line).

Gradients that reach a parameter another way (a parent module reading a child's weight, a
penalty on the weights outside ``forward``) are averaged too, by a tensor hook on the
parameter, at the end of backward. Unused parameters: with ``find_unused_parameters=True`` the
graph is walked after ``forward`` and the parameters it does not reach count as ready with a
zero gradient; parameters unused on every rank keep their ``.grad`` untouched. Without it, a
parameter that never gets a gradient stops the next ``forward`` with an error naming it, as in
PyTorch (PyTorch names it only with ``TORCH_DISTRIBUTED_DEBUG``).

Made visible, beyond PyTorch: a NaN/Inf in one rank's local gradients is reported with the
rank and the parameters before the average spreads it to every rank; every ``check_every``
iterations (``GLASSGRAD_DDP_CHECK_EVERY``, default 100, 0: never) the ranks compare their
parameters and report which parameters differ on which ranks beyond ``rtol``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from ... import distributed as dist
from ..._callsite import callsite
from ...autograd import Function, is_grad_enabled
from ...tensor import Parameter, Tensor, wrap
from ..modules.module import Module

DEFAULT_BUCKET_MB = 25.0


class ReplicaDivergenceError(dist.DistributedError):
    """The ranks' parameters differ beyond the tolerance (``on_divergence="raise"``)."""


class DDPGradReady(Function):
    """Identity on a parameter; its backward hands the parameter's gradient to DDP's reducer."""

    @staticmethod
    def forward(ctx: Any, reducer: _Reducer, index: int, param: Tensor) -> Tensor:
        ctx.reducer, ctx.index = reducer, index
        return param.detach()

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        ctx.reducer.ready(ctx.index, grad)
        return None, None, None


class _Bucket:
    __slots__ = ("index", "params", "offsets", "numel", "dtype", "xp", "flat", "pending",
                 "work", "launched", "bad")

    def __init__(self, index: int, params: list[int], sizes: list[int], dtype: Any,
                 xp: Any) -> None:
        self.index, self.params, self.dtype, self.xp = index, params, dtype, xp
        self.offsets, n = [], 0
        for s in sizes:
            self.offsets.append(n)
            n += s
        self.numel = n
        self.flat: Any = None
        self.pending = len(params)
        self.work: Any = None
        self.launched = False
        self.bad: list[str] = []


class _Reducer:
    """One iteration's gradient reduction: buckets, readiness, the collectives in flight."""

    def __init__(self, ddp: DistributedDataParallel, params: list[tuple[str, Parameter]],
                 bucket_bytes: int) -> None:
        self.ddp = ddp
        self.group = dist._group(ddp.process_group)
        self.names = [n for n, _ in params]
        self.params = [p for _, p in params]
        self.buckets: list[_Bucket] = []
        self.where: list[tuple[int, int]] = [(-1, -1)] * len(self.params)  # (bucket, slot)
        # PyTorch's order: parameters in reverse, as backward produces their gradients
        order = list(range(len(self.params)))[::-1]
        current: list[int] = []
        size = 0
        for i in order + [None]:
            p = self.params[i] if i is not None else None
            if current and (p is None or size + p._data.nbytes > bucket_bytes or
                            p._data.dtype != self.params[current[0]]._data.dtype):
                first = self.params[current[0]]
                b = _Bucket(len(self.buckets), current, [self.params[j].numel() for j in current],
                            first._data.dtype, first._device.xp)
                for slot, j in enumerate(current):
                    self.where[j] = (b.index, slot)
                self.buckets.append(b)
                current, size = [], 0
            if p is not None:
                current.append(i)
                size += p._data.nbytes
        self.active = False   # a reduction was prepared by forward and is not finished
        self.started = False  # at least one gradient arrived
        self.marked = [False] * len(self.params)
        self.used = np.ones(len(self.params), dtype=np.int64)
        self.next_launch = 0
        self.exposed = 0.0  # seconds backward waited for communication, this iteration
        self.comm_started: float | None = None

    # an iteration --------------------------------------------------------------------------------
    def prepare(self) -> None:
        if self.active and self.started:
            missing = [self.names[i] for i, m in enumerate(self.marked) if not m]
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a "
                "new one. This error indicates that your module has parameters that were not "
                f"used in producing loss: {', '.join(missing)} (rank {self.group.rank}). "
                "Pass find_unused_parameters=True to DistributedDataParallel, or make sure "
                "every forward output takes part in the loss.")
        self.active, self.started = True, False
        self.marked = [False] * len(self.params)
        self.used[:] = 1
        self.next_launch = 0
        self.exposed = 0.0
        self.comm_started = None
        for b in self.buckets:
            b.flat = b.xp.empty(b.numel + 1, dtype=b.dtype)  # + the count of non-finite values
            b.pending = len(b.params)
            b.work, b.launched, b.bad = None, False, []

    def ready(self, index: int, grad: Tensor | None) -> None:
        """Parameter ``index``'s local gradient is complete (None: unused, zero)."""
        if not self.active:
            raise RuntimeError(f"DistributedDataParallel: a gradient for {self.names[index]} "
                               "arrived outside a reduction (backward run twice through one "
                               "forward's graph?)")
        if self.marked[index]:
            raise RuntimeError(
                f"Expected to mark a variable ready only once: {self.names[index]} got a "
                f"gradient twice in one iteration (rank {self.group.rank}). A parameter used "
                "in a reentrant backward or by two backward passes of one forward cannot be "
                "reduced by DistributedDataParallel.")
        self.started = True
        self.marked[index] = True
        p = self.params[index]
        b_i, slot = self.where[index]
        b = self.buckets[b_i]
        start = b.offsets[slot]
        view = b.flat[start:start + p.numel()].reshape(p._data.shape)
        if grad is None:
            if p.grad is None:
                view[...] = 0
            else:
                view[...] = p.grad._data
        elif p.grad is None:
            view[...] = grad._data
        else:  # gradients accumulated locally (no_sync, or no zero_grad): reduce the total
            view[...] = p.grad._data
            view += grad._data
        b.pending -= 1
        if b.pending == 0:
            self._launch_ready()
        else:
            self._progress()

    def mark_unused(self, indices: list[int]) -> None:
        for i in indices:
            self.used[i] = 0
        for i in indices:
            if not self.marked[i]:
                self.ready(i, None)

    def _progress(self) -> None:
        """Let the engine move the collectives in flight (MPI progresses inside its calls)."""
        for b in self.buckets[:self.next_launch]:
            if b.work is not None:
                b.work.is_completed()

    def _launch_ready(self) -> None:
        while self.next_launch < len(self.buckets) and \
                self.buckets[self.next_launch].pending == 0:
            b = self.buckets[self.next_launch]
            self._launch(b)
            self.next_launch += 1
        self._progress()
        if self.next_launch == len(self.buckets):
            self._finish()

    def _launch(self, b: _Bucket) -> None:
        data = b.flat[:-1]
        finite = b.xp.isfinite(data)
        n_bad = int(data.size - int(finite.sum()))
        if n_bad:
            for slot, j in enumerate(b.params):
                start = b.offsets[slot]
                part = finite[start:start + self.params[j].numel()]
                if not part.all():
                    b.bad.append(f"{self.names[j]} ({int(part.size - part.sum())} of "
                                 f"{part.size} non-finite)")
        b.flat[-1] = n_bad
        g = self.group
        if self.comm_started is None:
            self.comm_started = time.perf_counter()
        b.work = g.run("ddp_bucket", lambda: g.backend.allreduce(b.flat, "sum"), count=b.numel,
                       site=backward_site(), checked=False, async_op=True)
        b.work.info.pop("launched", None)  # reported where backward was called
        b.work.info.update(bucket=b.index, dtype=str(b.dtype), shape=[int(b.numel)])
        b.launched = True

    def _finish(self) -> None:
        """Every bucket is launched: wait for them, write the averaged gradients."""
        g = self.group
        t0 = time.perf_counter()
        for b in self.buckets:
            b.work.wait()
        used = self.used
        if self.ddp.find_unused_parameters:  # which parameters some rank used
            used = used.copy()
            g.watch.wait(g.backend.allreduce(used, "sum"),
                         {"name": "ddp_used_parameters", "seq": None, "site": backward_site()})
        self.exposed = time.perf_counter() - t0
        size = g.size
        bad_ranks: list[str] = []
        for b in self.buckets:
            if b.flat[-1] != 0 and not bad_ranks:
                bad_ranks = self._who_was_bad()
            data = b.flat[:-1]
            data /= size
            for slot, j in enumerate(b.params):
                if not used[j]:
                    continue  # unused on every rank: .grad stays as it was, as in PyTorch
                p = self.params[j]
                start = b.offsets[slot]
                p.grad = wrap(data[start:start + p.numel()].reshape(p._data.shape), p._device)
        self.active = False
        self.ddp._after_reduction(self, bad_ranks)

    def _who_was_bad(self) -> list[str]:
        """Some rank's local gradients had NaN/Inf: every rank learns which, and where."""
        mine = [d for b in self.buckets for d in b.bad]
        every = self.group.backend.allgather_object(mine)
        return [f"rank {r}: {', '.join(d)}" for r, d in enumerate(every) if d]


class DistributedDataParallel(Module):
    """Data-parallel training of ``module`` over the process group (``torch.nn.parallel.
    DistributedDataParallel``'s arguments; ``device_ids``, ``output_device`` and ``dim`` are
    accepted and unused: a rank's tensors already live on its device)."""

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None,
                 dim: int = 0, broadcast_buffers: bool = True, process_group: Any = None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False, *, check_every: int | None = None,
                 rtol: float = 1e-6, on_divergence: str = "warn") -> None:
        super().__init__()
        self.module = module
        object.__setattr__(self, "process_group", process_group)
        group = dist._group(process_group)
        object.__setattr__(self, "_group", group)
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        if check_every is None:
            check_every = int(os.environ.get("GLASSGRAD_DDP_CHECK_EVERY", "100"))
        self.check_every, self.rtol, self.on_divergence = check_every, rtol, on_divergence
        if on_divergence not in ("warn", "raise"):
            raise ValueError("on_divergence must be 'warn' or 'raise'")
        seen: set[int] = set()
        params: list[tuple[str, Parameter]] = []
        for name, p in module.named_parameters():
            if id(p) not in seen and p.requires_grad:
                seen.add(id(p))
                params.append((name, p))
        self._check_same_model(params)
        self._sync_states()
        mb = DEFAULT_BUCKET_MB if bucket_cap_mb is None else bucket_cap_mb
        object.__setattr__(self, "reducer", _Reducer(self, params, int(mb * 1024 * 1024)))
        object.__setattr__(self, "_index", {id(p): i for i, (_, p) in enumerate(params)})
        object.__setattr__(self, "_views", {})
        object.__setattr__(self, "_swapping", False)
        object.__setattr__(self, "_sync_iteration", False)
        object.__setattr__(self, "_handles", [])
        self.iteration = 0
        self.comm_exposed_s = 0.0  # total seconds backward waited for all-reduces
        self.last_exposed_s = 0.0
        for m in module.modules():
            owned = [n for n, p in m._parameters.items() if p is not None and id(p) in seen]
            if owned:
                self._handles.append(m.register_forward_pre_hook(self._swap_in(owned)))
                self._handles.append(m.register_forward_hook(self._swap_out(owned),
                                                             always_call=True))
        for i, (_, p) in enumerate(params):
            self._handles.append(p.register_hook(self._direct_hook(i)))

    # setup ------------------------------------------------------------------------------------
    def _check_same_model(self, params: list[tuple[str, Parameter]]) -> None:
        g = self._group
        if g.size == 1:
            return
        mine = [(n, tuple(p.shape), p.dtype.name) for n, p in params]
        every = g.backend.allgather_object(mine)
        for r, theirs in enumerate(every):
            if theirs != mine:
                diff = next(((a, b) for a, b in zip(mine, theirs) if a != b),
                            (mine[len(theirs):len(theirs) + 1] or None,
                             theirs[len(mine):len(mine) + 1] or None))
                raise RuntimeError(
                    f"DistributedDataParallel: rank {g.rank} and rank {r} have different models "
                    f"({len(mine)} and {len(theirs)} parameters; first difference: rank "
                    f"{g.rank} {diff[0]}, rank {r} {diff[1]})")

    def _sync_states(self) -> None:
        """Rank 0's parameters and buffers to every rank (as PyTorch does at construction)."""
        g = self._group
        if g.size == 1:
            return
        for name, t in [*self.module.named_parameters(), *self.module.named_buffers()]:
            self._broadcast(t, f"DistributedDataParallel: parameters and buffers from rank 0 "
                               f"({name})")

    def _broadcast(self, t: Tensor, what: str) -> None:
        g = self._group
        buf, copied = dist._buffer(t)
        g.watch.wait(g.backend.broadcast(buf, 0), {"name": "broadcast", "seq": None,
                                                   "site": (what, 0, "__init__")})
        if copied:
            dist._write(t, buf)
        else:
            dist._bump(t)

    # forward ----------------------------------------------------------------------------------
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        g = self._group
        if self.broadcast_buffers and g.size > 1:
            for name, b in self.module.named_buffers():
                self._broadcast(b, f"DistributedDataParallel: buffer {name} from rank 0")
        if self.check_every and self.iteration % self.check_every == 0 and g.size > 1 and \
                self.iteration > 0:
            self.check_replicas()
        sync = self.require_backward_grad_sync and is_grad_enabled()
        object.__setattr__(self, "_sync_iteration", sync)
        if sync:
            self.reducer.prepare()
            self._views.clear()
            object.__setattr__(self, "_swapping", True)
        try:
            out = self.module(*inputs, **kwargs)
        finally:
            object.__setattr__(self, "_swapping", False)
            self._views.clear()
        if sync and self.find_unused_parameters:
            self.reducer.mark_unused(self._unreached(out))
        return out

    def _swap_in(self, names: list[str]) -> Any:
        def pre(module: Module, args: tuple) -> None:
            if not self._swapping:
                return
            params = module._parameters
            for n in names:
                p = params[n]
                i = self._index.get(id(p))
                if i is None:
                    continue
                view = self._views.get(i)
                if view is None:
                    view = self._views[i] = (DDPGradReady.apply(self.reducer, i, p), p)
                params[n] = view[0]
        return pre

    def _swap_out(self, names: list[str]) -> Any:
        def post(module: Module, args: tuple, out: Any) -> None:
            params = module._parameters
            for n in names:
                p = params[n]
                if p is not None and not isinstance(p, Parameter):
                    for view, real in self._views.values():
                        if view is p:
                            params[n] = real
                            break
        return post

    def _direct_hook(self, index: int) -> Any:
        """A gradient that reached the parameter itself, not through its module's call."""
        def hook(grad: Tensor) -> Tensor | None:
            if not self._sync_iteration:
                return None  # no_sync: accumulate locally
            g = self._group
            buf = grad._device.xp.array(grad._data, copy=True)
            g.watch.wait(g.backend.allreduce(buf, "sum"),
                         {"name": "ddp_direct_gradient", "seq": None, "site": backward_site(),
                          "parameter": self.reducer.names[index]})
            buf /= g.size
            r = self.reducer
            if r.active and not r.marked[index]:
                r.ready(index, None)
            return wrap(buf, grad._device)
        return hook

    def _unreached(self, out: Any) -> list[int]:
        """Parameters whose ready node the outputs' graph does not reach."""
        roots = [t.grad_fn for t in _tensors(out) if t.grad_fn is not None]
        seen: set[int] = set()
        reached: set[int] = set()
        stack = roots
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, DDPGradReady):
                reached.add(node.index)
                continue
            for fn, _ in getattr(node, "next_functions", ()):
                if fn is not None and hasattr(fn, "next_functions"):
                    stack.append(fn)
        return [i for i in range(len(self.reducer.params)) if i not in reached]

    # after backward ---------------------------------------------------------------------------
    def _after_reduction(self, reducer: _Reducer, bad: list[str]) -> None:
        self.iteration += 1
        self.last_exposed_s = reducer.exposed
        self.comm_exposed_s += reducer.exposed
        if bad:
            from . import _report

            _report.nonfinite(self, bad)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward passes inside accumulate gradients locally; the first backward after it
        averages the accumulated gradients."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def check_replicas(self) -> list[str]:
        """Compare the ranks' parameters (and buffers): each rank's norm and sum of each; the
        ones that differ beyond ``rtol`` are reported (warning or ReplicaDivergenceError)."""
        g = self._group
        named = [*self.module.named_parameters(), *self.module.named_buffers()]
        mine = np.array([[float(np.linalg.norm(np.asarray(_host(t._data), dtype=np.float64))),
                          float(np.asarray(_host(t._data), dtype=np.float64).sum())]
                         for _, t in named] or np.zeros((0, 2)), dtype=np.float64)
        every = np.empty((g.size,) + mine.shape, dtype=np.float64)
        g.watch.wait(g.backend.allgather(mine.reshape(-1), every.reshape(-1)),
                     {"name": "ddp_check_replicas", "seq": None, "site": callsite(2)})
        diffs = []
        ref = every[0]
        scale = np.maximum(np.abs(ref), 1e-12)
        for r in range(1, g.size):
            rel = np.abs(every[r] - ref) / scale
            for k in np.nonzero((rel > self.rtol).any(axis=1) |
                                ~np.isfinite(every[r]).all(axis=1))[0]:
                diffs.append(f"{named[k][0]}: rank 0 norm {ref[k, 0]:.9g}, rank {r} norm "
                             f"{every[r][k, 0]:.9g} (relative difference "
                             f"{rel[k].max():.2g} > {self.rtol:g})")
        if diffs:
            from . import _report

            _report.divergence(self, diffs)
        return diffs

    def extra_repr(self) -> str:
        r = self.reducer
        return (f"world_size={self._group.size}, buckets={len(r.buckets)}, "
                f"find_unused_parameters={self.find_unused_parameters}")


def backward_site() -> tuple[str, int, str] | None:
    """The user's line that runs this backward (``loss.backward()``): the innermost frame that
    is neither glassgrad's nor a backward frame."""
    from ..._callsite import is_internal
    from ...autograd.frames import GLOBALS

    f = sys._getframe(1)
    while f is not None:
        if f.f_globals is not GLOBALS and not is_internal(f.f_code.co_filename):
            return (f.f_code.co_filename, f.f_lineno, f.f_code.co_name)
        f = f.f_back
    return None


def _host(a: Any) -> Any:
    return a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else a


def _tensors(out: Any) -> list[Tensor]:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _tensors(o)]
    return []


def _warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
