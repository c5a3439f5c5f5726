"""gg.autograd.detect_anomaly(): the first NaN/Inf in forward or backward names its op and
forward line."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import AnomalyError, detect_anomaly
from markers import line_of

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _line(marker: str) -> int:
    return line_of(__file__, marker)


def test_forward_log_of_negative_names_op_and_line():
    x = gg.tensor([1.0, -1.0, -2.0])
    with pytest.raises(RuntimeError) as info:
        with detect_anomaly():
            gg.log(x)  # LOG-LINE
    err = info.value
    assert isinstance(err, AnomalyError)
    msg = str(err)
    assert "'log'" in msg and "nan" in msg
    assert "2 of 3 elements" in msg
    assert f"{__file__}:{_line('LOG-LINE')}" in msg
    assert err.phase == "forward" and err.op == "log" and err.count == 2
    assert err.site[:2] == (__file__, _line("LOG-LINE"))


def test_forward_with_graph_reports_node_site():
    x = gg.tensor([-1.0], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"'log'") as info:
        (x * 2).log()  # GRAPH-LINE
    assert info.value.site[1] == _line("GRAPH-LINE")


def test_backward_sqrt_at_zero_names_the_sqrt_line():
    x = gg.tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        y = gg.sqrt(x)  # SQRT-LINE
        loss = (y * 3).sum()
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    msg = str(info.value)
    assert "Function 'SqrtBackward' returned inf values in its 0th output" in msg
    assert "1 of 2 elements" in msg
    assert f"{__file__}:{_line('SQRT-LINE')}" in msg
    assert info.value.phase == "backward" and info.value.op == "sqrt"


def test_backward_nan_gradient():
    x = gg.tensor([-1.0], requires_grad=True)
    y = gg.sqrt(x)  # forward NaN outside the block is not checked
    assert np.isnan(y.detach().numpy()).all()
    with detect_anomaly(), pytest.raises(AnomalyError, match="returned nan values"):
        y.sum().backward()


def test_clean_run_passes_and_mode_is_scoped():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    assert not gg.autograd.is_anomaly_enabled()
    with detect_anomaly():
        assert gg.autograd.is_anomaly_enabled()
        (x.log() * x).sum().backward()
    assert not gg.autograd.is_anomaly_enabled()
    np.testing.assert_allclose(x.grad.numpy(), np.log([1.0, 2.0]) + 1, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gg.log(gg.tensor(-1.0))  # outside: no error


def test_decorator_and_nesting():
    @detect_anomaly()
    def bad():
        assert gg.autograd.is_anomaly_enabled()
        return gg.log(gg.tensor([-1.0]))

    with pytest.raises(AnomalyError):
        bad()
    assert not gg.autograd.is_anomaly_enabled()
    with detect_anomaly():
        with detect_anomaly(check_nan=False):
            gg.log(gg.tensor([-1.0]))  # checks off inside
            assert not gg.autograd.is_anomaly_check_nan_enabled()
        assert gg.autograd.is_anomaly_check_nan_enabled()
        with pytest.raises(AnomalyError):
            gg.log(gg.tensor([-1.0]))
    assert not gg.autograd.is_anomaly_enabled()


def test_set_detect_anomaly():
    gg.autograd.set_detect_anomaly(True)
    try:
        with pytest.raises(AnomalyError):
            gg.tensor([1.0]) / 0
    finally:
        gg.autograd.set_detect_anomaly(False)
    assert not gg.autograd.is_anomaly_enabled()
    gg.tensor([1.0]) / 0


def test_integer_tensors_are_not_checked():
    with detect_anomaly():
        gg.tensor([1, 2]) + 1
