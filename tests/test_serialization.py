"""gg.save / gg.load: safetensors files, JSON metadata for everything else, never pickle."""

from __future__ import annotations

import io
import json
import pickle
import struct
from collections import OrderedDict

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

import glassgrad as gg
import glassgrad.nn as nn
from glassgrad import optim


def _model(lib: object) -> object:
    n = lib.nn
    return n.Sequential(n.Linear(3, 5), n.BatchNorm1d(5), n.ReLU(), n.Linear(5, 2))


def test_flat_state_dict_round_trip_is_a_plain_safetensors_file(tmp_path) -> None:
    model = _model(gg)
    path = tmp_path / "model.safetensors"
    gg.save(model.state_dict(), path)
    plain = safetensors.numpy.load_file(str(path))  # any safetensors reader can use it
    assert set(plain) == set(model.state_dict())
    loaded = gg.load(path)
    assert list(loaded) == list(model.state_dict())  # order kept
    for k, v in model.state_dict().items():
        assert loaded[k].dtype is v.dtype and loaded[k].shape == v.shape
        np.testing.assert_array_equal(loaded[k].numpy(), v.numpy())
    other = _model(gg)
    other.load_state_dict(loaded)
    x = gg.randn(4, 3)
    other.eval(), model.eval()
    np.testing.assert_array_equal(other(x).detach().numpy(), model(x).detach().numpy())


def test_nested_checkpoint_with_optimizer_continues_training(tmp_path) -> None:
    gg.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = optim.Adam(model.parameters(), lr=0.05, amsgrad=True)
    x, y = gg.randn(16, 4), gg.randn(16, 1)

    def train(m: nn.Module, o: optim.Optimizer, steps: int) -> list[float]:
        losses = []
        for _ in range(steps):
            o.zero_grad()
            loss = ((m(x) - y) ** 2).mean()
            loss.backward()
            o.step()
            losses.append(loss.item())
        return losses

    train(model, opt, 5)
    path = tmp_path / "ckpt.safetensors"
    gg.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 5,
             "note": "mid-run", "history": (1.5, None, True, [1, 2])}, path)
    expected = train(model, opt, 5)

    ckpt = gg.load(path)
    assert ckpt["epoch"] == 5 and ckpt["note"] == "mid-run"
    assert ckpt["history"] == (1.5, None, True, [1, 2])
    assert set(ckpt["optimizer"]["state"]) == {0, 1}  # integer keys survive
    assert ckpt["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert ckpt["optimizer"]["state"][0]["step"].dtype is gg.float32
    model2 = nn.Linear(4, 1)
    opt2 = optim.Adam(model2.parameters())
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optimizer"])
    assert train(model2, opt2, 5) == expected


def test_loads_a_file_written_by_pytorch_safetensors(tmp_path) -> None:
    torch.manual_seed(0)
    tmodel = _model(torch)
    tmodel.train()
    tmodel(torch.randn(8, 3))  # move the BatchNorm running stats off their defaults
    tmodel.eval()
    path = tmp_path / "torch.safetensors"
    safetensors.torch.save_file(tmodel.state_dict(), str(path))
    sd = gg.load(path)
    assert sd["1.num_batches_tracked"].dtype is gg.int64
    gmodel = _model(gg)
    gmodel.load_state_dict(sd)
    gmodel.eval()
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(gmodel(gg.tensor(x)).detach().numpy(),
                               tmodel(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_dtypes_shapes_sharing_and_file_objects() -> None:
    shared = gg.arange(6.0).reshape(2, 3)
    obj = {"f16": gg.ones(2, dtype=gg.float16), "f64": gg.tensor(2.5, dtype=gg.float64),
           "i32": gg.tensor([1, 2], dtype=gg.int32), "b": gg.tensor([True, False]),
           "empty": gg.zeros(0, 3), "t": shared.T, "list": [shared, shared],
           "np": np.arange(3), "od": OrderedDict(z=1, a=2), 7: "int key", 1.5: float("inf")}
    buf = io.BytesIO()
    gg.save(obj, buf)
    buf.seek(0)
    out = gg.load(buf)
    assert out["f16"].dtype is gg.float16 and out["f64"].shape == () and out["f64"].item() == 2.5
    assert out["i32"].dtype is gg.int32 and out["b"].tolist() == [True, False]
    assert out["empty"].shape == (0, 3)
    assert out["t"].tolist() == [[0, 3], [1, 4], [2, 5]]
    assert out["list"][0] is out["list"][1]  # one tensor saved once, shared on load
    assert isinstance(out["np"], np.ndarray) and out["np"].tolist() == [0, 1, 2]
    assert isinstance(out["od"], OrderedDict) and list(out["od"]) == ["z", "a"]
    assert out[7] == "int key" and out[1.5] == float("inf")
    out["f16"].add_(1)  # loaded tensors are writable


def test_never_pickles() -> None:
    class Evil:
        pass

    with pytest.raises(TypeError, match="never pickles"):
        gg.save({"x": Evil()}, io.BytesIO())
    with pytest.raises(TypeError, match="dict keys"):
        gg.save({(1, 2): gg.ones(1)}, io.BytesIO())
    with pytest.raises(ValueError):
        gg.load(io.BytesIO(pickle.dumps({"a": 1})))


def test_metadata_is_json_and_unsupported_dtypes_are_clear(tmp_path) -> None:
    buf = io.BytesIO()
    gg.save({"w": gg.ones(1), "step": 3}, buf)
    data = buf.getvalue()
    (n,) = struct.unpack("<Q", data[:8])
    meta = json.loads(data[8:8 + n])["__metadata__"]
    assert json.loads(meta["glassgrad"])["d"][1] == ["step", 3]
    path = tmp_path / "bf16.safetensors"
    safetensors.torch.save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, str(path))
    with pytest.raises(TypeError, match="BF16"):
        gg.load(path)
