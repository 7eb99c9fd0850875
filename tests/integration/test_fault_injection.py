"""10,000 invitations through throttling, crashes, duplicates, poison messages and restarts: none lost."""

from __future__ import annotations

import pytest

from tests.faults import run


@pytest.mark.slow
def test_fault_injection_loses_nothing(tmp_path) -> None:
    report = run(tmp_path, attendees=10_000)
    print(report)
    assert report.lost == 0
    assert report.duplicate_rate <= 0.001
    assert report.throttled > 0 and report.crashes > 0 and report.duplicated_messages > 0
    assert report.poison_in_dlq == 5
    assert report.restarts >= 1
