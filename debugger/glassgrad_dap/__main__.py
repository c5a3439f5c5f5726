"""``python -m glassgrad_dap`` or ``python path/to/glassgrad_dap/__main__.py``: the adapter
for clients that spawn ``runtime executable`` with exactly one argument."""

import sys

if __package__ in (None, ""):  # run as a file: import the installed package, not this folder
    sys.path[:] = [p for p in sys.path if p != __file__.rsplit("/", 1)[0]]
    from glassgrad_dap.server import main
else:
    from .server import main

if __name__ == "__main__":
    sys.exit(main())
