"""``python -m glassgrad``: the ``glassgrad`` command (``python -m glassgrad run --torch x.py``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
