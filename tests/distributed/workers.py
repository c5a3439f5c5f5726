"""Rank programs for tests/distributed: ``python workers.py SCENARIO OUT [args]`` under
mpiexec (or ``glassgrad run -n``). Each rank writes what the test checks to
``OUT.rank<r>.npz`` / ``.json``; errors go to stderr as the program would show them."""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

import glassgrad as gg
import glassgrad.distributed as dist
from glassgrad.nn.parallel import DistributedDataParallel as DDP

STEPS = 20
GLOBAL_BATCH = 16


def make_model(seed: int = 0) -> gg.nn.Module:
    gg.manual_seed(seed)
    return gg.nn.Sequential(gg.nn.Linear(6, 16), gg.nn.Tanh(), gg.nn.Linear(16, 16), gg.nn.ReLU(),
                            gg.nn.Linear(16, 3)).double()


def data(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((STEPS, GLOBAL_BATCH, 6)),
            rng.standard_normal((STEPS, GLOBAL_BATCH, 3)))


def make_optimizer(name: str, params: object) -> gg.optim.Optimizer:
    if name == "sgd":
        return gg.optim.SGD(params, lr=0.05, momentum=0.9)
    return gg.optim.Adam(params, lr=0.01)


def save(out: str, rank: int, **arrays: object) -> None:
    np.savez(f"{out}.rank{rank}.npz", **arrays)


def parity(out: str, opt_name: str, accumulate: str = "0") -> None:
    """DDP training; with ``accumulate``, two micro-batches per step, the first in no_sync."""
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    model = make_model(seed=rank)  # different on each rank: DDP broadcasts rank 0's
    ddp = DDP(model, bucket_cap_mb=0.002)  # several buckets
    opt = make_optimizer(opt_name, ddp.parameters())
    xs, ys = data()
    per = GLOBAL_BATCH // world
    exposed = []
    for step in range(STEPS):
        x, y = xs[step, rank * per:(rank + 1) * per], ys[step, rank * per:(rank + 1) * per]
        opt.zero_grad()
        if accumulate == "1":
            half = per // 2
            with ddp.no_sync():
                loss = ((ddp(gg.tensor(x[:half])) - gg.tensor(y[:half])) ** 2).mean() / 2
                loss.backward()
            loss = ((ddp(gg.tensor(x[half:])) - gg.tensor(y[half:])) ** 2).mean() / 2
        else:
            loss = ((ddp(gg.tensor(x)) - gg.tensor(y)) ** 2).mean()
        loss.backward()
        opt.step()
        exposed.append(ddp.last_exposed_s)
    save(out, rank, buckets=len(ddp.reducer.buckets),
         **{n: p.detach().numpy() for n, p in model.named_parameters()})
    dist.destroy_process_group()


class TwoHeads(gg.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = gg.nn.Linear(4, 8)
        self.a = gg.nn.Linear(8, 2)
        self.b = gg.nn.Linear(8, 2)
        self.never = gg.nn.Linear(3, 3)

    def forward(self, x: gg.Tensor, head: str) -> gg.Tensor:
        h = self.body(x).tanh()
        return self.a(h) if head == "a" else self.b(h)


def unused(out: str, find: str) -> None:
    """Rank 0 uses head a, the others head b; ``never`` is used by no rank."""
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    gg.manual_seed(0)
    model = TwoHeads().double()
    ddp = DDP(model, find_unused_parameters=find == "1")
    x = gg.tensor(np.random.default_rng(rank).standard_normal((4, 4)))
    try:
        for _ in range(2):
            ddp.zero_grad()
            ddp(x, "a" if rank == 0 else "b").sum().backward()
    except RuntimeError as e:
        print(f"rank {rank}: {e}", file=sys.stderr, flush=True)
        raise SystemExit(3) from None
    save(out, rank, **{n: (p.grad.numpy() if p.grad is not None else np.array(np.nan))
                       for n, p in model.named_parameters()})


def collectives(out: str) -> None:
    dist.init_process_group("mpi")
    r, n = dist.get_rank(), dist.get_world_size()
    base = np.arange(6, dtype=np.float64).reshape(2, 3)
    res = {}
    for op in ("sum", "product", "min", "max", "avg"):
        t = gg.tensor(base + r)
        dist.all_reduce(t, op=getattr(dist.ReduceOp, op.upper()))
        res[f"all_reduce_{op}"] = t.numpy()
    t = gg.tensor((base + r).T)  # not contiguous: reduced through a copy
    dist.all_reduce(t)
    res["all_reduce_strided"] = t.numpy()
    t = gg.tensor(base * (r + 1))
    dist.broadcast(t, src=n - 1)
    res["broadcast"] = t.numpy()
    outs = [gg.zeros(2, 3, dtype=gg.float64) for _ in range(n)]
    dist.all_gather(outs, gg.tensor(base + 10 * r))
    res["all_gather"] = np.stack([o.numpy() for o in outs])
    big = gg.zeros(n * 2, 3, dtype=gg.float64)
    dist.all_gather_into_tensor(big, gg.tensor(base + 10 * r))
    res["all_gather_into_tensor"] = big.numpy()
    o = gg.zeros(2, 3, dtype=gg.float64)
    dist.reduce_scatter(o, [gg.tensor(base * (i + 1) + r) for i in range(n)])
    res["reduce_scatter"] = o.numpy()
    o = gg.zeros(3, dtype=gg.float64)
    dist.reduce_scatter_tensor(o, gg.tensor(np.arange(3.0 * n) + r), op=dist.ReduceOp.MAX)
    res["reduce_scatter_tensor_max"] = o.numpy()
    t = gg.tensor(np.full(4, float(r)))
    w = dist.all_reduce(t, async_op=True)
    w.wait()
    res["async"] = t.numpy()
    res["int_sum"] = gg.tensor(np.array([r, 1], dtype=np.int64))
    dist.all_reduce(res["int_sum"])
    res["int_sum"] = res["int_sum"].numpy()
    objs = [None] * n
    dist.all_gather_object(objs, {"rank": r})
    res["objects"] = np.array([o["rank"] for o in objs])
    lst = [f"from {r}"]
    dist.broadcast_object_list(lst, src=0)
    res["object_list"] = np.array(lst)
    dist.barrier()
    save(out, r, **res)
    dist.destroy_process_group()


def mismatch(out: str) -> None:
    dist.init_process_group("mpi", timeout=20)
    r = dist.get_rank()
    t = gg.ones(3)
    if r == 0:
        dist.all_reduce(t)  # @mismatch-0
    else:
        dist.broadcast(t, src=0)  # @mismatch-1


def hang(out: str) -> None:
    """No descriptor check: rank 0 waits in all_reduce, rank 1 in a barrier elsewhere, the
    others compute; the timeout reports all of them."""
    os.environ["GLASSGRAD_DIST_CHECK"] = "0"
    dist.init_process_group("mpi", timeout=2.0)
    r = dist.get_rank()
    t = gg.ones(3)
    if r == 0:
        dist.all_reduce(t)  # @hang-0
    elif r == 1:
        dist.barrier()  # @hang-1
    else:
        time.sleep(60)  # @hang-other


def killed(out: str) -> None:
    dist.init_process_group("mpi", timeout=60)
    r = dist.get_rank()
    t = gg.ones(3)
    for step in range(1000):
        if r == 1 and step == 3:
            os.kill(os.getpid(), 9)
        dist.all_reduce(t)  # @killed
        time.sleep(0.01)


def early_exit(out: str) -> None:
    """Rank 1 ends its program while rank 0 still expects a collective."""
    dist.init_process_group("mpi", timeout=60)
    r = dist.get_rank()
    dist.barrier()
    if r == 0:
        dist.all_reduce(gg.ones(2))  # @early-0
    dist.destroy_process_group()


def nonfinite(out: str) -> None:
    dist.init_process_group("mpi")
    r = dist.get_rank()
    model = make_model()
    ddp = DDP(model)
    x = np.ones((2, 6))
    if r == 1:
        x[0, 0] = np.nan
    ddp(gg.tensor(x)).sum().backward()
    with open(f"{out}.rank{r}.json", "w") as f:
        json.dump({"nan_grad": bool(np.isnan(model[0].weight.grad.numpy()).any())}, f)


def diverge(out: str) -> None:
    dist.init_process_group("mpi")
    r = dist.get_rank()
    model = make_model()
    ddp = DDP(model, check_every=1, on_divergence="raise")
    opt = gg.optim.SGD(ddp.parameters(), lr=0.1)
    try:
        for step in range(3):
            opt.zero_grad()
            ddp(gg.ones(2, 6, dtype=gg.float64)).sum().backward()
            opt.step()
            if r == 1 and step == 0:
                with gg.no_grad():
                    model[2].bias.add_(1e-3)  # a rank that drifts
    except dist.DistributedError as e:
        print(f"rank {r}: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        raise SystemExit(4) from None


if __name__ == "__main__":
    scenario, out, *rest = sys.argv[1:]
    globals()[scenario](out, *rest)
