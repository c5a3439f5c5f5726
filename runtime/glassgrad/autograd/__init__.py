"""Automatic differentiation: backward, grad, grad modes, custom Functions, gradcheck."""

from ..recording.anomaly import (  # anomaly mode is an observer of the engine
    AnomalyError,
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from .engine import backward, grad
from .frames import BACKWARD_MODULE, is_backward_frame
from .function import Function, FunctionCtx
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "backward", "grad", "Function", "FunctionCtx", "no_grad", "enable_grad",
    "set_grad_enabled", "inference_mode", "is_grad_enabled", "gradcheck", "gradgradcheck",
    "GradcheckError", "BACKWARD_MODULE", "is_backward_frame", "detect_anomaly",
    "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "AnomalyError",
]
