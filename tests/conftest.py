"""Test-session set-up shared by every test directory.

Lambda hands a function its Powertools environment before the handler module is imported,
and the handler modules build their `Metrics()` at import, when collection imports them: so
the same environment is set here, before any test module is collected. Without it a worker
that imports a handler before a fixture set the namespace flushes metrics without one.

The closing summary lists which tests skipped, why, and what would run them.
"""

from __future__ import annotations

from collections import Counter

import pytest
from calsnack.serve.options import quiet_powertools

quiet_powertools()

#: Debian packages the skipping tests ask for; the README's "Optional system packages" installs them.
OPTIONAL_PACKAGES = "chromium gir1.2-ical-3.0 python3-gi"
#: Words of the skip reasons that name one of them.
SYSTEM_PACKAGE_WORDS = ("chromium", "python3-gi", "gir1.2-ical", "libical")


def skip_reasons(reports: list[pytest.TestReport]) -> Counter[str]:
    """How many tests skipped for each reason (pytest keeps it as "Skipped: <reason>")."""
    reasons: Counter[str] = Counter()
    for report in reports:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    return reasons


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reasons = skip_reasons(
        [r for r in terminalreporter.stats.get("skipped", []) if isinstance(r, pytest.TestReport)]
    )
    if not reasons:
        return
    terminalreporter.section("skipped tests, and why")
    for reason, count in reasons.most_common():
        terminalreporter.line(f"{count:5} skipped: {reason}")
    if any(word in reason.lower() for reason in reasons for word in SYSTEM_PACKAGE_WORDS):
        terminalreporter.line(
            f"To run the ones that need system packages: sudo apt-get install {OPTIONAL_PACKAGES}"
            " (README, 'Optional system packages')."
        )
