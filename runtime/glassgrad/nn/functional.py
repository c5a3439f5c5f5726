"""``glassgrad.nn.functional``: PyTorch's functional API, re-exported flat from
``nn/_functional/*`` (one star-import per family; add new families as new lines)."""

from ._functional.activation import *  # noqa: F403
from ._functional.attention import *  # noqa: F403
from ._functional.conv import *  # noqa: F403
from ._functional.dropout import *  # noqa: F403
from ._functional.embedding import *  # noqa: F403
from ._functional.linear import *  # noqa: F403
from ._functional.loss import *  # noqa: F403
from ._functional.misc import *  # noqa: F403
from ._functional.normalization import *  # noqa: F403
from ._functional.pooling import *  # noqa: F403
