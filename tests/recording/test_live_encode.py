"""Events captured on the training thread (live_events.py) and encoded off it
(live_encode.py): the fast text and the dict agree, for every kind of record."""

from __future__ import annotations

import json
import weakref

import glassgrad as gg
from glassgrad.recording import live_encode
from glassgrad.recording.events import attach, detach
from glassgrad.recording.live_encode import event_dict, event_json
from glassgrad.recording.live_events import Capture, Outbox


class Split(gg.autograd.Function):
    """Two outputs, so its backward node gets two gradients."""

    @staticmethod
    def forward(ctx, x):
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, g1, g2):
        return g1 * 2 + (0 if g2 is None else g2 * 3)


def records() -> list[tuple]:
    cap = Capture()
    model = gg.nn.Sequential(gg.nn.Linear(3, 4), gg.nn.ReLU(), gg.nn.Linear(4, 2))
    opt = gg.optim.SGD(model.parameters(), lr=0.1)
    x = gg.randn(5, 3)
    attach(cap)
    try:
        for _ in range(2):
            loss = model(x).pow(2).mean()
            a, _b = Split.apply(x.requires_grad_())
            (loss + a.sum()).backward()
            with gg.no_grad():
                x.mul_(1.0)  # an op without a graph node
            opt.step()
            opt.zero_grad()
            x.grad = None
    finally:
        detach(cap)
    return list(cap.events.raw)


def test_text_and_dict_agree_for_every_record():
    recs = records()
    kinds = {r[0] for r in recs}
    assert kinds >= {"op", "backward", "iteration", "backward_end", "step", "module_enter",
                     "module_exit"}
    assert any(r[0] == "op" and r[3] is None for r in recs)  # no graph node
    assert any(r[0] == "backward" and len(r[6]) == 2 for r in recs)  # two gradients
    for rec in recs * 2:  # the second time from the caches
        note = json.loads(event_json(rec))
        assert note["jsonrpc"] == "2.0" and note["method"] == "event"
        assert note["params"] == event_dict(rec), rec


def test_odd_names_are_escaped_in_the_cached_templates():
    t = gg.ones(2, requires_grad=True)
    ref = (7, (2,), t._data.dtype, t._device, True, weakref.ref(t))
    site = ('/tmp/a "quoted" 100%s dir/ü.py', 3, "<lambda>")
    op = ("op", 1, type(t.grad_fn) if t.grad_fn else gg.autograd.Function, 9, site,
          "Net.%d", ref, [None, 7], 0.0, 1e-6)
    bw = ("backward", 1, "mul", 9, site, "%s", [ref], 0.0, 2e-6)
    bw2 = ("backward", 1, "split", None, None, None, [None, ref], 0.0, 2e-6)
    for rec in (op, bw, bw2, ("module_enter", 2, 'a"b%', "M%s")):
        assert json.loads(event_json(rec))["params"] == event_dict(rec)


def test_caches_stay_bounded():
    t = gg.ones(2)
    for n in range(live_encode._CACHE_MAX + 10):
        ref = (n, (n,), t._data.dtype, t._device, False, weakref.ref(t))
        event_json(("backward", 0, "add", n, ("f.py", n, "f"), None, [ref], 0.0, 0.0))
    assert len(live_encode._backward_sites) <= live_encode._CACHE_MAX


def test_an_outbox_drops_what_does_not_fit_but_never_a_stop():
    box = Outbox(size=3)
    box.take(["1", "2"], 2)
    box.take(["3", "4", "5"], 3)
    box.take(["s"], 1, force=True)
    assert box.dropped == 2
    assert list(box.batches(limit=100)) == ["[1,2,3,s]"]
    box.take(["a" * 6, "b" * 6, "c"], 13)
    assert list(box.batches(limit=8)) == ["a" * 6, "[" + "b" * 6 + ",c]"]
