import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dap_client import DAPClient  # noqa: E402


@pytest.fixture
def dap(tmp_path):
    client = DAPClient(log_dir=str(tmp_path / "dap-log"))
    try:
        yield client
    finally:
        client.close()
