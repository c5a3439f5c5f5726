"""Backward frames: each node's backward runs in a frame that looks like its forward line."""

import sys
import traceback

import pytest

import glassgrad as gg
from glassgrad.autograd import frames
from markers import line_of


def _line_of(marker: str) -> int:
    return line_of(__file__, marker)


class Boom(gg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, grad):
        raise ValueError("boom in backward")


def _trace_backward(fn):
    """Run ``fn`` under sys.settrace; return (name, file, line, arg names, locals) per call of
    a backward frame, in call order."""
    calls = []

    def tracer(frame, event, arg):
        if event == "call" and frame.f_code.co_name.endswith(".backward"):
            calls.append((frame.f_code.co_name, frame.f_code.co_filename, frame.f_lineno,
                          frame.f_code.co_varnames[:frame.f_code.co_argcount],
                          dict(frame.f_locals), frame.f_globals))
        return None

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(old)
    return calls


def test_traceback_from_backward_names_forward_line():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = Boom.apply(x)  # @boom-forward
    with pytest.raises(ValueError, match="boom in backward") as info:
        y.sum().backward()
    frames_ = traceback.extract_tb(info.value.__traceback__)
    names = [(f.filename, f.lineno, f.name) for f in frames_]
    assert (__file__, _line_of("# @boom-forward"), "boom.backward") in names
    # the line shown for that frame is the user's forward line
    shown = [f.line for f in frames_ if f.name == "boom.backward"]
    assert shown and "Boom.apply(x)" in shown[0]


def test_backward_frames_for_builtin_ops_locals_and_marker():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    w = gg.tensor([3.0, 4.0], requires_grad=True)
    y = x * w  # @mul-forward
    z = y.sum()  # @sum-forward
    calls = _trace_backward(z.backward)
    names = [c[0] for c in calls]
    assert names == ["sum.backward", "mul.backward"]
    mul = calls[1]
    assert mul[1] == __file__ and mul[2] == _line_of("# @mul-forward")
    assert calls[0][2] == _line_of("# @sum-forward")
    assert mul[3][0] == "ctx" and "grad_output" in mul[3]
    saved = type(y.grad_fn).saves
    assert saved and set(saved) <= set(mul[3])
    local = mul[4]
    assert local["grad_output"].shape == (2,)
    assert all(local[n].tolist() in ([1.0, 2.0], [3.0, 4.0]) for n in saved)
    assert local["ctx"] is y.grad_fn
    glob = mul[5]
    assert glob["__name__"] == gg.autograd.BACKWARD_MODULE
    assert not gg.autograd.BACKWARD_MODULE.startswith("glassgrad")  # outside the runtime
    assert glob is frames.GLOBALS


def test_is_backward_frame_seen_from_inside_backward():
    seen = []

    class Probe(gg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(gg.autograd.is_backward_frame(sys._getframe()))
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            caller = sys._getframe(1)
            seen.append((gg.autograd.is_backward_frame(caller), caller.f_code.co_name,
                         caller.f_lineno, "grad_outputs" in caller.f_locals))
            return grad * 2

    x = gg.tensor([1.0], requires_grad=True)
    Probe.apply(x).sum().backward()  # @probe-forward
    assert seen == [False, (True, "probe.backward", _line_of("# @probe-forward"), True)]
    assert x.grad.tolist() == [2.0]


def test_two_ops_on_one_line_give_two_frames_in_reverse_order():
    x = gg.tensor([0.5, 1.0], requires_grad=True)
    y = (x * 3).exp().sum()  # @three-ops
    calls = _trace_backward(y.backward)
    line = _line_of("# @three-ops")
    assert [(c[0], c[2]) for c in calls] == [
        ("sum.backward", line), ("exp.backward", line), ("mul.backward", line)]


def test_frames_follow_reverse_source_order_across_lines():
    x = gg.tensor([0.5, 1.0], requires_grad=True)
    a = x.tanh()  # @l1
    b = a * a  # @l2
    c = b.sum()  # @l3
    calls = _trace_backward(c.backward)
    assert [c_[2] for c_ in calls] == [_line_of(f"# @l{i}") for i in (3, 2, 1)]


def test_frames_are_cached_per_call_site():
    def f(x):
        return (x * 2).sum()  # @cached-site

    x = gg.tensor([1.0, 2.0], requires_grad=True)
    f(x).backward()
    y = f(x)
    node = y.grad_fn.next_functions[0][0]
    key = (type(node), node.site)
    first = frames._frames[key]
    y.backward()
    assert frames._frames[key] is first
    assert frames.frame_for(*key) is first
    assert node.site[:2] == (__file__, _line_of("# @cached-site"))
    other = (x * 2)  # another line: another frame
    assert frames.frame_for(type(other.grad_fn), other.grad_fn.site) is not first


def test_backward_frame_code_is_a_renamed_copy():
    x = gg.tensor([1.0], requires_grad=True)
    y = x * 2  # @code-copy
    fn = frames.frame_for(type(y.grad_fn), y.grad_fn.site)
    code = fn.__code__
    assert code.co_filename == __file__
    assert code.co_firstlineno == _line_of("# @code-copy")
    assert code.co_name == "mul.backward"
    assert fn.__globals__ is frames.GLOBALS


def test_hook_sees_backward_ordering_and_grad_values():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    order = []
    a = x * 2
    b = a * 3
    a.register_hook(lambda g: order.append(("a", g.tolist())))
    b.register_hook(lambda g: order.append(("b", g.tolist())))
    b.sum().backward()
    assert order == [("b", [1.0, 1.0]), ("a", [3.0, 3.0])]
