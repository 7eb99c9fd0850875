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
    assert parsed.stack_name == "Calsnack"
    assert parsed.batch_file_retention_days == 30
    assert (parsed.table_name, parsed.table_stream_arn, parsed.link_key_secret_arn) == (None, None, None)
    assert (parsed.glue_database, parsed.athena_workgroup) == ("calsnack", "calsnack")
    assert parsed.unbundled_layer is False


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


STREAM = "arn:aws:dynamodb:eu-west-1:111122223333:table/old-table/stream/2026-01-01T00:00:00.000"
SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:StorageLinkKey-AbCdEf"


def test_a_second_stack_and_imports_are_parsed() -> None:
    parsed = options(
        stackName="Calsnack-Eu2",
        tableName="old-table",
        tableStreamArn=STREAM,
        linkKeySecretArn=SECRET,
        batchFileRetentionDays="3",
    )
    assert parsed.stack_name == "Calsnack-Eu2"
    assert parsed.glue_database == "calsnack_eu2"  # Athena: lowercase, digits and _ only
    assert parsed.athena_workgroup == "calsnack-eu2"
    assert (parsed.table_name, parsed.table_stream_arn, parsed.link_key_secret_arn) == (
        "old-table",
        STREAM,
        SECRET,
    )
    assert parsed.batch_file_retention_days == 3


def test_explicit_analytics_names_win() -> None:
    parsed = options(glueDatabaseName="events_eu", athenaWorkGroupName="events-eu")
    assert (parsed.glue_database, parsed.athena_workgroup) == ("events_eu", "events-eu")


def test_the_test_only_layer_flag_is_read() -> None:
    assert options(**{"calsnack:testOnlyUnbundledLayer": "true"}).unbundled_layer is True


@pytest.mark.parametrize(
    "context",
    [
        {"stackName": "1st"},
        {"stackName": "calsnack_prod"},
        {"batchFileRetentionDays": "0"},
        {"tableName": "old-table"},  # without its stream
        {"tableStreamArn": STREAM},  # without its table
        {"tableName": "other-table", "tableStreamArn": STREAM},  # a stream of another table
        {"linkKeySecretArn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:StorageLinkKey"},
        {"linkKeySecretArn": "StorageLinkKey-AbCdEf"},
        {"glueDatabaseName": "Calsnack-DB"},
        {"athenaWorkGroupName": "no spaces"},
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
