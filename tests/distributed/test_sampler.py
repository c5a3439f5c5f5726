"""DistributedSampler against torch.utils.data.DistributedSampler (same split and padding)."""

from __future__ import annotations

import pytest

from glassgrad.utils.data import DataLoader, DistributedSampler, TensorDataset

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (12, 4, False),
                                                  (2, 4, False), (7, 2, True)])
def test_split_and_padding_match_torch(n, replicas, drop_last):
    from torch.utils.data import DistributedSampler as TorchSampler

    data = list(range(n))
    shares = []
    for rank in range(replicas):
        ours = DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        shares.append(list(ours))
    if not drop_last:  # every index is somewhere
        assert set(sum(shares, [])) == set(range(n))


def test_shuffle_is_a_partition_seeded_by_epoch():
    data = list(range(20))
    orders = {}
    for epoch in (0, 1):
        parts = []
        for rank in range(4):
            s = DistributedSampler(data, 4, rank, seed=7)
            s.set_epoch(epoch)
            parts.append(list(s))
            assert list(s) == parts[-1]  # the same order when asked again
        assert sorted(sum(parts, [])) == data  # disjoint, complete
        orders[epoch] = parts
    assert orders[0] != orders[1]


def test_with_a_dataloader_and_errors():
    import glassgrad as gg

    ds = TensorDataset(gg.arange(8))
    loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 2, 1, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[1, 3], [5, 7]]
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler(ds, 2, 2)
    with pytest.raises(RuntimeError, match="initialized process group"):
        DistributedSampler(ds)
