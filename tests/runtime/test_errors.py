"""Op errors name the op, every operand's shape and dtype, and the user's line."""

import re
import traceback

import pytest
import torch

import glassgrad as gg
from glassgrad.errors import OpError
from markers import line_of


def _line_of(marker: str) -> int:
    return line_of(__file__, marker)


def _no_internals(msg):
    assert "runtime/glassgrad" not in msg and "glassgrad/ops" not in msg, msg


def test_matmul_shape_mismatch():
    a, b = gg.ones(2, 3), gg.ones(4, 5, dtype=gg.float64).float()
    with pytest.raises(OpError) as info:
        a @ b  # @matmul-line
    msg = str(info.value)
    assert msg.startswith("matmul: ")
    assert "Tensor(2, 3) float32" in msg and "Tensor(4, 5) float32" in msg
    assert f"{__file__}:{_line_of('# @matmul-line')}" in msg
    assert "test_matmul_shape_mismatch" in msg
    _no_internals(msg)
    assert info.value.op == "matmul" and info.value.site[:2] == (__file__,
                                                                   _line_of("# @matmul-line"))
    with pytest.raises(RuntimeError):
        torch.ones(2, 3) @ torch.ones(4, 5)  # torch rejects it too


@pytest.mark.parametrize("op,expect", [
    (lambda a, b: a + b, "add"), (lambda a, b: a * b, "mul"), (lambda a, b: a - b, "sub"),
    (lambda a, b: a / b, "div"), (lambda a, b: gg.maximum(a, b), "maximum"),
])
def test_broadcast_mismatch_names_op_and_both_operands(op, expect):
    a, b = gg.ones(2, 3), gg.ones(4, 1, 5, dtype=gg.float64)
    with pytest.raises(OpError) as info:
        op(a, b)
    msg = str(info.value)
    assert re.match(rf"{expect}: ", msg), msg
    assert "(2, 3)" in msg and "(4, 1, 5)" in msg
    assert "float32" in msg or "float64" in msg
    assert __file__ in msg
    _no_internals(msg)


def test_dtype_error_names_dtypes():
    a = gg.ones(2, dtype=gg.bool)
    with pytest.raises(OpError) as info:
        a - a  # @bool-sub
    msg = str(info.value)
    assert msg.startswith("sub: ") and msg.count("Tensor(2,) bool") == 2
    assert f"{__file__}:{_line_of('# @bool-sub')}" in msg
    with pytest.raises(RuntimeError):
        torch.ones(2, dtype=torch.bool) - torch.ones(2, dtype=torch.bool)


def test_error_inside_user_function_points_at_its_line():
    def layer(x, w):
        return x @ w  # @inner-line

    with pytest.raises(OpError) as info:
        layer(gg.ones(3, 4), gg.ones(3, 4))
    msg = str(info.value)
    assert f"{__file__}:{_line_of('# @inner-line')} in layer" in msg


def test_index_error_is_still_an_index_error():
    a = gg.ones(2, 3)
    with pytest.raises(IndexError) as info:
        a[5]  # @index-line
    msg = str(info.value)
    assert isinstance(info.value, OpError)
    assert "Tensor(2, 3) float32" in msg and f"{__file__}:{_line_of('# @index-line')}" in msg


@pytest.mark.parametrize("call,name", [
    (lambda: gg.ones(2, 3).reshape(7), "reshape"),
    (lambda: gg.ones(2, 3).sum(dim=4), "Dimension out of range"),
    (lambda: gg.ones(2, 3).permute(0), "permute"),
    (lambda: gg.ones(2, 3).expand(4, 3), "expand"),
])
def test_argument_errors_point_at_user_line(call, name):
    with pytest.raises(OpError) as info:
        call()
    msg = str(info.value)
    assert name in msg
    assert f"{__file__}:" in msg  # the lambda's line, in this file
    _no_internals(msg)


def test_error_traceback_is_chained_but_message_is_users():
    with pytest.raises(OpError) as info:
        gg.ones(2) + gg.ones(3)
    assert info.value.__cause__ is not None  # the library's own error stays inspectable
    last = traceback.extract_tb(info.value.__traceback__)[0]
    assert last.filename == __file__


def test_backward_shape_error_names_node_and_forward_line():
    class BadGrad(gg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return gg.ones(5)

    x = gg.ones(2, 3, requires_grad=True)
    y = BadGrad.apply(x)  # @bad-grad
    with pytest.raises(gg.GlassgradError) as info:
        y.sum().backward()
    msg = str(info.value)
    assert "BadGradBackward" in msg and "(5,)" in msg and "(2, 3)" in msg
    assert f"{__file__}:{_line_of('# @bad-grad')}" in msg


def test_matmul_dtype_mismatch_is_an_error_like_torch():
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]) @ torch.tensor([1.0, 2.0])
    with pytest.raises(OpError, match="int64.*float32|float32.*int64"):
        gg.tensor([1, 2]) @ gg.tensor([1.0, 2.0])


def test_reshape_error_names_operand_shape_and_dtype():
    with pytest.raises(OpError, match=r"Tensor\(2, 3\) float32"):
        gg.ones(2, 3).reshape(7)
