"""Context parsing: what `cdk deploy -c key=value` and cdk.json may say, and what they may not."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App

from infra.assembly import cdk_json_context
from infra.options import ContextError, StackOptions


def options(**context: Any) -> StackOptions:
    return StackOptions.from_context(App(context=context).node)


def test_defaults() -> None:
    parsed = options()
    assert parsed == StackOptions()
    assert parsed.domain == "snack.example.com"
    assert parsed.ses_max_send_rate == 14
    assert parsed.sender_concurrency == 2
    assert parsed.send_rate == 7
    assert parsed.alarm_email is None
    assert parsed.raw_mail_retention_days == 30
    assert parsed.quicksight is False
    assert parsed.base_url is None


def test_cdk_json_context_matches_the_defaults() -> None:
    assert StackOptions.from_context(App(context=cdk_json_context()).node) == StackOptions()


def test_command_line_strings_are_parsed() -> None:
    parsed = options(
        domain="Invites.Example.ORG",
        sesMaxSendRate="50",
        senderConcurrency="5",
        alarmEmail="ops@example.org",
        rawMailRetentionDays="7",
        quicksight="true",
        baseUrl="https://invites.example.org",
        logLevel="debug",
    )
    assert parsed.domain == "invites.example.org"
    assert parsed.send_rate == 10
    assert parsed.alarm_email == "ops@example.org"
    assert parsed.raw_mail_retention_days == 7
    assert parsed.quicksight is True
    assert parsed.base_url == "https://invites.example.org"
    assert parsed.log_level == "DEBUG"


@pytest.mark.parametrize(
    "context",
    [
        {"domain": "not a domain"},
        {"domain": "snack@example.com"},
        {"sesMaxSendRate": "0"},
        {"sesMaxSendRate": "fast"},
        {"senderConcurrency": "1"},
        {"rawMailRetentionDays": "0"},
        {"quicksight": "maybe"},
        {"alarmEmail": "nobody"},
        {"baseUrl": "http://insecure.example.com"},
        {"logLevel": "LOUD"},
    ],
)
def test_invalid_context_is_refused(context: dict[str, str]) -> None:
    with pytest.raises(ContextError):
        options(**context)
