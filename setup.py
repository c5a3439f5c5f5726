"""setuptools hooks (the project is described in pyproject.toml): install
``glassgrad-torch.pth`` at the root of site-packages, for wheels and editable installs alike.

That one line runs at every interpreter start and does nothing unless ``GLASSGRAD_TORCH`` is set;
then it installs the ``import torch`` alias finder (runtime/glassgrad/torch_alias/startup.py)
without importing glassgrad, so programs started by any launcher can run PyTorch code on
glassgrad. See docs/pytorch.md.
"""

import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.editable_wheel import editable_wheel

PTH_NAME = "glassgrad-torch.pth"
PTH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runtime", "glassgrad",
                   "torch_alias", PTH_NAME)


class BuildPy(build_py):
    """A wheel's root is site-packages: the .pth goes beside the packages."""

    def run(self):
        super().run()
        self.copy_file(PTH, os.path.join(self.build_lib, PTH_NAME))

    def get_outputs(self, include_bytecode=True):
        return [*super().get_outputs(include_bytecode), os.path.join(self.build_lib, PTH_NAME)]


class EditableWheel(editable_wheel):
    """``pip install -e``: the editable wheel's root, where setuptools also puts namespace
    .pth files (a private method: a setuptools without it fails here, loudly)."""

    def _install_namespaces(self, installation_dir, pth_prefix):
        super()._install_namespaces(installation_dir, pth_prefix)
        shutil.copyfile(PTH, os.path.join(installation_dir, PTH_NAME))


setup(cmdclass={"build_py": BuildPy, "editable_wheel": EditableWheel})
