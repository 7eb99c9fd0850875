from __future__ import annotations

import pytest

from tests.e2e.stack import Stack, free_port


@pytest.fixture
def stack(tmp_path):
    s = Stack(data=tmp_path / "data", smtp_port=free_port(), http_port=free_port(), domain="snack.test")
    s.start()
    yield s
    s.stop()
