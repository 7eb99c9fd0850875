"""A second stack in the same account and region: its own names, and the first's data if told."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match
from conftest import SECOND_STACK
from infra_synth import Synthesized
from test_infra_compliance import nag_findings

from infra.analytics import VIEWS, create_view_statement
from infra.stack import TABLE_ACTIONS

#: Properties that name a resource uniquely in an account and region (or account-wide).
UNIQUE_NAMES = {
    "AWS::Glue::Database": ("DatabaseInput", "Name"),
    "AWS::Athena::WorkGroup": ("Name",),
    "AWS::QuickSight::DataSource": ("DataSourceId",),
    "AWS::QuickSight::DataSet": ("DataSetId",),
    "AWS::SES::ReceiptRuleSet": ("RuleSetName",),
    "AWS::SES::ConfigurationSet": ("Name",),
    "AWS::SES::EmailIdentity": ("EmailIdentity",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::CloudWatch::Dashboard": ("DashboardName",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::Lambda::Function": ("FunctionName",),
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::DynamoDB::Table": ("TableName",),
    "AWS::IAM::Role": ("RoleName",),
    "AWS::SecretsManager::Secret": ("Name",),
}


def fixed_names(synthesized: Synthesized) -> set[tuple[str, str]]:
    names = set()
    for resource in synthesized.resources.values():
        path = UNIQUE_NAMES.get(resource["Type"])
        value: Any = resource.get("Properties", {})
        for key in path or ():
            value = value.get(key) if isinstance(value, dict) else None
        if path and value is not None:
            names.add((resource["Type"], json.dumps(value)))
    return names


def test_two_stacks_share_no_unique_name(
    synthesized_quicksight: Synthesized, synthesized_second: Synthesized
) -> None:
    first, second = fixed_names(synthesized_quicksight), fixed_names(synthesized_second)
    assert {t for t, _ in first} >= {
        "AWS::Glue::Database",
        "AWS::Athena::WorkGroup",
        "AWS::QuickSight::DataSet",
    }
    assert first & second == set()


def test_names_follow_the_stack_name(synthesized_second: Synthesized) -> None:
    assert synthesized_second.stack.stack_name == "CalsnackStaging"
    template = synthesized_second.template
    template.has_resource_properties(
        "AWS::Glue::Database", {"DatabaseInput": Match.object_like({"Name": "calsnackstaging"})}
    )
    template.has_resource_properties("AWS::Athena::WorkGroup", {"Name": "calsnackstaging"})
    for table in synthesized_second.of_type("AWS::Glue::Table").values():
        assert table["Properties"]["DatabaseName"] == "calsnackstaging"
    for view in VIEWS:
        template.has_resource_properties(
            "AWS::Athena::NamedQuery",
            {
                "Name": view,
                "Database": "calsnackstaging",
                "QueryString": create_view_statement(view, "calsnackstaging"),
            },
        )
        assert "calsnack." not in create_view_statement(view, "calsnackstaging")
    (data_set,) = synthesized_second.of_type("AWS::QuickSight::DataSet").values()
    sql = data_set["Properties"]["PhysicalTableMap"]["byEvent"]["CustomSql"]["SqlQuery"]
    assert "calsnackstaging.events" in sql


def test_an_imported_table_and_link_key_are_used_not_created(synthesized_second: Synthesized) -> None:
    synthesized_second.template.resource_count_is("AWS::DynamoDB::Table", 0)
    synthesized_second.template.resource_count_is("AWS::SecretsManager::Secret", 0)
    for entry, function in synthesized_second.stack.runtime.functions.items():
        properties = synthesized_second.resources[synthesized_second.logical_id(function)]["Properties"]
        variables = properties["Environment"]["Variables"]
        assert variables["TABLE_NAME"] == SECOND_STACK["tableName"], entry
        assert variables["LINK_KEY_SECRET_ARN"] == SECOND_STACK["linkKeySecretArn"], entry

    table_arn = f"arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/{SECOND_STACK['tableName']}"
    granted: dict[str, set[str]] = {}
    for policy in synthesized_second.of_type("AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            granted.setdefault(as_text(statement["Resource"]), set()).update(
                [actions] if isinstance(actions, str) else actions
            )
    assert granted[table_arn] == set(TABLE_ACTIONS)
    assert granted[f"{table_arn}/index/gsi1"] == {"dynamodb:Query"}
    assert "secretsmanager:GetSecretValue" in granted[SECOND_STACK["linkKeySecretArn"]]


def as_text(resource: Any) -> str:
    """A resource ARN as text, CDK's Fn::Join of references written as ${…}."""
    if isinstance(resource, str):
        return resource
    if isinstance(resource, dict) and "Fn::Join" in resource:
        return "".join(as_text(part) for part in resource["Fn::Join"][1])
    if isinstance(resource, dict) and "Ref" in resource:
        return "${" + resource["Ref"] + "}"
    return json.dumps(resource)


def test_the_exporter_reads_the_imported_tables_stream(synthesized_second: Synthesized) -> None:
    synthesized_second.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": SECOND_STACK["tableStreamArn"],
            "FunctionName": {
                "Ref": synthesized_second.logical_id(synthesized_second.stack.analytics.function)
            },
        },
    )


def test_batch_files_expire_after_the_given_days(synthesized_second: Synthesized) -> None:
    bucket = synthesized_second.resources[
        synthesized_second.logical_id(synthesized_second.stack.storage.mail_bucket)
    ]
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert {
        "Id": "ExpireBatchFiles",
        "Prefix": "batches/",
        "ExpirationInDays": 7,
        "Status": "Enabled",
    } in rules


def test_the_second_stack_has_no_unacknowledged_finding(synthesized_second: Synthesized) -> None:
    assert nag_findings(synthesized_second.app) == []
