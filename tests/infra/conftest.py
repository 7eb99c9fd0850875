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


#: A second stack beside the first, in the same account and region, taking over the first's
#: retained table and link key (docs/deploy.md, "Redeploying").
SECOND_STACK = {
    "stackName": "CalsnackStaging",
    "domain": "staging.example.com",
    "tableName": "Calsnack-StorageTable-1A2B3C",
    "tableStreamArn": "arn:aws:dynamodb:us-east-1:111122223333:table/Calsnack-StorageTable-1A2B3C/stream/2026-01-01T00:00:00.000",
    "linkKeySecretArn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:StorageLinkKey-AbCdEf",
    "batchFileRetentionDays": "7",
    "quicksight": "true",
}


@pytest.fixture(scope="session")
def synthesized_second(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """`cdk deploy -c stackName=... -c tableName=... -c linkKeySecretArn=...` (SECOND_STACK)."""
    return synthesize(tmp_path_factory.mktemp("cdk.out.second"), SECOND_STACK)


@pytest.fixture(scope="session")
def synthesized_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The stack for an account still in the SES sandbox: 1 message a second, `-c sesSandbox=true`."""
    return synthesize(
        tmp_path_factory.mktemp("cdk.out.sandbox"), {"sesMaxSendRate": "1", "sesSandbox": "true"}
    )
