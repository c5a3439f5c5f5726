"""Datasets, samplers, collation and the DataLoader."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


def _ds(n: int = 10) -> TensorDataset:
    return TensorDataset(gg.arange(float(n)), gg.arange(n) * 10)


def _order(loader: DataLoader) -> list[int]:
    return [int(i) for x, _ in loader for i in x.tolist()]


def test_sequential_batches_and_last_partial_batch() -> None:
    batches = list(DataLoader(_ds(), batch_size=4))
    assert [len(x) for x, _ in batches] == [4, 4, 2]
    x, y = batches[0]
    assert x.tolist() == [0, 1, 2, 3] and y.tolist() == [0, 10, 20, 30]
    assert x.dtype is gg.float32 and y.dtype is gg.int64
    assert len(DataLoader(_ds(), batch_size=4)) == 3


def test_drop_last() -> None:
    loader = DataLoader(_ds(), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [len(x) for x, _ in loader] == [4, 4]


def test_shuffle_reproducible_with_generator() -> None:
    a = _order(DataLoader(_ds(50), batch_size=8, shuffle=True,
                          generator=gg.Generator().manual_seed(7)))
    b = _order(DataLoader(_ds(50), batch_size=8, shuffle=True,
                          generator=gg.Generator().manual_seed(7)))
    c = _order(DataLoader(_ds(50), batch_size=8, shuffle=True,
                          generator=gg.Generator().manual_seed(8)))
    assert a == b and a != c and sorted(a) == list(range(50))


def test_shuffle_new_order_each_epoch_and_default_generator() -> None:
    loader = DataLoader(_ds(50), batch_size=8, shuffle=True)
    gg.manual_seed(3)
    first, second = _order(loader), _order(loader)
    assert first != second and sorted(first) == sorted(second) == list(range(50))
    gg.manual_seed(3)
    assert _order(loader) == first


def test_collate_dicts_tuples_numbers_arrays_strings() -> None:
    Point = namedtuple("Point", "x y")

    class DictDataset(Dataset):
        def __getitem__(self, i: int) -> dict:
            return {"image": np.full((2, 2), i, dtype=np.float32), "label": i,
                    "weight": 0.5 * i, "flag": i % 2 == 0, "name": f"s{i}",
                    "pair": (gg.tensor([i, i]), np.float64(i)), "pt": Point(i, -i),
                    "nested": {"a": [i, i + 1]}}

        def __len__(self) -> int:
            return 5

    batch = next(iter(DataLoader(DictDataset(), batch_size=3)))
    assert batch["image"].shape == (3, 2, 2) and batch["image"].dtype is gg.float32
    assert batch["label"].tolist() == [0, 1, 2] and batch["label"].dtype is gg.int64
    assert batch["weight"].dtype is gg.float64
    assert batch["flag"].dtype is gg.bool and batch["flag"].tolist() == [True, False, True]
    assert batch["name"] == ["s0", "s1", "s2"]
    assert isinstance(batch["pair"], list)  # tuples collate to lists, as in PyTorch
    assert batch["pair"][0].tolist() == [[0, 0], [1, 1], [2, 2]]
    assert batch["pair"][1].dtype is gg.float64
    assert isinstance(batch["pt"], Point) and batch["pt"].y.tolist() == [0, -1, -2]
    assert [t.tolist() for t in batch["nested"]["a"]] == [[0, 1, 2], [1, 2, 3]]


def test_collate_matches_per_sample_stacking_for_tensor_dataset() -> None:
    x = gg.randn(12, 3)
    ds = TensorDataset(x, gg.arange(12))
    fast = list(DataLoader(ds, batch_size=5))
    slow = list(DataLoader(ds, batch_size=5, collate_fn=lambda b: default_collate(b)))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())


def test_custom_collate_sampler_and_batch_sampler() -> None:
    ds = _ds()
    loader = DataLoader(ds, batch_size=3, sampler=list(reversed(range(10))),
                        collate_fn=lambda b: [int(s[0]) for s in b])
    assert list(loader) == [[9, 8, 7], [6, 5, 4], [3, 2, 1], [0]]
    bs = BatchSampler(SequentialSampler(ds), batch_size=4, drop_last=True)
    assert [x.tolist() for x, _ in DataLoader(ds, batch_sampler=bs)] == \
        [[0, 1, 2, 3], [4, 5, 6, 7]]
    with pytest.raises(ValueError):
        DataLoader(ds, sampler=[0, 1], shuffle=True)


def test_batch_size_none_converts_numpy() -> None:
    class Arr(Dataset):
        def __getitem__(self, i: int) -> np.ndarray:
            return np.arange(3) + i

        def __len__(self) -> int:
            return 2

    out = list(DataLoader(Arr(), batch_size=None))
    assert isinstance(out[0], gg.Tensor) and out[1].tolist() == [1, 2, 3]


def test_threads_keep_order() -> None:
    ds = _ds(103)
    assert _order(DataLoader(ds, batch_size=4, num_workers=3)) == list(range(103))
    a = _order(DataLoader(ds, batch_size=4, shuffle=True, num_workers=2,
                          generator=gg.Generator().manual_seed(1)))
    b = _order(DataLoader(ds, batch_size=4, shuffle=True,
                          generator=gg.Generator().manual_seed(1)))
    assert a == b


def test_iterable_dataset() -> None:
    class Stream(IterableDataset):
        def __iter__(self):  # noqa: ANN204
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == \
        [[0, 1, 2], [3, 4, 5], [6]]
    assert len(list(DataLoader(Stream(), batch_size=3, drop_last=True))) == 2


def test_random_split_and_subset() -> None:
    ds = _ds(10)
    a, b = random_split(ds, [7, 3], generator=gg.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3
    seen = sorted(int(a[i][0]) for i in range(7)) + sorted(int(b[i][0]) for i in range(3))
    assert sorted(seen) == list(range(10))
    a2, _ = random_split(ds, [7, 3], generator=gg.Generator().manual_seed(0))
    assert a.indices == a2.indices
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=gg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    with pytest.raises(ValueError):
        random_split(ds, [5, 6])
    sub = Subset(ds, [4, 2])
    assert [int(x) for x, _ in DataLoader(sub, batch_size=1)] == [4, 2]


def test_concat_and_samplers() -> None:
    cat = _ds(3) + _ds(4)
    assert isinstance(cat, ConcatDataset) and len(cat) == 7 and int(cat[5][0]) == 2
    rs = RandomSampler(range(5), replacement=True, num_samples=20,
                       generator=gg.Generator().manual_seed(0))
    draws = list(rs)
    assert len(draws) == 20 and all(0 <= d < 5 for d in draws)


def test_tensor_dataset_checks_sizes() -> None:
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(gg.zeros(3), gg.zeros(4))
