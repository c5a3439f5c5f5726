"""The autograd engine against PyTorch: graphs, accumulation, hooks, higher order, custom ops."""

import numpy as np
import pytest
import torch

import glassgrad as gg
from glassgrad.errors import GlassgradError, GraphFreedError


def pair(values, dtype=np.float64):
    arr = np.asarray(values, dtype=dtype)
    return gg.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)


def close(g, t):
    assert g is not None and t is not None
    np.testing.assert_allclose(np.asarray(g.detach().numpy()), t.detach().numpy(),
                               rtol=1e-6, atol=1e-8)


def test_diamond_and_shared_subgraph():
    (x, tx) = pair([0.5, -1.0, 2.0])
    out = []
    for lib, v in ((gg, x), (torch, tx)):
        a = v * 2
        b = lib.exp(a)
        c = lib.sin(a)
        shared = (b + c) * a  # `a` feeds three consumers
        y = (shared * shared).sum() + (b * c).sum()
        y.backward()
        out.append(v.grad)
    close(*out)


def test_accumulation_across_backward_calls_keeps_grad_identity():
    (x, tx) = pair([1.0, 2.0])
    for v in (x, tx):
        (v * v).sum().backward()
    g0 = x.grad
    (x * x * x).sum().backward()
    (tx * tx * tx).sum().backward()
    close(x.grad, tx.grad)
    assert x.grad is g0  # accumulated in place, as PyTorch's AccumulateGrad


def test_grads_are_writable_and_not_aliased():
    x, y = pair([1.0, 2.0])[0], pair([3.0, 4.0])[0]
    (x + y).sum().backward()  # add's backward passes one array to both inputs
    x.grad.mul_(2)  # in-place update of one grad (gradient clipping) ...
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 1.0])  # ... leaves the other alone
    x.grad.zero_()  # sum's gradient is a broadcast view; .grad must still be writable
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    z = gg.tensor([1.0, 2.0], requires_grad=True)
    g = gg.ones(2)
    (z * 1).backward(g)
    z.grad.add_(1)
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])  # the user's gradient= is not aliased


def test_hooks_on_leaf_and_nonleaf_replace_and_remove():
    (x, tx) = pair([1.0, 2.0, 3.0])
    seen = {"gg": [], "torch": []}
    for key, v in (("gg", x), ("torch", tx)):
        h_leaf = v.register_hook(lambda g, k=key: seen[k].append(g.detach().numpy().copy()))
        y = v * 2
        h = y.register_hook(lambda g: g * 10)
        y.retain_grad()
        (y * y).sum().backward()
        h.remove()
        h_leaf.remove()
    close(x.grad, tx.grad)
    np.testing.assert_allclose(seen["gg"][0], seen["torch"][0])
    # after remove(), neither hook runs
    for v in (x, tx):
        v.grad = None
    for v in (x, tx):
        y = v * 2
        h = y.register_hook(lambda g: g * 10)
        h.remove()
        (y * y).sum().backward()
    close(x.grad, tx.grad)
    assert len(seen["gg"]) == 1


def test_retain_grad_matches_torch_and_hook_sees_retained_order():
    (x, tx) = pair([1.0, -2.0])
    res = []
    for lib, v in ((gg, x), (torch, tx)):
        y = v * 3
        y.retain_grad()
        y.register_hook(lambda g: g * 2)  # registered after retain_grad
        z = lib.tanh(y).sum()
        z.backward()
        res.append((y.grad, v.grad, y.retains_grad, y.is_leaf))
    close(res[0][0], res[1][0])
    close(res[0][1], res[1][1])
    assert res[0][2:] == res[1][2:] == (True, False)


def test_retain_graph_and_freed_graph_error():
    (x, tx) = pair([1.0, 2.0])
    for v in (x, tx):
        y = (v * v).sum()
        y.backward(retain_graph=True)
        y.backward()
    close(x.grad, tx.grad)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(GraphFreedError, match=r"MulBackward.*second time.*retain_graph=True"):
        y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        ty = (tx * tx).sum()
        ty.backward()
        ty.backward()


def test_freed_graph_error_names_forward_line():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()  # the MulBackward line
    y.backward()
    with pytest.raises(GraphFreedError) as info:
        y.backward()
    assert f"{__file__}:" in str(info.value)


def test_create_graph_hessian_vector_product():
    (x, tx) = pair([1.0, 2.0, 3.0])
    vals = np.array([0.5, -1.0, 2.0])
    out = []
    for lib, v in ((gg, x), (torch, tx)):
        y = (v ** 3).sum() + (lib.sin(v) * v).sum()
        (g,) = lib.autograd.grad(y, v, create_graph=True)
        assert g.requires_grad
        (hv,) = lib.autograd.grad((g * lib.tensor(vals)).sum(), v)
        out.append(hv)
    close(*out)


def test_create_graph_gradient_penalty():
    rng = np.random.default_rng(0)
    w0, inp = rng.standard_normal((3, 4)), rng.standard_normal((5, 3))
    res = []
    for lib in (gg, torch):
        w = lib.tensor(w0, requires_grad=True)
        x = lib.tensor(inp, requires_grad=True)
        out = lib.tanh(x @ w).sum()
        (gx,) = lib.autograd.grad(out, x, create_graph=True)
        penalty = ((gx * gx).sum(1).sqrt() - 1).pow(2).mean()
        penalty.backward()
        res.append((w.grad, x.grad))
    close(res[0][0], res[1][0])
    close(res[0][1], res[1][1])


def test_backward_create_graph_grad_has_graph():
    (x, tx) = pair([1.0, 2.0])
    for v in (x, tx):
        (v ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    gx = x.grad
    x.grad = None
    tgx = tx.grad
    tx.grad = None
    gx.sum().backward()
    tgx.sum().backward()
    close(x.grad, tx.grad)


def test_autograd_grad_allow_unused_and_materialize():
    (x, tx) = pair([1.0, 2.0])
    (z, tz) = pair([3.0, 4.0])
    y = (x * x).sum()
    with pytest.raises(GlassgradError, match="allow_unused=True"):
        gg.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = gg.autograd.grad(y, [x, z], allow_unused=True, retain_graph=True)
    tgx, tgz = torch.autograd.grad((tx * tx).sum(), [tx, tz], allow_unused=True)
    close(gx, tgx)
    assert gz is None and tgz is None
    gx, gz = gg.autograd.grad(y, [x, z], materialize_grads=True)
    np.testing.assert_array_equal(gz.numpy(), [0.0, 0.0])
    assert x.grad is None and z.grad is None  # grad never touches .grad


def test_autograd_grad_nonleaf_and_leaf_inputs_together():
    (x, tx) = pair([1.0, 2.0])
    got = []
    for lib, v in ((gg, x), (torch, tx)):
        m = v * 3
        y = (m * m).sum() + lib.exp(v).sum()
        got.append(lib.autograd.grad(y, [m, v]))
    close(got[0][0], got[1][0])
    close(got[0][1], got[1][1])


def test_autograd_grad_nonleaf_input_only_on_its_path():
    (x, tx) = pair([1.0, 2.0])
    got = []
    for v in (x, tx):
        a = v * 2
        b = a * a
        got.append((b.sum() * 3).backward(inputs=[a]) or a.grad)
    close(got[0], got[1])
    assert x.grad is None and tx.grad is None


def test_backward_inputs_only_accumulates_into_inputs():
    (x, tx) = pair([1.0, 2.0])
    (w, tw) = pair([3.0, 4.0])
    (x * w).sum().backward(inputs=[x])
    (tx * tw).sum().backward(inputs=[tx])
    close(x.grad, tx.grad)
    assert w.grad is None and tw.grad is None


def test_nonscalar_backward_needs_gradient():
    (x, tx) = pair([1.0, 2.0])
    with pytest.raises(GlassgradError, match=r"only for scalar outputs.*\(2,\)"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (tx * 2).backward()
    (x * 2).backward(gg.tensor([1.0, 3.0], dtype=gg.float64))
    (tx * 2).backward(torch.tensor([1.0, 3.0], dtype=torch.float64))
    close(x.grad, tx.grad)
    with pytest.raises(GlassgradError, match="shape"):
        (x * 2).backward(gg.ones(3, dtype=gg.float64))


def test_backward_on_tensor_without_grad_errors():
    with pytest.raises(RuntimeError, match="does not require grad"):
        gg.ones(2).sum().backward()


def test_grad_modes_context_and_decorator():
    x = gg.tensor([1.0], requires_grad=True)
    with gg.no_grad():
        assert not (x * 2).requires_grad
        with gg.enable_grad():
            assert (x * 2).requires_grad
        assert not gg.is_grad_enabled()
    assert gg.is_grad_enabled()

    @gg.no_grad()
    def f(a):
        return a * 2

    @gg.enable_grad()
    def g(a):
        return a * 2

    assert not f(x).requires_grad
    with gg.no_grad():
        assert g(x).requires_grad
    with gg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert gg.is_grad_enabled()
    gg.set_grad_enabled(False)
    try:
        assert not gg.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        gg.set_grad_enabled(True)
    assert gg.is_grad_enabled()

    @gg.set_grad_enabled(False)
    def h(a):
        return a * 2

    assert gg.is_grad_enabled()  # decorating does not flip the mode (as torch)
    assert not h(x).requires_grad and gg.is_grad_enabled()
    with gg.inference_mode():
        assert not (x * 2).requires_grad


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with gg.no_grad():
            raise ValueError
    assert gg.is_grad_enabled()


def test_detach_shares_memory_and_cuts_graph():
    (x, tx) = pair([1.0, 2.0])
    for v in (x, tx):
        d = (v * 2).detach()
        assert not d.requires_grad and d.grad_fn is None and d.is_leaf
        y = (v * d).sum()
        y.backward()
    close(x.grad, tx.grad)
    x2 = gg.tensor([1.0, 2.0])
    d = x2.detach()
    d.add_(1)
    np.testing.assert_array_equal(x2.numpy(), [2.0, 3.0])
    assert x2._version == d._version == 1


def test_requires_grad_rules():
    for lib in (gg, torch):
        for bad in (lib.tensor([1, 2]), lib.tensor([True])):
            with pytest.raises(RuntimeError, match="floating point"):
                bad.requires_grad_()
        with pytest.raises(RuntimeError, match="floating point"):
            lib.tensor([1, 2], requires_grad=True)
        y = lib.ones(2, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="leaf variables"):
            y.requires_grad_(False)
    assert gg.ones(2).requires_grad_().requires_grad


def test_grad_fn_names_and_next_functions():
    x = gg.ones(2, requires_grad=True)
    y = (x * 2).sum()
    assert y.grad_fn.name() == "SumBackward"
    (mul, _), = y.grad_fn.next_functions
    assert mul.name() == "MulBackward"
    acc = mul.next_functions[0][0]
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x


def test_int_input_mixed_with_float_param():
    (x, tx) = pair([1.0, 2.0], np.float32)
    for lib, v in ((gg, x), (torch, tx)):
        (v * lib.tensor([2, 3])).sum().backward()
    close(x.grad, tx.grad)
    assert x.grad.dtype is gg.float32


# custom autograd.Function ------------------------------------------------------------------


def _make_scale(lib):
    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, k):
            ctx.save_for_backward(x, w)
            ctx.k = k
            return x * w * k

        @staticmethod
        def backward(ctx, grad):
            x, w = ctx.saved_tensors
            Scale.needs.append(tuple(ctx.needs_input_grad))
            gx = grad * w * ctx.k if ctx.needs_input_grad[0] else None
            gw = grad * x * ctx.k if ctx.needs_input_grad[1] else None
            return gx, gw, None

    Scale.needs = []
    return Scale


def test_custom_function_save_for_backward_and_needs_input_grad():
    res = []
    for lib in (gg, torch):
        fn = _make_scale(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0])
        y = fn.apply(x, w, 0.5)
        assert y.requires_grad and y.grad_fn.name().startswith("ScaleBackward")
        (y * y).sum().backward()
        res.append((x.grad, fn.needs))
    close(res[0][0], res[1][0])
    assert res[0][1] == res[1][1] == [(True, False, False)]


def test_custom_function_output_not_tracked_under_no_grad():
    fn = _make_scale(gg)
    x = gg.tensor([1.0], requires_grad=True)
    with gg.no_grad():
        assert not fn.apply(x, x, 1.0).requires_grad


def _make_multi(lib):
    class Multi(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            idx = lib.argmax(a)
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(a, b)
            return a + b, a * b, idx

        @staticmethod
        def backward(ctx, g_sum, g_prod, g_idx):
            a, b = ctx.saved_tensors
            return g_sum + g_prod * b, g_sum + g_prod * a

    return Multi


def test_custom_function_multiple_outputs_and_non_differentiable():
    res = []
    for lib in (gg, torch):
        a = lib.tensor([1.0, 5.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        s, p, idx = _make_multi(lib).apply(a, b)
        assert (s.requires_grad, p.requires_grad, idx.requires_grad) == (True, True, False)
        assert idx.item() == 1
        (s.sum() * 2).backward(retain_graph=True)  # one output gets a grad, the other zeros
        (p * p).sum().backward()
        res.append((a.grad, b.grad))
    close(res[0][0], res[1][0])
    close(res[0][1], res[1][1])


def test_custom_function_freed_and_inplace_saved():
    fn = _make_scale(gg)
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = fn.apply(x, gg.ones(2), 1.0).sum()
    y.backward()
    with pytest.raises(GraphFreedError):
        y.backward()
    h = x * 1
    y = fn.apply(h, gg.ones(2), 1.0).sum()
    h.add_(1)
    with pytest.raises(gg.InplaceError, match="modified by an inplace operation"):
        y.backward()


def test_custom_function_wrong_number_of_grads():
    class Bad(gg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a = gg.ones(2, requires_grad=True)
    with pytest.raises(GlassgradError, match="incorrect number of gradients"):
        Bad.apply(a, gg.ones(2)).sum().backward()


def test_gradcheck_on_custom_function():
    fn = _make_scale(gg)
    x = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    w = gg.tensor([0.5, -1.5], dtype=gg.float64, requires_grad=True)
    assert gg.autograd.gradcheck(lambda a, b: fn.apply(a, b, 2.0), (x, w))


def test_custom_function_grad_fn_name_matches_torch():
    names = []
    for lib in (gg, torch):
        class MyOp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        names.append(MyOp.apply(lib.ones(1, requires_grad=True)).grad_fn.name())
    assert names == ["MyOpBackward", "MyOpBackward"]
