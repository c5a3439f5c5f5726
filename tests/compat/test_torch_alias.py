"""The torch alias: unmodified PyTorch scripts on glassgrad, their losses against PyTorch's,
clear errors for missing names at the user's line, PyTorch idioms, and opt-in only."""

from __future__ import annotations

import os
import textwrap

import numpy as np
import pytest
from compat_helpers import SCRIPTS, last_json, pth_installed, run

from markers import line_of

MLP = str(SCRIPTS / "torch_mlp.py")
MISSING = str(SCRIPTS / "torch_missing.py")


@pytest.fixture(scope="module")
def pytorch_losses():
    import torch  # noqa: F401 - the oracle (skipped where the suite runs without it)

    out = run(MLP, "--epochs", "2")
    assert out.returncode == 0, out.stderr
    return last_json(out.stdout)


def test_an_unmodified_pytorch_script_trains_to_pytorchs_losses(tmp_path, pytorch_losses):
    out = run("-m", "glassgrad", "run", "--torch", "--root", str(tmp_path / "runs"), MLP,
              "--epochs", "2", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    ours = last_json(out.stdout)
    assert len(ours["losses"]) == len(pytorch_losses["losses"]) == 16
    np.testing.assert_allclose(ours["losses"], pytorch_losses["losses"], rtol=1e-4, atol=1e-5)
    assert ours["accuracy"] == pytest.approx(pytorch_losses["accuracy"], abs=1 / 256)
    assert "glassgrad: recorded" in out.stderr  # glassgrad run records, as always


def test_glassgrad_torch_in_the_environment_starts_the_alias(tmp_path):
    """``GLASSGRAD_TORCH=1 python script.py`` (any launcher) trains as ``glassgrad run --torch``
    does (which the test above compares with PyTorch)."""
    if not pth_installed():
        if os.environ.get("CI"):
            pytest.fail("glassgrad-torch.pth is not installed (pip install -e . installs it)")
        pytest.skip("glassgrad is not installed in this Python (pip install -e .)")
    out = run(MLP, "--epochs", "1", cwd=tmp_path, GLASSGRAD_TORCH="1")
    assert out.returncode == 0, out.stderr
    ran = run("-m", "glassgrad", "run", "--torch", "--root", str(tmp_path / "runs"), MLP,
              "--epochs", "1", cwd=tmp_path)
    assert last_json(out.stdout) == last_json(ran.stdout)


def test_a_missing_name_is_named_with_the_users_line(tmp_path):
    out = run("-m", "glassgrad", "run", "--torch", "--root", str(tmp_path / "runs"), MISSING,
              cwd=tmp_path)
    assert out.returncode == 1
    line = line_of(MISSING, "# @missing")
    last = out.stderr.strip().splitlines()[-2]  # the last line says where the run was recorded
    assert last == ("glassgrad.torch_alias.errors.TorchAttributeError: "
                    "torch.nn.functional.grid_sample is not in glassgrad yet "
                    f"(docs/pytorch-coverage.md), used at {MISSING}:{line}")


def _snippet(code: str, tmp_path, **extra: str):
    path = tmp_path / "snippet.py"
    path.write_text(textwrap.dedent(code))
    return run(str(path), cwd=tmp_path, GLASSGRAD_TORCH="1", **extra) if pth_installed() else \
        run("-m", "glassgrad", "run", "--torch", "--root", str(tmp_path / "runs"), str(path),
            cwd=tmp_path, **extra)


def test_missing_names_in_every_form(tmp_path):
    out = _snippet("""
        import torch
        import torch.nn.functional as F
        from glassgrad.torch_alias import NotInGlassgrad, TorchAttributeError

        assert not hasattr(F, "grid_sample") and getattr(F, "grid_sample", None) is None
        try:
            F.grid_sample
        except TorchAttributeError as e:
            assert isinstance(e, AttributeError)
            assert (e.torch_name, e.filename, e.lineno) == ("torch.nn.functional.grid_sample",
                                                            __file__, 8)
        try:
            from torch.nn.functional import grid_sample  # noqa: F401
        except ImportError as e:
            assert isinstance(e, NotInGlassgrad) and e.lineno == 14, e
            print("from:", e)
        try:
            import torch.fft  # noqa: F401
        except ModuleNotFoundError as e:
            assert isinstance(e, NotInGlassgrad) and e.name == "torch.fft"
            print("import:", e)
        try:
            torch.linalg.svd
        except AttributeError as e:
            print("attribute:", e)
        print("ok")
        """, tmp_path)
    assert out.returncode == 0, out.stderr
    path = str(tmp_path / "snippet.py")
    assert out.stdout.splitlines() == [
        "from: torch.nn.functional.grid_sample is not in glassgrad yet "
        f"(docs/pytorch-coverage.md), used at {path}:14",
        f"import: torch.fft is not in glassgrad yet (docs/pytorch-coverage.md), used at {path}:19",
        "attribute: torch.linalg is not in glassgrad yet (docs/pytorch-coverage.md), used at "
        f"{path}:24",
        "ok"]


def test_pytorch_idioms(tmp_path):
    out = _snippet("""
        import torch
        import torch.nn as nn
        import glassgrad as gg

        t = torch.Tensor(2, 3)
        assert t.shape == (2, 3) and t.dtype is torch.float32
        assert torch.Tensor([1, 2]).dtype is torch.float32 and torch.Tensor().shape == (0,)
        assert torch.LongTensor([1, 2]).dtype is torch.int64
        assert torch.Tensor(torch.Size([4])).shape == (4,)
        x = torch.randn(3, requires_grad=True)
        assert isinstance(x, torch.Tensor) and isinstance(nn.Parameter(x.detach()), torch.Tensor)
        assert isinstance(torch.ones(2, dtype=torch.int64), torch.LongTensor)
        assert not isinstance(torch.ones(2), torch.LongTensor) and not isinstance(1, torch.Tensor)
        assert torch.nn.Linear is gg.nn.Linear and torch.optim.SGD is gg.optim.SGD

        size = torch.Size([2, 3, 4])
        assert size.numel() == 24 and size == (2, 3, 4) and size[1:] == torch.Size([3, 4])
        assert repr(size) == "torch.Size([2, 3, 4])"

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        assert torch.ones(1, device=device).device == device
        assert torch.cuda.device_count() >= int(torch.cuda.is_available())
        torch.cuda.manual_seed_all(0)
        torch.cuda.empty_cache()

        g = torch.manual_seed(3)
        a = torch.randn(4)
        torch.manual_seed(3)
        assert (a == torch.randn(4)).all()
        assert g.initial_seed() == 3

        @torch.no_grad
        def double(v):
            return v * 2

        @torch.no_grad()
        def triple(v):
            return v * 3

        assert not double(x).requires_grad and not triple(x).requires_grad
        with torch.no_grad():
            assert not (x * 2).requires_grad
        assert (x * 2).requires_grad

        assert torch.finfo(torch.float32).eps == 2.0 ** -23
        assert torch.finfo().max == torch.finfo(torch.float32).max
        assert torch.finfo(torch.float16).max == 65504.0
        assert torch.iinfo(torch.int32).max == 2 ** 31 - 1

        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.deterministic = True
        torch.backends.cuda.matmul.allow_tf32 = True
        assert torch.backends.cudnn.benchmark is True and not torch.backends.mps.is_available()
        torch.use_deterministic_algorithms(True)
        assert torch.are_deterministic_algorithms_enabled()
        torch.set_float32_matmul_precision("high")
        model = nn.Linear(2, 2)
        assert torch.compile(model) is model and torch.compile(mode="max-autotune")(model) is model
        assert not torch.distributed.is_available()
        assert torch.__version__.startswith("2.") and torch.version.cuda is None
        print("ok")
        """, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_the_alias_is_opt_in(tmp_path):
    """Without the flag or the variable, `import torch` is whatever is installed (PyTorch, or
    nothing), never glassgrad."""
    code = ("import importlib.util, sys\n"
            "spec = importlib.util.find_spec('torch')\n"
            "print(spec is not None and 'glassgrad' in type(spec.loader).__module__)\n"
            "print(any(getattr(f, 'glassgrad_torch_alias', False) for f in sys.meta_path))\n")
    out = run("-c", code, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]
    for off in ("0", ""):
        out = run("-c", code, cwd=tmp_path, GLASSGRAD_TORCH=off)
        assert out.stdout.split() == ["False", "False"], off


def test_the_alias_comes_after_no_real_pytorch(tmp_path):
    import torch  # noqa: F401 - needs a real PyTorch to import first

    out = run("-c", "import torch\nfrom glassgrad.torch_alias import install\ninstall()",
              cwd=tmp_path)
    assert out.returncode == 1
    assert "must be installed before the first `import torch`" in out.stderr


def test_the_start_up_hook_imports_nothing_until_torch(tmp_path):
    if not pth_installed():
        pytest.skip("glassgrad is not installed in this Python (pip install -e .)")
    out = run("-c", "import sys; print('glassgrad' in sys.modules, 'numpy' in sys.modules)",
              cwd=tmp_path, GLASSGRAD_TORCH="1")
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_python_m_glassgrad_is_the_command():
    out = run("-m", "glassgrad", "run", "--help")
    assert out.returncode == 0 and "--torch" in out.stdout
    assert out.stdout.startswith("usage: glassgrad run")
    out = run("-m", "glassgrad")
    assert out.returncode == 2 and "usage: glassgrad" in out.stderr

