"""nn.Module and the containers against PyTorch's: the same structure built in both libraries,
then names, orders, shapes, flags, error texts, hook arguments and gradients compared."""

from __future__ import annotations

import re
from collections import OrderedDict

import numpy as np
import pytest
import torch
from nn_helpers import close, sync, to_gg
from torch import nn as tnn

import glassgrad as gg
from glassgrad import nn as gnn


def both(build):
    """``build(nn, lib)`` for glassgrad and for PyTorch, with the same weights."""
    torch.manual_seed(0)
    g, t = build(gnn, gg), build(tnn, torch)
    sync(g, t)
    return g, t


def net_classes(nn):
    class Block(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.fc = nn.Linear(n, n)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(self.fc(x))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), Block(8))
            self.norm = nn.BatchNorm1d(8)
            self.heads = nn.ModuleDict({"a": nn.Linear(8, 2), "b": nn.Linear(8, 3)})
            self.register_buffer("scale", nn.Parameter(_ones(nn, 2)).detach() * 2)
            self.register_buffer("cache", _ones(nn, 3), persistent=False)
            self.shared = self.heads["a"]          # the same module under a second name
            self.register_parameter("unused", None)

        def forward(self, x):
            h = self.norm(self.encoder(x))
            return self.heads["a"](h) * self.scale, self.heads["b"](h)

    return Block, Net


def _ones(nn, *shape):
    lib = gg if nn is gnn else torch
    return lib.ones(*shape)


def make_net(nn, lib):
    return net_classes(nn)[1]()


# traversal ----------------------------------------------------------------------------------
def names(it):
    return [n for n, _ in it]


def shapes(it):
    return [(n, tuple(v.shape)) for n, v in it]


def test_traversal_names_and_orders():
    g, t = both(make_net)
    assert shapes(g.named_parameters()) == shapes(t.named_parameters())
    assert shapes(g.named_buffers()) == shapes(t.named_buffers())
    assert names(g.named_modules()) == names(t.named_modules())
    assert names(g.named_children()) == names(t.named_children())
    assert [type(m).__name__ for m in g.children()] == [type(m).__name__ for m in t.children()]
    assert [type(m).__name__ for m in g.modules()] == [type(m).__name__ for m in t.modules()]
    assert len(list(g.parameters())) == len(list(t.parameters()))
    assert len(list(g.buffers())) == len(list(t.buffers()))
    for kw in ({"remove_duplicate": False}, {"prefix": "m"}, {"recurse": False}):
        assert shapes(g.named_parameters(**kw)) == shapes(t.named_parameters(**kw)), kw
        assert shapes(g.named_buffers(**kw)) == shapes(t.named_buffers(**kw)), kw
    for kw in ({"remove_duplicate": False}, {"prefix": "m"}):
        assert names(g.named_modules(**kw)) == names(t.named_modules(**kw)), kw


def test_shared_parameter_listed_once():
    def build(nn, lib):
        a = nn.Linear(2, 2)
        s = nn.Sequential(a, nn.ReLU(), a)
        s.extra = a.weight
        return s
    g, t = both(build)
    assert names(g.named_parameters()) == names(t.named_parameters())
    assert names(g.named_parameters(remove_duplicate=False)) == \
        names(t.named_parameters(remove_duplicate=False))
    assert list(g.state_dict()) == list(t.state_dict())


def test_state_dict_keys_values_and_persistence():
    g, t = both(make_net)
    gs, ts = g.state_dict(), t.state_dict()
    assert list(gs) == list(ts)
    assert "cache" not in gs and "scale" in gs
    for k in ts:
        close(gs[k], ts[k], what=k)
        assert gs[k].dtype.itemsize == ts[k].dtype.itemsize, k
        assert not gs[k].requires_grad
    assert g.state_dict(keep_vars=True)["encoder.0.weight"] is g.encoder[0].weight
    assert list(g.state_dict(prefix="model.")) == list(t.state_dict(prefix="model."))


def test_register_buffer_and_parameter_none():
    for nn, lib in ((gnn, gg), (tnn, torch)):
        m = nn.Module()
        m.register_buffer("b", None)
        m.register_parameter("p", None)
        assert m.b is None and m.p is None
        assert list(m.state_dict()) == [] and list(m.named_parameters()) == []
        m.p = nn.Parameter(lib.zeros(2))
        m.b = lib.ones(1)
        assert list(m.state_dict()) == ["p", "b"]
        m.p = None
        assert list(m.state_dict()) == ["b"]


@pytest.mark.parametrize("call", [
    lambda nn, lib, m: m.register_buffer("a.b", lib.ones(1)),
    lambda nn, lib, m: m.register_buffer("", lib.ones(1)),
    lambda nn, lib, m: m.register_buffer("x", 3),
    lambda nn, lib, m: m.register_buffer("plain", lib.ones(1)),
    lambda nn, lib, m: m.register_parameter("a.b", nn.Parameter(lib.ones(1))),
    lambda nn, lib, m: m.register_parameter("x", lib.ones(1)),
    lambda nn, lib, m: m.register_parameter("plain", nn.Parameter(lib.ones(1))),
    lambda nn, lib, m: m.add_module("a.b", nn.ReLU()),
    lambda nn, lib, m: m.add_module("x", 3),
    lambda nn, lib, m: m.add_module("plain", nn.ReLU()),
    lambda nn, lib, m: setattr(m, "w", lib.ones(2)),          # a Tensor onto a parameter
    lambda nn, lib, m: setattr(m, "fc", 3),                   # a non-module onto a child
    lambda nn, lib, m: setattr(m, "buf", 3),                  # a non-tensor onto a buffer
    lambda nn, lib, m: m.get_submodule("fc.nope"),
    lambda nn, lib, m: m.get_submodule("w"),
    lambda nn, lib, m: m.get_parameter("fc.nope"),
    lambda nn, lib, m: m.get_parameter("buf"),
    lambda nn, lib, m: m.nope,
    lambda nn, lib, m: m.train("yes"),
])
def test_registration_errors_match_torch(call):
    def outcome(nn, lib):
        m = nn.Module()
        m.plain = 1
        m.w = nn.Parameter(lib.ones(2))
        m.fc = nn.Linear(2, 2)
        m.register_buffer("buf", lib.ones(1))
        try:
            call(nn, lib, m)
        except Exception as e:  # noqa: BLE001
            text = str(e).replace("torch.nn.Parameter", "P").replace("glassgrad.nn.Parameter", "P")
            text = re.sub(r"torch\.|glassgrad\.|gg\.", "", text)
            return type(e).__name__, text
        return None
    g, t = outcome(gnn, gg), outcome(tnn, torch)
    assert g is not None and t is not None
    assert g[0] == t[0], (g, t)


def test_setattr_getattr_delattr():
    for nn, lib in ((gnn, gg), (tnn, torch)):
        m = nn.Module()
        m.fc = nn.Linear(2, 2)
        m.w = nn.Parameter(lib.zeros(3))
        m.t = lib.zeros(1)                          # a plain tensor: neither param nor buffer
        assert list(m._modules) == ["fc"] and list(m._parameters) == ["w"]
        assert "t" not in m._buffers and "fc" not in m.__dict__
        with pytest.raises(TypeError):
            m.w = nn.Linear(1, 1)                   # a parameter's name takes no module
        m.register_buffer("w2", lib.ones(1))
        m.w2 = nn.Linear(1, 1)                      # a module replaces a buffer
        assert "w2" not in m._buffers and "w2" in m._modules
        m.w = None
        assert m.w is None and list(m.state_dict()) == ["fc.weight", "fc.bias", "w2.weight",
                                                       "w2.bias"]
        del m.w
        m.w = nn.Linear(1, 1)
        assert "w" in m._modules
        m.fc = None
        assert m.fc is None and "fc" in m._modules
        del m.w
        assert "w" not in m._modules
        with pytest.raises(AttributeError):
            m.w  # noqa: B018
        m.register_buffer("b", lib.ones(1), persistent=False)
        del m.b
        m.register_buffer("b", lib.ones(1))
        assert "b" in m.state_dict()
        assert "fc" in dir(m)


# load_state_dict ------------------------------------------------------------------------------
def load_error(m, sd, **kw):
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(sd, **kw)
    return str(info.value)


def normalize(text):
    return re.sub(r"torch\.Size\(\[([^\]]*)\]\)", r"(\1)", text).replace(",)", ")")


def test_load_state_dict_errors_like_torch():
    g, t = both(make_net)
    tsd = t.state_dict()
    tsd.pop("encoder.0.bias")
    tsd.pop("norm.running_mean")
    tsd["heads.b.weight"] = torch.zeros(5, 8)
    tsd["encoder.9.weight"] = torch.zeros(1)
    tsd["extra"] = torch.zeros(1)
    tsd["heads.a.extra"] = torch.zeros(1)
    gsd = OrderedDict((k, to_gg(v)) for k, v in tsd.items())
    gm, tm = load_error(g, gsd), load_error(t, tsd)
    assert normalize(gm) == normalize(tm)
    # size mismatches raise even with strict=False; missing/unexpected do not
    assert normalize(load_error(t, tsd, strict=False)) == \
        normalize(load_error(g, gsd, strict=False))
    del tsd["heads.b.weight"], gsd["heads.b.weight"]
    tr, gr = t.load_state_dict(tsd, strict=False), g.load_state_dict(gsd, strict=False)
    assert gr.missing_keys == tr.missing_keys and gr.unexpected_keys == tr.unexpected_keys
    assert tuple(gr) == (gr.missing_keys, gr.unexpected_keys)
    assert repr(t.load_state_dict(t.state_dict())) == repr(g.load_state_dict(g.state_dict()))


def test_load_state_dict_non_mapping():
    with pytest.raises(TypeError):
        gnn.Linear(1, 1).load_state_dict([1, 2])


def test_load_keeps_parameters_and_optimizer_still_updates():
    g = gnn.Linear(3, 2)
    opt = gg.optim.SGD(g.parameters(), lr=0.5)
    w = g.weight
    g.load_state_dict({"weight": gg.ones(2, 3, dtype=gg.float64), "bias": gg.zeros(2)})
    assert g.weight is w and g.weight.dtype == gg.float32
    np.testing.assert_allclose(w.detach().numpy(), np.ones((2, 3)))
    g(gg.ones(1, 3)).sum().backward()
    opt.step()
    np.testing.assert_allclose(g.weight.detach().numpy(), np.full((2, 3), 0.5))


def test_load_state_dict_assign():
    g = gnn.Linear(2, 2)
    new = gg.full((2, 2), 3.0)
    g.load_state_dict({"weight": new, "bias": gg.zeros(2)}, assign=True)
    assert isinstance(g.weight, gnn.Parameter) and g.weight.requires_grad
    np.testing.assert_allclose(g.weight.detach().numpy(), 3.0)


def test_state_dict_round_trip_into_torch():
    g, t = both(make_net)
    t2 = make_net(tnn, torch)
    t2.load_state_dict({k: torch.tensor(v.numpy()) for k, v in g.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    t2.eval(), g.eval()
    close(g(gg.tensor(x))[1], t2(torch.tensor(x))[1])


# modes and bulk changes ---------------------------------------------------------------------
def test_train_eval_recursion():
    g, t = both(make_net)
    for m in (g, t):
        assert m.eval() is m
    assert [m.training for m in g.modules()] == [m.training for m in t.modules()] == \
        [False] * len(list(t.modules()))
    g.encoder.train(), t.encoder.train()
    assert [m.training for m in g.modules()] == [m.training for m in t.modules()]

    class Custom(gnn.Module):
        calls = []

        def train(self, mode=True):
            self.calls.append(mode)
            return super().train(mode)

    s = gnn.Sequential(Custom())
    s.eval()
    assert Custom.calls == [False]                 # overridden train() is called, like torch


def test_zero_grad():
    g = gnn.Linear(2, 2)
    g(gg.ones(1, 2)).sum().backward()
    grad = g.weight.grad
    g.zero_grad(set_to_none=False)
    assert g.weight.grad is grad and not grad.requires_grad
    np.testing.assert_array_equal(grad.numpy(), 0)
    g.zero_grad()
    assert g.weight.grad is None and g.bias.grad is None


def test_to_float64_keeps_parameters_and_integer_buffers():
    for nn, lib in ((gnn, gg), (tnn, torch)):
        m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
        w = m[0].weight
        m(lib.ones(4, 2)).sum().backward()
        assert m.to(lib.float64) is m
        assert m[0].weight is w and w.dtype == lib.float64 and w.grad.dtype == lib.float64
        assert m[1].running_mean.dtype == lib.float64
        assert m[1].num_batches_tracked.dtype == lib.int64
        m.float()
        assert w.dtype == lib.float32 and m[1].num_batches_tracked.dtype == lib.int64
        m.double().requires_grad_(False)
        assert not w.requires_grad


def test_apply_order():
    orders = []
    for nn, lib in ((gnn, gg), (tnn, torch)):
        seen = []
        make_net(nn, lib).apply(lambda m, seen=seen: seen.append(type(m).__name__))
        orders.append(seen)
    assert orders[0] == orders[1]


# forward hooks --------------------------------------------------------------------------------
def test_forward_pre_hooks_and_hooks():
    results = []
    for nn, lib in ((gnn, gg), (tnn, torch)):
        torch.manual_seed(0)
        m = nn.Linear(2, 2)
        m.load_state_dict({"weight": lib.tensor([[1.0, 2.0], [3.0, 4.0]]),
                           "bias": lib.tensor([0.5, -1.0])})
        log = []
        h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        h2 = m.register_forward_pre_hook(lambda mod, args, kw: (args, kw), with_kwargs=True)
        h3 = m.register_forward_hook(lambda mod, args, out: out + 1)
        h4 = m.register_forward_hook(
            lambda mod, args, kw, out, log=log: log.append(("kw", kw)) or out * 10,
            with_kwargs=True)
        h5 = m.register_forward_hook(lambda mod, args, out, log=log: log.append("first"),
                                     prepend=True)
        x = lib.ones(1, 2)
        a = m(x).detach().numpy().tolist()
        for h in (h1, h2, h3, h4, h5):
            h.remove()
        b = m(x).detach().numpy().tolist()
        results.append((a, b, log))
    assert results[0] == results[1]


def test_forward_pre_hook_single_value_and_kwargs_rewrite():
    for nn, lib in ((gnn, gg), (tnn, torch)):
        class Add(nn.Module):
            def forward(self, x, y=0):
                return x + y
        m = Add()
        m.register_forward_pre_hook(lambda mod, args: args[0] * 3)
        m.register_forward_pre_hook(lambda mod, args, kw: (args, {"y": 5}), with_kwargs=True)
        assert m(lib.ones(1)).tolist() == [8.0]


def test_forward_hook_handle_context_manager():
    m = gnn.ReLU()
    with m.register_forward_hook(lambda mod, a, out: out * 0):
        assert m(gg.ones(2)).tolist() == [0.0, 0.0]
    assert m(gg.ones(2)).tolist() == [1.0, 1.0]


# full backward hooks --------------------------------------------------------------------------
def run_backward_hooks(g, t, x, replace=None):
    out = []
    for m, lib in ((g, gg), (t, torch)):
        log = []

        def hook(mod, gin, gout, log=log):
            log.append((type(mod).__name__,
                        [None if v is None else v.detach().numpy().copy() for v in gin],
                        [None if v is None else v.detach().numpy().copy() for v in gout]))
            assert all(v is None or not v.requires_grad for v in gin + gout)
            if replace is not None:
                return replace(gin)
        for mod in m.modules():
            mod.register_full_backward_hook(hook)
        xi = (gg.tensor if lib is gg else torch.tensor)(x)
        xi.requires_grad_(True)
        (m(xi) ** 2).sum().backward()
        params = [p.grad.numpy() for p in m.parameters()]
        out.append((log, xi.grad.numpy(), params))
    (glog, gx, gp), (tlog, tx, tp) = out
    assert [e[0] for e in glog] == [e[0] for e in tlog]
    for (name, gi, go), (_, ti, to) in zip(glog, tlog):
        assert len(gi) == len(ti) and len(go) == len(to), name
        for a, b in zip(gi + go, ti + to):
            assert (a is None) == (b is None), name
            if a is not None:
                close(a, b, what=name)
    close(gx, tx, what="x.grad")
    for a, b in zip(gp, tp):
        close(a, b, what="param grad")


X = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)


def test_full_backward_hook_linear():
    run_backward_hooks(*both(lambda nn, lib: nn.Linear(4, 2)), X)


def test_full_backward_hook_sequential():
    run_backward_hooks(*both(lambda nn, lib: nn.Sequential(nn.Linear(4, 3), nn.Tanh(),
                                                           nn.Linear(3, 2))), X)


def test_full_backward_hook_replacing_grad_input():
    run_backward_hooks(*both(lambda nn, lib: nn.Sequential(nn.Linear(4, 3), nn.Tanh(),
                                                           nn.Linear(3, 2))), X,
                       replace=lambda gin: tuple(None if v is None else v * 3 for v in gin))


def test_full_backward_hook_input_without_grad_and_extra_args():
    logs = []
    for nn, lib in ((gnn, gg), (tnn, torch)):
        class Scale(nn.Module):
            def forward(self, x, k, y):
                return x * k + y
        m = Scale()
        log = []
        m.register_full_backward_hook(lambda mod, gi, go, log=log: log.append(
            ([None if v is None else v.shape[0] for v in gi], len(go))))
        x, y = lib.ones(2, requires_grad=True), lib.ones(2)
        m(x, 3.0, y).sum().backward()
        logs.append(log)
    assert logs[0] == logs[1]


def test_full_backward_hook_no_input_requires_grad():
    logs = []
    for nn, lib in ((gnn, gg), (tnn, torch)):
        m = nn.Linear(2, 2)
        log = []
        m.register_full_backward_hook(lambda mod, gi, go, log=log: log.append((gi, len(go))))
        m(lib.ones(1, 2)).sum().backward()
        logs.append(log)
    assert logs[0] == logs[1]


def test_full_backward_pre_hook_replaces_grad_output():
    res = []
    for nn, lib in ((gnn, gg), (tnn, torch)):
        m = nn.Linear(2, 2)
        m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
        x = lib.ones(1, 2, requires_grad=True)
        m(x).sum().backward()
        res.append(m.bias.grad.tolist())
    assert res[0] == res[1] == [2.0, 2.0]


def test_backward_hook_remove():
    m = gnn.Linear(2, 2)
    calls = []
    h = m.register_full_backward_hook(lambda *a: calls.append(1))
    h.remove()
    m(gg.ones(1, 2, requires_grad=True)).sum().backward()
    assert calls == []


# repr -----------------------------------------------------------------------------------------
def test_repr_matches_torch():
    def build(nn, lib):
        class Custom(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1, bias=False))
                self.layers = nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh()])
                self.empty = nn.ModuleList()
                self.none = None

            def extra_repr(self):
                return "size=3"
        m = Custom()
        m.register_module("missing", None)
        return m
    g, t = both(build)
    assert repr(g) == repr(t)
    assert repr(g.body) == repr(t.body)

    def multi(nn, lib):
        class Multi(nn.Module):
            def extra_repr(self):
                return "a=1\nb=2"
        return Multi()
    assert repr(multi(gnn, gg)) == repr(multi(tnn, torch))


# containers -----------------------------------------------------------------------------------
def kinds(mods):
    return [type(m).__name__ for m in mods]


def test_sequential_ops():
    for nn, _lib in ((gnn, gg), (tnn, torch)):
        s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        assert len(s) == 3 and kinds(s) == ["Linear", "ReLU", "Linear"]
        assert type(s[-1]).__name__ == "Linear" and s[0] is list(s)[0]
        sl = s[1:]
        assert isinstance(sl, nn.Sequential) and list(sl._modules) == ["1", "2"]
        s.append(nn.Tanh())
        assert list(s._modules) == ["0", "1", "2", "3"]
        s[1] = nn.Sigmoid()
        assert kinds(s)[1] == "Sigmoid"
        del s[0]
        assert list(s._modules) == ["0", "1", "2"] and kinds(s) == ["Sigmoid", "Linear", "Tanh"]
        s.insert(0, nn.ReLU())
        assert kinds(s) == ["ReLU", "Sigmoid", "Linear", "Tanh"]
        s.extend([nn.ReLU()])
        assert len(s) == 5 and kinds(s.pop(4) and s) == kinds(s)
        od = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
        assert list(od._modules) == ["fc", "act"] and od.fc is od[0]
        with pytest.raises(IndexError):
            s[10]  # noqa: B018
    g = gnn.Sequential(gnn.Linear(2, 2), gnn.ReLU())
    assert g(gg.ones(1, 2)).shape == (1, 2)


def test_modulelist_ops():
    for nn, lib in ((gnn, gg), (tnn, torch)):
        ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
        ml.append(nn.Sigmoid())
        ml.extend([nn.Linear(1, 1)])
        ml.insert(1, nn.Identity())
        assert kinds(ml) == ["ReLU", "Identity", "Tanh", "Sigmoid", "Linear"]
        assert list(ml._modules) == ["0", "1", "2", "3", "4"]
        assert type(ml[-1]).__name__ == "Linear"
        sub = ml[1:3]
        assert isinstance(sub, nn.ModuleList) and list(sub._modules) == ["0", "1"]
        ml[0] = nn.ELU()
        del ml[1]
        assert kinds(ml) == ["ELU", "Tanh", "Sigmoid", "Linear"]
        assert list(ml._modules) == ["0", "1", "2", "3"]
        assert len(ml) == 4 and len(list(ml.parameters())) == 2
        ml += [nn.ReLU()]
        assert len(ml) == 5
        with pytest.raises(NotImplementedError):
            ml(lib.ones(1))


def test_moduledict_ops():
    for nn, _lib in ((gnn, gg), (tnn, torch)):
        md = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Tanh()})
        md["c"] = nn.Linear(1, 1)
        md.update([("d", nn.ReLU())])
        md.update({"a": nn.Sigmoid()})
        assert list(md) == list(md.keys()) == ["a", "b", "c", "d"]
        assert kinds(md.values()) == ["Sigmoid", "Tanh", "Linear", "ReLU"]
        assert "c" in md and len(md) == 4
        del md["b"]
        assert type(md.pop("c")).__name__ == "Linear"
        assert list(md) == ["a", "d"]
        md.clear()
        assert len(md) == 0


def test_get_submodule_get_parameter_get_buffer():
    g, t = both(make_net)
    assert type(g.get_submodule("encoder.2.fc")).__name__ == "Linear"
    assert g.get_submodule("") is g
    assert g.get_parameter("encoder.2.fc.weight") is g.encoder[2].fc.weight
    assert g.get_buffer("norm.running_var") is g.norm.running_var
    assert g.get_parameter("heads.a.bias").shape == tuple(t.get_parameter("heads.a.bias").shape)


# module paths -----------------------------------------------------------------------------------
def test_module_paths():
    Block, Net = net_classes(gnn)
    model = Net()
    x = gg.ones(5, 4, requires_grad=True)
    h = model.encoder[0](x)                        # called outside its parent
    assert h.grad_fn.module == "Linear"
    seen = []
    for m in model.modules():
        m.register_forward_hook(lambda mod, args, out: seen.append(
            (type(mod).__name__, (out[0] if isinstance(out, tuple) else out).grad_fn.module)))
    model(x)
    assert seen == [
        ("Linear", "Net.encoder.0"), ("Tanh", "Net.encoder.1"), ("Linear", "Net.encoder.2.fc"),
        ("ReLU", "Net.encoder.2.act"), ("Block", "Net.encoder.2.act"),
        ("Sequential", "Net.encoder.2.act"), ("BatchNorm1d", "Net.norm"),
        ("Linear", "Net.heads.a"), ("Linear", "Net.heads.b"), ("Net", "Net")]
    out = model(x)
    assert out[0].grad_fn.module == "Net"          # the multiply in Net.forward itself
    assert gg._state.STATE.module_path == []


def test_module_path_after_replacing_child_and_unregistered_helper():
    class Outer(gnn.Module):
        def __init__(self):
            super().__init__()
            self.fc = gnn.Linear(2, 2)
            self.helpers = [gnn.Linear(2, 2)]       # a plain list: not registered

        def forward(self, x):
            return self.helpers[0](self.fc(x))
    m = Outer()
    x = gg.ones(1, 2, requires_grad=True)
    assert m(x).grad_fn.module == "Outer.Linear"
    old = m.fc
    m.fc = gnn.Linear(2, 2)
    m._modules["other"] = old
    assert m.fc(x).grad_fn.module == "Linear"
    paths = []
    m.fc.register_forward_hook(lambda mod, a, out: paths.append(out.grad_fn.module))
    m(x)
    assert paths == ["Outer.fc"]

    class Calls(gnn.Module):
        def __init__(self):
            super().__init__()
            self.inner = m

        def forward(self, x):
            return self.inner.fc(x)              # a grandchild called directly
    paths.clear()
    Calls()(x)
    assert paths == ["Calls.Linear"] or paths == ["Calls.inner.fc"]


def test_forward_exception_restores_module_path():
    class Boom(gnn.Module):
        def forward(self, x):
            raise ValueError("boom")
    with pytest.raises(ValueError):
        gnn.Sequential(Boom())(gg.ones(1))
    assert gg._state.STATE.module_path == []


def test_shape_error_from_layer():
    with pytest.raises(Exception):  # noqa: B017
        gnn.Linear(3, 2)(gg.ones(1, 4))


def test_module_path_of_modulelist_loop_and_recording_is_clean():
    class Stack(gnn.Module):
        def __init__(self):
            super().__init__()
            self.layers = gnn.ModuleList([gnn.Linear(2, 2) for _ in range(3)])

        def forward(self, x):
            outs = []
            for layer in self.layers:               # called from the grandparent's forward
                x = layer(x)
                outs.append(x.grad_fn.module)
            return outs
    m = Stack()
    assert m(gg.ones(1, 2, requires_grad=True)) == [f"Stack.layers.{i}" for i in range(3)]
    m.layers.insert(0, gnn.Linear(2, 2))            # renumbered: paths follow
    assert m(gg.ones(1, 2, requires_grad=True))[1] == "Stack.layers.1"


def test_always_call_forward_hook():
    class Boom(gnn.Module):
        def forward(self, x):
            raise ValueError("boom")
    calls = []
    m = Boom()
    m.register_forward_hook(lambda mod, a, out: calls.append("always"), always_call=True)
    m.register_forward_hook(lambda mod, a, out: calls.append("normal"))
    with pytest.raises(ValueError):
        m(gg.ones(1))
    assert calls == ["always"]
