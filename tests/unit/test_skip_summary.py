"""The suite's closing summary names each skip reason once, with its count (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.conftest import skip_reasons


def skipped(reason: str) -> pytest.TestReport:
    return pytest.TestReport(
        "t.py::x", ("t.py", 1, "x"), {}, "skipped", ("t.py", 3, f"Skipped: {reason}"), "setup"
    )


def test_skip_reasons_are_counted_per_reason() -> None:
    chromium = "browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
    reports = [skipped(chromium), skipped("libical check needs gir1.2-ical-3.0"), skipped(chromium)]
    assert skip_reasons(reports) == {chromium: 2, "libical check needs gir1.2-ical-3.0": 1}
