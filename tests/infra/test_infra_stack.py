"""The synthesized template, resource by resource and wire by wire."""

from __future__ import annotations

import json
import operator
import re
from typing import Any

import boto3
import pytest
from aws_cdk.assertions import Match
from calsnack.adapters.aws.queue import BATCH_BYTES
from infra_synth import ENTRIES, REPO_ROOT, Synthesized

from infra.analytics import BYTES_SCANNED_CUTOFF, TABLES, VIEWS, create_view_statement
from infra.api import MANAGEMENT_PATHS, MANAGEMENT_THROTTLE, PUBLIC_THROTTLE
from infra.stack import BUCKET_ACCESS, SERVICE_FUNCTIONS, TABLE_ACTIONS
from tests.contract.adapter_sets import table_request, time_to_live

#: boto3 method name → DynamoDB API (and so IAM action) name.
_DYNAMODB_OPERATIONS = boto3.client("dynamodb", region_name="us-east-1").meta.method_to_api_mapping

COMMON_ENVIRONMENT = {
    "TABLE_NAME",
    "MAIL_BUCKET",
    "COMMANDS_QUEUE_URL",
    "SENDS_QUEUE_URL",
    "MAIL_DOMAIN",
    "BASE_URL",
    "AUTHSERV_ID",
    "LINK_KEY_SECRET_ARN",
    "CONFIGURATION_SET",
    "SEND_RATE",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "LOG_LEVEL",
}


def calsnack_functions(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    """The functions deployed from lambdas/<entry> (not the handlers CDK adds for itself)."""
    return {
        synthesized.logical_id(function): synthesized.resources[synthesized.logical_id(function)]
        for function in synthesized.stack.runtime.functions.values()
    }


def ref_or_getatt(value: Any) -> str:
    if "Ref" in value:
        return str(value["Ref"])
    return str(value["Fn::GetAtt"][0])


# Storage


def test_table_is_single_table_with_one_keys_only_gsi_pitr_ttl_stream_and_retained(
    synthesized: Synthesized,
) -> None:
    synthesized.template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "TimeToLiveSpecification": {"AttributeName": "ttl", "Enabled": True},
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": "gsi1",
                        "KeySchema": [
                            {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                            {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "KEYS_ONLY"},
                    }
                ],
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )
    synthesized.template.resource_count_is("AWS::DynamoDB::Table", 1)


def test_the_contract_suites_table_is_the_deployed_one(synthesized: Synthesized) -> None:
    """tests/contract creates its moto table from the definition infra/storage.py deploys."""
    (table,) = synthesized.of_type("AWS::DynamoDB::Table").values()
    deployed = table["Properties"]
    request = table_request()
    for name in ("BillingMode", "KeySchema", "GlobalSecondaryIndexes"):
        assert deployed[name] == request[name], name
    by_name = operator.itemgetter("AttributeName")
    assert sorted(deployed["AttributeDefinitions"], key=by_name) == sorted(
        request["AttributeDefinitions"], key=by_name
    )
    assert deployed["StreamSpecification"] == {
        "StreamViewType": request["StreamSpecification"]["StreamViewType"]
    }
    assert deployed["TimeToLiveSpecification"] == time_to_live()


def test_every_bucket_is_encrypted_private_and_logs_access_except_the_log_bucket(
    synthesized: Synthesized,
) -> None:
    log_bucket = synthesized.logical_id(synthesized.stack.storage.log_bucket)
    buckets = synthesized.of_type("AWS::S3::Bucket")
    assert len(buckets) == 4  # mail, access logs, analytics, Athena results
    for logical_id, bucket in buckets.items():
        properties = bucket["Properties"]
        encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption == [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        if logical_id != log_bucket:
            assert properties["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": log_bucket}


def test_every_bucket_policy_denies_requests_without_ssl(synthesized: Synthesized) -> None:
    policies = synthesized.of_type("AWS::S3::BucketPolicy")
    assert {ref_or_getatt(p["Properties"]["Bucket"]) for p in policies.values()} == set(
        synthesized.of_type("AWS::S3::Bucket")
    )
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(
            s["Effect"] == "Deny"
            and s["Action"] == "s3:*"
            and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in statements
        )


def test_raw_mail_expires_after_the_retention(synthesized: Synthesized) -> None:
    mail_bucket = synthesized.resources[synthesized.logical_id(synthesized.stack.storage.mail_bucket)]
    rules = mail_bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert {"Id": "ExpireRawMail", "Prefix": "mail/", "ExpirationInDays": 30, "Status": "Enabled"} in rules


def test_ses_may_put_raw_mail_for_this_account_only(synthesized: Synthesized) -> None:
    synthesized.template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": synthesized.logical_id(synthesized.stack.storage.mail_bucket)},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "AllowSesInboundMail",
                                "Effect": "Allow",
                                "Principal": {"Service": "ses.amazonaws.com"},
                                "Action": "s3:PutObject",
                                "Condition": Match.object_like(
                                    {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
                                ),
                            }
                        )
                    ]
                )
            },
        },
    )


def test_link_key_is_a_generated_secret(synthesized: Synthesized) -> None:
    synthesized.template.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {"GenerateSecretString": Match.object_like({"PasswordLength": 64, "ExcludePunctuation": True})},
    )


# Inbound mail


def test_receipt_rules_store_snack_then_batch_then_the_rest_of_the_domain(synthesized: Synthesized) -> None:
    rules = synthesized.of_type("AWS::SES::ReceiptRule")
    assert len(rules) == 3
    mail_bucket = {"Ref": synthesized.logical_id(synthesized.stack.storage.mail_bucket)}
    mail_bucket_policy = synthesized.logical_id(synthesized.stack.storage.mail_bucket_policy)

    first = [logical_id for logical_id, rule in rules.items() if "After" not in rule["Properties"]]
    assert len(first) == 1
    following = {
        rule["Properties"]["After"]["Ref"]: logical_id
        for logical_id, rule in rules.items()
        if "After" in rule["Properties"]
    }
    ordered = [first[0]]
    while ordered[-1] in following:
        ordered.append(following[ordered[-1]])

    expected = [
        ("snack@snack.example.com", "mail/snack/", True),
        ("batch@snack.example.com", "mail/batch/", True),
        ("snack.example.com", "mail/other/", False),
    ]
    assert len(ordered) == len(expected)
    for logical_id, (recipient, prefix, stops) in zip(ordered, expected, strict=True):
        resource = rules[logical_id]
        rule = resource["Properties"]["Rule"]
        assert rule["Recipients"] == [recipient]
        assert rule["Enabled"] is True
        assert rule["ScanEnabled"] is True
        assert rule["TlsPolicy"] == "Require"
        assert rule["Actions"][0] == {"S3Action": {"BucketName": mail_bucket, "ObjectKeyPrefix": prefix}}
        assert rule["Actions"][1:] == ([{"StopAction": {"Scope": "RuleSet"}}] if stops else [])
        assert mail_bucket_policy in resource["DependsOn"]


def test_new_raw_mail_invokes_the_inbound_function(synthesized: Synthesized) -> None:
    inbound = synthesized.logical_id(synthesized.stack.inbound.function)
    synthesized.template.has_resource_properties(
        "Custom::S3BucketNotifications",
        {
            "BucketName": {"Ref": synthesized.logical_id(synthesized.stack.storage.mail_bucket)},
            "NotificationConfiguration": {
                "LambdaFunctionConfigurations": [
                    {
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "mail/"}]}},
                        "LambdaFunctionArn": {"Fn::GetAtt": [inbound, "Arn"]},
                    }
                ]
            },
        },
    )


# Queues and event sources


def test_commands_queue_is_high_throughput_fifo_with_a_fifo_dead_letter_queue(
    synthesized: Synthesized,
) -> None:
    queue = synthesized.resources[synthesized.logical_id(synthesized.stack.commands.queue)]["Properties"]
    dlq_id = synthesized.logical_id(synthesized.stack.commands.dead_letter_queue)
    assert queue["FifoQueue"] is True
    assert queue["ContentBasedDeduplication"] is False
    assert queue["DeduplicationScope"] == "messageGroup"
    assert queue["FifoThroughputLimit"] == "perMessageGroupId"
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": 5,
    }
    assert synthesized.resources[dlq_id]["Properties"]["FifoQueue"] is True


def test_sends_queue_is_standard_with_a_dead_letter_queue(synthesized: Synthesized) -> None:
    queue = synthesized.resources[synthesized.logical_id(synthesized.stack.sending.queue)]["Properties"]
    dlq_id = synthesized.logical_id(synthesized.stack.sending.dead_letter_queue)
    assert "FifoQueue" not in queue
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq_id, "Arn"]}
    assert "FifoQueue" not in synthesized.resources[dlq_id]["Properties"]


def test_every_queue_is_encrypted_and_ssl_only(synthesized: Synthesized) -> None:
    queues = synthesized.of_type("AWS::SQS::Queue")
    assert len(queues) == 8
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
    secured = {
        ref_or_getatt(queue)
        for policy in synthesized.of_type("AWS::SQS::QueuePolicy").values()
        for queue in policy["Properties"]["Queues"]
        if any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
        )
    }
    assert secured == set(queues)


@pytest.mark.parametrize(
    ("stage", "batch_size", "max_concurrency"),
    # The sender takes one 200-delivery message an invocation at 7/s (infra.sending.sender_batch_size).
    [("commands", 10, 50), ("sending", 1, 2)],
)
def test_queue_consumers_report_item_failures_and_cap_concurrency(
    synthesized: Synthesized, stage: str, batch_size: int, max_concurrency: int
) -> None:
    construct = getattr(synthesized.stack, stage)
    synthesized.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {"Fn::GetAtt": [synthesized.logical_id(construct.queue), "Arn"]},
            "FunctionName": {"Ref": synthesized.logical_id(construct.function)},
            "BatchSize": batch_size,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": {"MaximumConcurrency": max_concurrency},
        },
    )


def test_work_queues_take_the_message_size_the_queue_adapter_packs_to(synthesized: Synthesized) -> None:
    for stage in (synthesized.stack.commands, synthesized.stack.sending):
        queue = synthesized.resources[synthesized.logical_id(stage.queue)]["Properties"]
        assert queue["MaximumMessageSize"] == BATCH_BYTES == 262_144


def test_queue_visibility_timeout_is_at_least_six_times_the_consumer_timeout(
    synthesized: Synthesized,
) -> None:
    mappings = [
        m["Properties"]
        for m in synthesized.of_type("AWS::Lambda::EventSourceMapping").values()
        if "Fn::GetAtt" in m["Properties"]["EventSourceArn"]
        and synthesized.resources[m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]]["Type"]
        == "AWS::SQS::Queue"
    ]
    assert len(mappings) == 3
    for mapping in mappings:
        queue = synthesized.resources[mapping["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"]
        function = synthesized.resources[mapping["FunctionName"]["Ref"]]["Properties"]
        assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]


def test_exporter_reads_the_table_stream_in_bisected_batches_with_a_failure_queue(
    synthesized: Synthesized,
) -> None:
    analytics = synthesized.stack.analytics
    synthesized.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {
                "Fn::GetAtt": [synthesized.logical_id(synthesized.stack.storage.table), "StreamArn"]
            },
            "FunctionName": {"Ref": synthesized.logical_id(analytics.function)},
            "BatchSize": 500,
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": 3,
            "DestinationConfig": {
                "OnFailure": {
                    "Destination": {
                        "Fn::GetAtt": [synthesized.logical_id(analytics.dead_letter_queue), "Arn"]
                    }
                }
            },
        },
    )


def test_async_functions_have_dead_letter_queues(synthesized: Synthesized) -> None:
    for construct, function, queue in ((synthesized.stack.inbound, "function", "dead_letter_queue"),):
        properties = synthesized.resources[synthesized.logical_id(getattr(construct, function))]["Properties"]
        assert properties["DeadLetterConfig"] == {
            "TargetArn": {"Fn::GetAtt": [synthesized.logical_id(getattr(construct, queue)), "Arn"]}
        }


# Functions


def test_every_entry_point_is_deployed(synthesized: Synthesized) -> None:
    assert set(synthesized.stack.runtime.functions) == set(ENTRIES)


def test_functions_run_python312_on_arm64_with_the_shared_layer_and_tracing(synthesized: Synthesized) -> None:
    layers = synthesized.of_type("AWS::Lambda::LayerVersion")
    assert len(layers) == 1
    (layer_id,) = layers
    assert layers[layer_id]["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layers[layer_id]["Properties"]["CompatibleArchitectures"] == ["arm64"]
    log_groups = synthesized.of_type("AWS::Logs::LogGroup")
    functions = calsnack_functions(synthesized)
    assert len(functions) == len(ENTRIES)
    for function in functions.values():
        properties = function["Properties"]
        assert properties["Runtime"] == "python3.12"
        assert properties["Architectures"] == ["arm64"]
        assert properties["Handler"] == "handler.lambda_handler"
        assert properties["Layers"] == [{"Ref": layer_id}]
        assert properties["TracingConfig"] == {"Mode": "Active"}
        assert 10 <= properties["Timeout"] <= 300
        assert properties["MemorySize"] >= 256
        log_group = log_groups[properties["LoggingConfig"]["LogGroup"]["Ref"]]
        assert log_group["Properties"]["RetentionInDays"] == 30


def test_every_function_gets_the_same_environment(synthesized: Synthesized) -> None:
    exporter = synthesized.logical_id(synthesized.stack.analytics.function)
    for logical_id, function in calsnack_functions(synthesized).items():
        variables = function["Properties"]["Environment"]["Variables"]
        expected = COMMON_ENVIRONMENT | ({"ANALYTICS_BUCKET"} if logical_id == exporter else set())
        assert set(variables) == expected, logical_id
        assert variables["MAIL_DOMAIN"] == "snack.example.com"
        assert variables["AUTHSERV_ID"] == "amazonses.com"
        assert variables["SEND_RATE"] == "7"  # sesMaxSendRate 14 / senderConcurrency 2
        assert variables["POWERTOOLS_SERVICE_NAME"] == "calsnack"
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "calsnack"
        assert variables["LOG_LEVEL"] == "INFO"
        assert variables["TABLE_NAME"] == {"Ref": synthesized.logical_id(synthesized.stack.storage.table)}
        assert variables["LINK_KEY_SECRET_ARN"] == {
            "Ref": synthesized.logical_id(synthesized.stack.storage.link_key)
        }
        base_url = variables["BASE_URL"]["Fn::Join"][1]
        assert base_url[0] == "https://"
        assert base_url[1] == {"Ref": synthesized.logical_id(synthesized.stack.api.rest_api)}
        assert base_url[-1] == "/prod"


def _statements_of(synthesized: Synthesized, function_logical_id: str) -> list[dict[str, Any]]:
    role = synthesized.resources[function_logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in synthesized.of_type("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_only_service_functions_may_send_mail_and_only_from_the_identity(synthesized: Synthesized) -> None:
    senders = set()
    for logical_id in calsnack_functions(synthesized):
        for statement in _statements_of(synthesized, logical_id):
            if any(action.startswith("ses:") for action in _actions(statement)):
                senders.add(logical_id)
                assert sorted(_actions(statement)) == ["ses:SendEmail", "ses:SendRawEmail"]
                resources = statement["Resource"]
                assert len(resources) == 2
                identity, configuration_set = sorted(map(str, resources), key=lambda r: ":identity/" not in r)
                assert ":identity/" in identity
                assert synthesized.logical_id(synthesized.stack.sending.identity) in identity
                assert ":configuration-set/" in configuration_set
                assert (
                    synthesized.logical_id(synthesized.stack.sending.configuration_set) in configuration_set
                )
    expected = {
        synthesized.logical_id(synthesized.stack.runtime.functions[entry])
        for entry in ("inbound_mail", "command_worker", "sender", "api", "feedback")
    }
    assert senders == expected


def test_authorizer_and_exporter_get_narrow_grants(synthesized: Synthesized) -> None:
    authorizer = _statements_of(
        synthesized, synthesized.logical_id(synthesized.stack.api.authorizer_function)
    )
    actions = {action for s in authorizer for action in _actions(s)}
    assert not any(a in actions for a in ("dynamodb:PutItem", "dynamodb:DeleteItem", "sqs:SendMessage"))
    assert "dynamodb:GetItem" in actions
    assert "secretsmanager:GetSecretValue" in actions
    exporter = _statements_of(synthesized, synthesized.logical_id(synthesized.stack.analytics.function))
    actions = {action for s in exporter for action in _actions(s)}
    assert "s3:PutObject" in actions
    assert "secretsmanager:GetSecretValue" in actions  # bootstrap reads the link key
    assert not any(a.startswith(("s3:GetObject", "s3:DeleteObject", "ses:")) for a in actions)
    # Of the table, its stream (the event source's grant) and GetItem of events: attendee changes
    # carry only the event key, and the exporter reads the event for its organizer and event id.
    assert {a for a in actions if a.startswith("dynamodb:")} <= {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "dynamodb:GetItem",
    }
    table = synthesized.logical_id(synthesized.stack.storage.table)
    [get_item] = [s for s in exporter if "dynamodb:GetItem" in _actions(s)]
    assert _actions(get_item) == ["dynamodb:GetItem"]
    assert get_item["Resource"] == {"Fn::GetAtt": [table, "Arn"]}  # the table only, no index


def _all_statements(synthesized: Synthesized) -> dict[str, list[dict[str, Any]]]:
    return {
        entry: _statements_of(synthesized, synthesized.logical_id(function))
        for entry, function in synthesized.stack.runtime.functions.items()
    }


def test_no_function_may_scan_delete_or_list(synthesized: Synthesized) -> None:
    """Nothing scans (only the operator's `calsnack export` does), deletes (TTL expires items)
    or lists a bucket; no action group is granted where one action is used."""
    for entry, statements in _all_statements(synthesized).items():
        actions = {action for s in statements for action in _actions(s)}
        forbidden = {
            a
            for a in actions
            if a in {"dynamodb:Scan", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"}
            or a.startswith(("s3:DeleteObject", "s3:List", "s3:GetBucket", "s3:Abort"))
            or (a.endswith("*") and not a.startswith("xray:"))
        }
        assert forbidden == set(), entry


def test_table_actions_are_exactly_the_calls_the_store_makes(synthesized: Synthesized) -> None:
    package = REPO_ROOT / "layers/calsnack/python/calsnack/adapters/aws/store"
    source = "".join(module.read_text() for module in sorted(package.glob("*.py")))
    calls = set(re.findall(r"\bclient\.([a-z_]+)\(", source))
    # Scan: only all_events, which only the operator's `calsnack export` calls; a transaction is
    # authorized per action (Put, Update).
    assert {"scan", "transact_write_items"} <= calls
    operations = {name: _DYNAMODB_OPERATIONS[name] for name in calls - {"scan", "transact_write_items"}}
    expected = {f"dynamodb:{api}" for api in operations.values()} | {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    }
    assert set(TABLE_ACTIONS) == expected

    table = synthesized.logical_id(synthesized.stack.storage.table)
    for entry, statements in _all_statements(synthesized).items():
        on_table = {
            a for s in statements if s["Resource"] == {"Fn::GetAtt": [table, "Arn"]} for a in _actions(s)
        }
        if entry in SERVICE_FUNCTIONS:
            assert on_table == set(TABLE_ACTIONS), entry
        else:
            assert on_table == {"dynamodb:GetItem"}, entry  # authorizer: keys; exporter: events
        on_index = [s for s in statements if "/index/" in json.dumps(s["Resource"])]
        if entry == "api":
            assert [_actions(s) for s in on_index] == [["dynamodb:Query"]]
            assert on_index[0]["Resource"]["Fn::Join"][1][-1] == "/index/gsi1"
        else:
            assert on_index == [], entry


def test_only_inbound_mail_and_the_api_touch_the_mail_bucket_and_only_by_prefix(
    synthesized: Synthesized,
) -> None:
    bucket = synthesized.logical_id(synthesized.stack.storage.mail_bucket)
    granted: dict[str, dict[str, set[str]]] = {}
    for entry, statements in _all_statements(synthesized).items():
        for statement in statements:
            if bucket not in json.dumps(statement["Resource"]):
                continue
            join = statement["Resource"]["Fn::Join"][1]
            assert join[0] == {"Fn::GetAtt": [bucket, "Arn"]}, entry  # objects, never the bucket
            granted.setdefault(entry, {}).setdefault(join[1], set()).update(_actions(statement))
    assert granted == {
        "inbound_mail": {"/mail/*": {"s3:GetObject"}, "/batches/*": {"s3:GetObject", "s3:PutObject"}},
        "api": {"/batches/*": {"s3:GetObject", "s3:PutObject"}},
    }


def test_personal_data_in_the_mail_bucket_expires(synthesized: Synthesized) -> None:
    mail_bucket = synthesized.resources[synthesized.logical_id(synthesized.stack.storage.mail_bucket)]
    rules = mail_bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert {
        "Id": "ExpireBatchFiles",
        "Prefix": "batches/",
        "ExpirationInDays": 30,
        "Status": "Enabled",
    } in rules
    prefixes = {r.get("Prefix") for r in rules if "ExpirationInDays" in r}
    # Every prefix a function or SES writes is covered.
    written = {prefix for access in BUCKET_ACCESS.values() for prefix in access} | {"mail/"}
    assert written <= prefixes


# Sending


def test_ses_identity_uses_easy_dkim_and_the_configuration_set(synthesized: Synthesized) -> None:
    synthesized.template.has_resource_properties(
        "AWS::SES::EmailIdentity",
        {
            "EmailIdentity": "snack.example.com",
            "ConfigurationSetAttributes": {
                "ConfigurationSetName": {
                    "Ref": synthesized.logical_id(synthesized.stack.sending.configuration_set)
                }
            },
            "DkimSigningAttributes": {"NextSigningKeyLength": "RSA_2048_BIT"},
        },
    )


def test_ses_feedback_reaches_the_feedback_function(synthesized: Synthesized) -> None:
    sending = synthesized.stack.sending
    topic = {"Ref": synthesized.logical_id(sending.feedback_topic)}
    synthesized.template.has_resource_properties(
        "AWS::SES::ConfigurationSetEventDestination",
        {
            "EventDestination": Match.object_like(
                {
                    "Enabled": True,
                    "MatchingEventTypes": ["bounce", "complaint", "delivery", "reject"],
                    "SnsDestination": {"TopicARN": topic},
                }
            )
        },
    )
    synthesized.template.has_resource_properties(
        "AWS::SNS::Subscription",
        {
            "Protocol": "sqs",
            "TopicArn": topic,
            "Endpoint": {"Fn::GetAtt": [synthesized.logical_id(sending.feedback_queue), "Arn"]},
            "RawMessageDelivery": True,
        },
    )


# API


def _method_paths(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    resources = synthesized.of_type("AWS::ApiGateway::Resource")

    def path_of(resource_id: Any) -> str:
        if "Fn::GetAtt" in resource_id:  # the root resource
            return ""
        resource = resources[resource_id["Ref"]]["Properties"]
        return f"{path_of(resource['ParentId'])}/{resource['PathPart']}"

    return {
        path_of(method["Properties"]["ResourceId"]) or "/": method["Properties"]
        for method in synthesized.of_type("AWS::ApiGateway::Method").values()
    }


def test_authorizer_guards_management_paths_only(synthesized: Synthesized) -> None:
    methods = _method_paths(synthesized)
    management = {f"/{p}" for p in MANAGEMENT_PATHS} | {f"/{p}/{{proxy+}}" for p in MANAGEMENT_PATHS}
    assert set(methods) == {"/", "/{proxy+}"} | management
    authorizer = {"Ref": synthesized.logical_id(synthesized.stack.api.authorizer)}
    for path, method in methods.items():
        assert method["HttpMethod"] == "ANY"
        assert method["Integration"]["Type"] == "AWS_PROXY"
        if path in management:
            assert method["AuthorizationType"] == "CUSTOM", path
            assert method["AuthorizerId"] == authorizer, path
        else:
            assert method["AuthorizationType"] == "NONE", path
            assert "AuthorizerId" not in method, path
    synthesized.template.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "REQUEST",
            "AuthorizerResultTtlInSeconds": 0,
        },
    )


def test_api_stage_is_traced_and_access_logged(synthesized: Synthesized) -> None:
    synthesized.template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "prod",
            "TracingEnabled": True,
            "AccessLogSetting": {
                "DestinationArn": Match.any_value(),
                "Format": Match.string_like_regexp(r"\$context\.requestId"),
            },
        },
    )
    (stage,) = synthesized.of_type("AWS::ApiGateway::Stage").values()
    destination = stage["Properties"]["AccessLogSetting"]["DestinationArn"]
    assert {"Ref": synthesized.logical_id(synthesized.stack.api.access_logs)} in destination["Fn::Join"][1]


def test_public_pages_and_management_calls_have_separate_throttles(synthesized: Synthesized) -> None:
    """The stage default covers the public methods; every management method has its own bucket."""
    (stage,) = synthesized.of_type("AWS::ApiGateway::Stage").values()
    settings = {
        (s["ResourcePath"], s["HttpMethod"]): (s["ThrottlingRateLimit"], s["ThrottlingBurstLimit"])
        for s in stage["Properties"]["MethodSettings"]
    }
    assert all(s["LoggingLevel"] == "ERROR" for s in stage["Properties"]["MethodSettings"])
    public = (PUBLIC_THROTTLE.rate, PUBLIC_THROTTLE.burst)
    management = (MANAGEMENT_THROTTLE.rate, MANAGEMENT_THROTTLE.burst)
    assert management != public
    expected = {("/*", "*"): public}
    for path in MANAGEMENT_PATHS:
        expected[(f"/~1{path}", "*")] = management
        expected[(f"/~1{path}~1{{proxy+}}", "*")] = management
    assert settings == expected
    # Every management method the API has is covered by a setting of its own path.
    covered = {path.removeprefix("/").replace("~1", "/") for path, _method in settings if path != "/*"}
    management_methods = {
        p for p, m in _method_paths(synthesized).items() if m["AuthorizationType"] == "CUSTOM"
    }
    assert management_methods == covered


# Analytics


@pytest.mark.parametrize("table", sorted(TABLES))
def test_glue_table_is_gzipped_json_lines_with_date_partition_projection(
    synthesized: Synthesized, table: str
) -> None:
    bucket = synthesized.logical_id(synthesized.stack.analytics.bucket)
    location = {"Fn::Join": ["", ["s3://", {"Ref": bucket}, f"/{table}/"]]}
    synthesized.template.has_resource_properties(
        "AWS::Glue::Table",
        {
            "DatabaseName": "calsnack",
            "TableInput": {
                "Name": table,
                "TableType": "EXTERNAL_TABLE",
                "PartitionKeys": [{"Name": "dt", "Type": "string"}],
                "Parameters": Match.object_like(
                    {
                        "projection.enabled": "true",
                        "projection.dt.type": "date",
                        "projection.dt.format": "yyyy-MM-dd",
                        "projection.dt.range": "2024-01-01,NOW",
                        "storage.location.template": {
                            "Fn::Join": ["", ["s3://", {"Ref": bucket}, f"/{table}/dt=${{dt}}/"]]
                        },
                    }
                ),
                "StorageDescriptor": Match.object_like(
                    {
                        "Location": location,
                        "Columns": [{"Name": c, "Type": t} for c, t in TABLES[table].items()],
                        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
                    }
                ),
            },
        },
    )


def test_athena_workgroup_enforces_a_scan_cutoff_and_encrypted_results(synthesized: Synthesized) -> None:
    assert BYTES_SCANNED_CUTOFF == 10 * 1024**3
    synthesized.template.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "Name": "calsnack",
            "WorkGroupConfiguration": Match.object_like(
                {
                    "BytesScannedCutoffPerQuery": BYTES_SCANNED_CUTOFF,
                    "EnforceWorkGroupConfiguration": True,
                    "ResultConfiguration": Match.object_like(
                        {"EncryptionConfiguration": {"EncryptionOption": "SSE_S3"}}
                    ),
                }
            ),
        },
    )


@pytest.mark.parametrize("view", VIEWS)
def test_named_query_creates_each_view_from_its_sql_file(synthesized: Synthesized, view: str) -> None:
    synthesized.template.has_resource_properties(
        "AWS::Athena::NamedQuery",
        {
            "Name": view,
            "Database": "calsnack",
            "WorkGroup": {"Ref": synthesized.logical_id(synthesized.stack.analytics.workgroup)},
            "QueryString": create_view_statement(view),
        },
    )


def test_quicksight_is_absent_by_default(synthesized: Synthesized) -> None:
    assert not [r for r in synthesized.resources.values() if r["Type"].startswith("AWS::QuickSight::")]


def test_quicksight_flag_adds_an_athena_data_source_and_data_set(synthesized_quicksight: Synthesized) -> None:
    template = synthesized_quicksight.template
    template.has_resource_properties(
        "AWS::QuickSight::DataSource",
        {
            "Type": "ATHENA",
            "SslProperties": {"DisableSsl": False},
            "DataSourceParameters": {"AthenaParameters": {"WorkGroup": Match.any_value()}},
            "Permissions": [
                Match.object_like({"Principal": Match.string_like_regexp("group/default/calsnack$")})
            ],
        },
    )
    template.has_resource_properties(
        "AWS::QuickSight::DataSet",
        {"ImportMode": "DIRECT_QUERY", "PhysicalTableMap": {"byEvent": Match.any_value()}},
    )


# Monitoring


def test_alarms_watch_dead_letters_errors_throttles_and_ses_rates(synthesized: Synthesized) -> None:
    alarms = synthesized.of_type("AWS::CloudWatch::Alarm")
    topic = {"Ref": synthesized.logical_id(synthesized.stack.monitoring.alarm_topic)}
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [topic]

    def watched(metric_name: str) -> list[dict[str, Any]]:
        return [a["Properties"] for a in alarms.values() if a["Properties"].get("MetricName") == metric_name]

    dead_letter_queues = [
        synthesized.stack.commands.dead_letter_queue,
        synthesized.stack.sending.dead_letter_queue,
        synthesized.stack.sending.feedback_dead_letter_queue,
        synthesized.stack.inbound.dead_letter_queue,
        synthesized.stack.analytics.dead_letter_queue,
    ]
    depth = watched("ApproximateNumberOfMessagesVisible")
    assert {ref_or_getatt(a["Dimensions"][0]["Value"]) for a in depth} == {
        synthesized.logical_id(q) for q in dead_letter_queues
    }
    assert all(a["Threshold"] == 0 and a["ComparisonOperator"] == "GreaterThanThreshold" for a in depth)

    functions = {synthesized.logical_id(f) for f in synthesized.stack.runtime.functions.values()}
    for metric in ("Errors", "Throttles"):
        assert {a["Dimensions"][0]["Value"]["Ref"] for a in watched(metric)} == functions

    synthesized.template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "Topics": [topic],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": "sns:Publish",
                            }
                        )
                    ]
                )
            },
        },
    )

    rates = {
        a["Properties"]["Threshold"]
        for a in alarms.values()
        if any("Expression" in m for m in a["Properties"].get("Metrics", []))
    }
    assert rates == {4.0, 0.08}
    synthesized.template.resource_count_is("AWS::CloudWatch::Dashboard", 1)


def test_alarm_email_subscribes_only_when_given(
    synthesized: Synthesized, synthesized_quicksight: Synthesized
) -> None:
    synthesized.template.resource_count_is("AWS::SNS::Subscription", 1)  # the feedback queue only
    synthesized_quicksight.template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )


def test_outputs_tell_the_operator_what_to_publish(synthesized: Synthesized) -> None:
    outputs = synthesized.template.to_json()["Outputs"]
    for name in (
        "ApiUrl",
        "BaseUrl",
        "MxRecord",
        "ReceiptRuleSetName",
        "DkimRecord1",
        "DkimRecord2",
        "DkimRecord3",
    ):
        assert name in outputs
    assert "inbound-smtp." in str(outputs["MxRecord"]["Value"])


def test_api_passes_csv_uploads_as_binary(synthesized: Synthesized) -> None:
    synthesized.template.has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {"BinaryMediaTypes": ["multipart/form-data", "text/csv", "application/octet-stream"]},
    )
