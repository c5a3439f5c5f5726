"""The layers of ``glassgrad.nn``, one module per family."""

from . import (
    activation,
    attention,
    conv,
    dropout,
    embedding,
    flatten,
    linear,
    loss,
    normalization,
    pooling,
    rnn,
    transformer,
)
from .activation import *  # noqa: F403
from .attention import *  # noqa: F403
from .container import ModuleDict, ModuleList, Sequential
from .conv import *  # noqa: F403
from .dropout import *  # noqa: F403
from .embedding import *  # noqa: F403
from .flatten import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .module import Module
from .normalization import *  # noqa: F403
from .pooling import *  # noqa: F403
from .rnn import *  # noqa: F403
from .transformer import *  # noqa: F403

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict"]
__all__ += activation.__all__ + dropout.__all__ + embedding.__all__ + flatten.__all__
__all__ += linear.__all__ + normalization.__all__
__all__ += attention.__all__ + loss.__all__ + rnn.__all__ + transformer.__all__
__all__ += conv.__all__ + pooling.__all__
