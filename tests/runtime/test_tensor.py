"""Tensor creation, conversion and printing against PyTorch."""

import numpy as np
import pytest
import torch

import glassgrad as gg


def dt(d):
    """The name of a glassgrad or torch dtype ("float32")."""
    return str(d).split(".")[-1]


def same(g, t):
    assert dt(g.dtype) == dt(t.dtype)
    assert tuple(g.shape) == tuple(t.shape)
    np.testing.assert_allclose(g.numpy(), t.numpy())


DATA = [
    [1.0, 2.5], [1, 2], [True, False], 3.0, 7, True, [[1, 2.0], [3, 4]], [True, 2],
    np.array([1.0, 2.0]), np.array([1.0, 2.0], dtype=np.float32), np.array([1, 2], np.int32),
    np.array([1.0], dtype=np.float16), np.float64(2.0), np.int32(3), [], 2 ** 40,
]


@pytest.mark.parametrize("data", DATA, ids=[repr(d)[:30] for d in DATA])
def test_tensor_dtype_inference_matches_torch(data):
    same(gg.tensor(data), torch.tensor(data))
    same(gg.as_tensor(data), torch.as_tensor(data))


def test_tensor_from_tensors_and_explicit_dtype():
    same(gg.tensor([gg.tensor(1.0), gg.tensor(2.0)]), torch.tensor([1.0, 2.0]))
    same(gg.tensor([1, 2], dtype=gg.float64), torch.tensor([1, 2], dtype=torch.float64))
    same(gg.tensor([1.7, -2.7], dtype=gg.int64), torch.tensor([1.7, -2.7], dtype=torch.int64))


def test_set_default_dtype():
    try:
        gg.set_default_dtype(gg.float64)
        assert gg.tensor([1.0]).dtype is gg.float64 and gg.zeros(1).dtype is gg.float64
        assert gg.tensor([1]).dtype is gg.int64
    finally:
        gg.set_default_dtype(gg.float32)
    with pytest.raises(TypeError):
        gg.set_default_dtype(gg.int64)


def test_tensor_copies_as_tensor_and_from_numpy_share():
    a = np.array([1.0, 2.0])
    t, shared, fromnp = gg.tensor(a), gg.as_tensor(a), gg.from_numpy(a)
    a[0] = 5.0
    assert t.tolist() == [1.0, 2.0]
    assert shared.tolist() == fromnp.tolist() == [5.0, 2.0]
    fromnp.add_(1)  # writes through to the array
    assert a.tolist() == [6.0, 3.0]
    assert np.shares_memory(fromnp.numpy(), a)
    g = gg.ones(2)
    assert gg.as_tensor(g) is g
    assert gg.as_tensor(a, dtype=gg.float32).dtype is gg.float32
    with pytest.raises(TypeError, match="uint16"):
        gg.from_numpy(np.zeros(2, np.uint16))


FILLED = [
    ("zeros", lambda L: L.zeros(2, 3)), ("zeros_tuple", lambda L: L.zeros((2, 3))),
    ("ones_int", lambda L: L.ones(2, dtype=L.int64)), ("full_int", lambda L: L.full((2,), 3)),
    ("full_float", lambda L: L.full((2, 2), 1.5)), ("full_bool", lambda L: L.full((2,), True)),
    ("empty_shape", lambda L: L.empty(2, 3).zero_()),
    ("arange", lambda L: L.arange(5)), ("arange_float", lambda L: L.arange(0, 1, 0.25)),
    ("arange_mixed", lambda L: L.arange(1, 2.5, 0.5)),
    ("arange_end_float", lambda L: L.arange(5.5)),
    ("arange_step", lambda L: L.arange(0, 10, 3)), ("arange_neg", lambda L: L.arange(5, 0, -2)),
    ("linspace", lambda L: L.linspace(0, 1, 5)), ("linspace_f64",
                                                  lambda L: L.linspace(-1, 1, 4, dtype=L.float64)),
    ("eye", lambda L: L.eye(3)), ("eye_rect", lambda L: L.eye(2, 3)),
    ("zeros_like", lambda L: L.zeros_like(L.ones(2, dtype=L.int64))),
    ("ones_like", lambda L: L.ones_like(L.ones(2, 2, dtype=L.float64))),
    ("full_like", lambda L: L.full_like(L.ones(2), 7)),
    ("empty_like", lambda L: L.empty_like(L.ones(3)).fill_(2)),
]


@pytest.mark.parametrize("name,make", FILLED, ids=[n for n, _ in FILLED])
def test_filled_and_ranges_match_torch(name, make):
    same(make(gg), make(torch))


def test_creation_requires_grad():
    for make in (lambda: gg.zeros(2, requires_grad=True), lambda: gg.randn(2, requires_grad=True),
                 lambda: gg.tensor([1.0], requires_grad=True), lambda: gg.ones_like(
                     gg.ones(2), requires_grad=True)):
        t = make()
        assert t.requires_grad and t.is_leaf


def test_random_shapes_dtypes_ranges():
    gg.manual_seed(1)
    r = gg.rand(1000)
    assert r.dtype is gg.float32 and 0 <= r.min().item() and r.max().item() < 1
    n = gg.randn(2, 3, dtype=gg.float64)
    assert n.shape == (2, 3) and n.dtype is gg.float64
    i = gg.randint(0, 5, (1000,))
    assert i.dtype is gg.int64 and i.min().item() == 0 and i.max().item() == 4
    assert gg.randint(10, (3,)).shape == (3,)
    assert gg.randn_like(n).dtype is gg.float64 and gg.rand_like(n).shape == (2, 3)
    assert sorted(gg.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    big = gg.randn(20000)
    assert abs(big.mean().item()) < 0.05 and abs(big.std().item() - 1) < 0.05


def test_manual_seed_and_generator_reproducible():
    gg.manual_seed(0)
    a = gg.randn(4)
    b = gg.rand(2)
    gg.manual_seed(0)
    assert gg.randn(4).tolist() == a.tolist() and gg.rand(2).tolist() == b.tolist()
    assert gg.initial_seed() == 0
    g = gg.Generator().manual_seed(3)
    x = gg.rand(3, generator=g)
    gg.manual_seed(99)  # the default generator does not affect g
    g.manual_seed(3)
    assert gg.rand(3, generator=g).tolist() == x.tolist()
    assert g.initial_seed() == 3
    assert gg.randn(3).tolist() != gg.randn(3).tolist()


def test_conversions_match_torch():
    for lib in (gg, torch):
        t = lib.tensor([1.5, -2.5])
        assert t.to(lib.float32) is t and t.float() is t and t.to("cpu") is t and t.cpu() is t
        assert t.long().tolist() == [1, -2]
        assert dt(t.double().dtype) == "float64" and dt(t.half().dtype) == "float16"
        assert dt(t.to("cpu", lib.float64).dtype) == "float64"
        assert dt(t.to(dtype=lib.int32).dtype) == "int32"
        assert dt(t.to(lib.ones(1, dtype=lib.float64)).dtype) == "float64"
        assert lib.tensor([1, 0]).bool().tolist() == [True, False]
        assert lib.tensor([[1.0, 2.0]]).tolist() == [[1.0, 2.0]]
        assert lib.tensor(3).item() == 3 and type(lib.tensor(3).item()) is int
        assert type(lib.tensor(3.5).item()) is float
        assert lib.tensor([[2.0]]).item() == 2.0
        with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
            lib.tensor([1, 2]).item()
        assert float(lib.tensor([2.5])) == 2.5 and int(lib.tensor(3)) == 3
        assert len(lib.ones(3, 2)) == 3 and lib.ones(2, 3).size(1) == 3
        assert lib.ones(2, 3).numel() == 6 and lib.ones(2).element_size() == 4
        assert lib.ones(2, 3).dim() == 2 and lib.ones(2, 3).ndim == 2
        assert f"{lib.tensor(1.5):.2f}" == "1.50"
        with pytest.raises(RuntimeError, match="ambiguous"):
            bool(lib.ones(2))
    x = gg.tensor([1.0, 2.0])
    assert x.numpy().dtype == np.float32 and np.shares_memory(x.numpy(), x.numpy())
    assert gg.tensor([1, 2]).numpy().dtype == np.int64
    assert gg.ones(2).size() == (2,)


def test_numpy_on_tensor_requiring_grad():
    for lib in (gg, torch):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
            x.numpy()
        assert x.detach().numpy().tolist() == [1.0, 1.0]


def test_to_dtype_is_differentiable():
    g = gg.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    for v in (g, t):
        (v.double() * 3).sum().backward()
    assert g.grad.dtype is gg.float32
    assert g.grad.tolist() == t.grad.tolist()


REPRS = [
    lambda L: L.tensor([1.0, 2.5]),
    lambda L: L.tensor([1, 2]),
    lambda L: L.tensor(3.0),
    lambda L: L.tensor([True, False]),
    lambda L: L.tensor([1.0, 2.0], dtype=L.float64),
    lambda L: L.zeros(0),
    lambda L: L.zeros(2, 0),
    lambda L: L.tensor([1e-5, 1.0]),
    lambda L: L.tensor([0.001, 2.0]),
    lambda L: L.tensor([1e10, 1.0]),
    lambda L: L.tensor([1.0, 10.0, -100.0]),
    lambda L: L.tensor([float("inf"), 1.5]),
    lambda L: L.tensor([float("nan"), 1.0]),
    lambda L: L.tensor([[1.5, -2.0], [3.0, 4.0]]),
    lambda L: L.arange(30.0).reshape(3, 10) / 7,
    lambda L: L.arange(2000.0),
    lambda L: L.arange(5000).reshape(50, 100),
    lambda L: L.arange(12.0).reshape(2, 2, 3),
    lambda L: L.tensor([1.0, 2.0]).half(),
    lambda L: L.tensor([65504.0, 1.0]).half(),
    lambda L: L.tensor([1, -10], dtype=L.int32),
    lambda L: L.ones(2, requires_grad=True),
]


@pytest.mark.parametrize("make", REPRS, ids=[str(i) for i in range(len(REPRS))])
def test_repr_matches_torch(make):
    assert repr(make(gg)) == repr(make(torch)).replace("torch.", "glassgrad.")


def test_repr_exact_strings():
    assert repr(gg.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])"
    assert repr(gg.tensor([True, False])) == "tensor([ True, False])"
    assert repr(gg.tensor([[1.0, 2.0], [3.0, 4.0]])) == "tensor([[1., 2.],\n        [3., 4.]])"
    y = gg.ones(2, requires_grad=True) * 2
    assert repr(y) == "tensor([2., 2.], grad_fn=<MulBackward>)"
    assert str(gg.tensor(3)) == "tensor(3)"
    assert repr(gg.Parameter(gg.ones(2))) == \
        "Parameter containing:\ntensor([1., 1.], requires_grad=True)"


def test_cuda_without_cupy_is_a_clear_error():
    if gg.cuda.is_available():
        pytest.skip("CuPy and a GPU are present")
    for make in (lambda: gg.ones(2, device="cuda"), lambda: gg.ones(2).cuda(),
                 lambda: gg.ones(2).to("cuda"), lambda: gg.tensor([1.0], device="cuda:0")):
        with pytest.raises(RuntimeError, match="CuPy"):
            make()


def test_devices():
    assert gg.ones(2).device == "cpu" and str(gg.ones(2).device) == "cpu"
    assert repr(gg.ones(2, device="cpu").device) == repr(torch.ones(2).device)
    assert gg.device("cpu") is gg.ones(1).device
    assert not gg.ones(1).is_cuda


def test_mixing_devices_is_an_error():
    from glassgrad.backends import _make, cpu

    other = _make("fake", 0, type(cpu.backend)())  # the CPU backend under another name
    a = gg.ones(2)
    b = gg.ones(2)
    b._device = other
    with pytest.raises(RuntimeError, match=r"same device.*cpu.*fake:0") as info:
        a + b
    assert __file__ in str(info.value)


def test_parameter_and_new_helpers():
    p = gg.Parameter(gg.ones(2, 3))
    assert isinstance(p, gg.Tensor) and p.requires_grad and p.is_leaf
    z = gg.ones(2, dtype=gg.float64).new_zeros(3)
    assert z.dtype is gg.float64 and z.tolist() == [0.0, 0.0, 0.0]
    assert gg.ones(1).new_tensor([1, 2]).dtype is gg.float32
    assert gg.ones(1).new_full((2,), 4).tolist() == [4.0, 4.0]
