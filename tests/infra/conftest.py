"""Synthesizes the stack once per test session; every infrastructure test reads that template."""

from __future__ import annotations

import pytest
from infra_synth import Synthesized, synthesize


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The stack as `python app.py` builds it from cdk.json's context."""
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def synthesized_quicksight(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The same stack with `-c quicksight=true -c alarmEmail=...` (only the tests that need it pay)."""
    return synthesize(
        tmp_path_factory.mktemp("cdk.out.quicksight"),
        {
            "quicksight": "true",
            "quicksightPrincipalArn": "arn:aws:quicksight:us-east-1:111122223333:group/default/calsnack",
            "alarmEmail": "ops@example.com",
        },
    )
