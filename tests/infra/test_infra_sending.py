"""The sending stage as synthesized: the sender's batch fits its time budget at the configured rate,
the sandbox grant, the SES stop alarm, and feedback through a queue in batches."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Match
from calsnack.adapters.aws.mailer import CALL_TIMEOUT
from calsnack.usecases.enqueue import DELIVERIES_PER_MESSAGE
from calsnack.usecases.send_deliveries import SEND_ALLOWANCE, START_MINIMUM
from infra_synth import Synthesized

from infra.monitoring import METRICS_NAMESPACE, SENDING_STOPPED_METRIC
from infra.queues import VISIBILITY_FACTOR
from infra.sending import MAX_BATCH_SIZE, SANDBOX_FINDING, sender_batch_size


def consumer(synthesized: Synthesized, function: Any) -> dict[str, Any]:
    """The sizes that bound one invocation of a queue consumer, read from the template."""
    function_id = synthesized.logical_id(function)
    (mapping,) = [
        m["Properties"]
        for m in synthesized.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    queue_id = mapping["EventSourceArn"]["Fn::GetAtt"][0]
    properties = synthesized.resources[function_id]["Properties"]
    return {
        "timeout": properties["Timeout"],
        "memory": properties["MemorySize"],
        "batch_size": mapping["BatchSize"],
        "mapping": mapping,
        "visibility_timeout": synthesized.resources[queue_id]["Properties"]["VisibilityTimeout"],
        "queue": synthesized.resources[queue_id]["Properties"],
        "environment": properties["Environment"]["Variables"],
    }


def sends_per_invocation(sender: dict[str, Any]) -> float:
    """Seconds a full batch takes at SEND_RATE, plus what the sender keeps back at the end."""
    rate = float(sender["environment"]["SEND_RATE"])
    return sender["batch_size"] * DELIVERIES_PER_MESSAGE / rate + START_MINIMUM


def test_a_full_sender_batch_at_send_rate_fits_the_timeout(synthesized: Synthesized) -> None:
    sender = consumer(synthesized, synthesized.stack.sending.function)
    assert sender["environment"]["SEND_RATE"] == "7"
    assert sends_per_invocation(sender) <= sender["timeout"]
    # One message more would not fit: the batch is as large as the budget allows.
    sender["batch_size"] += 1
    assert sends_per_invocation(sender) > sender["timeout"]
    assert sender["visibility_timeout"] >= VISIBILITY_FACTOR * sender["timeout"]


def test_in_the_sandbox_the_time_budget_cuts_what_one_invocation_cannot_send(
    synthesized_sandbox: Synthesized,
) -> None:
    # 1 message a second over two senders: one 200-delivery message needs 400 s. The batch is a
    # single message and the sender's budget stops it in time (tests/integration/test_sender_time_budget.py).
    sender = consumer(synthesized_sandbox, synthesized_sandbox.stack.sending.function)
    assert sender["environment"]["SEND_RATE"] == "0.5"
    assert sender["batch_size"] == 1
    assert sends_per_invocation(sender) > sender["timeout"]
    assert sender["timeout"] > START_MINIMUM
    assert CALL_TIMEOUT <= SEND_ALLOWANCE
    assert sender["visibility_timeout"] >= VISIBILITY_FACTOR * sender["timeout"]


@pytest.mark.parametrize("rate", [0.5, 1, 3.5, 7, 10, 25, 50, 100, 500])
def test_the_sender_batch_size_fills_the_budget_at_any_rate(rate: float) -> None:
    timeout = Duration.seconds(60)
    size = sender_batch_size(rate, timeout)
    assert 1 <= size <= MAX_BATCH_SIZE
    seconds = DELIVERIES_PER_MESSAGE / rate
    if size > 1:
        assert size * seconds + START_MINIMUM <= 60
    if size < MAX_BATCH_SIZE:
        assert (size + 1) * seconds + START_MINIMUM > 60


def _send_resources(synthesized: Synthesized, entry: str) -> list[Any]:
    role_id = synthesized.logical_id(synthesized.stack.runtime.functions[entry].role)
    statements = [
        statement
        for policy in synthesized.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "ses:SendEmail" in statement["Action"]
    ]
    (statement,) = statements
    assert sorted(statement["Action"]) == ["ses:SendEmail", "ses:SendRawEmail"]
    resources = statement["Resource"]
    return resources if isinstance(resources, list) else [resources]


def _is_identity_wildcard(resource: Any) -> bool:
    return "identity/*" in str(resource)


def test_only_a_sandboxed_stack_may_send_to_every_identity(
    synthesized: Synthesized, synthesized_sandbox: Synthesized
) -> None:
    assert not any(_is_identity_wildcard(r) for r in _send_resources(synthesized, "sender"))
    sandboxed = _send_resources(synthesized_sandbox, "sender")
    assert sum(_is_identity_wildcard(r) for r in sandboxed) == 1
    assert len(sandboxed) == 3  # the domain identity and the configuration set stay
    assert SANDBOX_FINDING.endswith(":identity/*]")


def test_ses_stopping_all_sending_raises_an_alarm(synthesized: Synthesized) -> None:
    from lambdas.sender.handler import SENDING_STOPPED_METRIC as published

    assert published == SENDING_STOPPED_METRIC
    synthesized.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": SENDING_STOPPED_METRIC,
            "Namespace": METRICS_NAMESPACE,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        },
    )


def test_ses_feedback_reaches_the_function_through_a_queue_in_batches(synthesized: Synthesized) -> None:
    sending = synthesized.stack.sending
    feedback = consumer(synthesized, sending.feedback_function)
    assert feedback["mapping"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert feedback["batch_size"] == 100
    assert feedback["mapping"]["MaximumBatchingWindowInSeconds"] == 5
    assert feedback["visibility_timeout"] >= VISIBILITY_FACTOR * feedback["timeout"]
    dead_letters = synthesized.logical_id(sending.feedback_dead_letter_queue)
    assert feedback["queue"]["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dead_letters, "Arn"]},
        "maxReceiveCount": 5,
    }
    # SNS may write to the queue, and nothing invokes the function but the queue.
    synthesized.template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": synthesized.logical_id(sending.feedback_queue)}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "sqs:SendMessage",
                                "Principal": {"Service": "sns.amazonaws.com"},
                                "Condition": {
                                    "ArnEquals": {
                                        "aws:SourceArn": {
                                            "Ref": synthesized.logical_id(sending.feedback_topic)
                                        }
                                    }
                                },
                            }
                        )
                    ]
                )
            },
        },
    )
    function_id = synthesized.logical_id(sending.feedback_function)
    assert not [
        p
        for p in synthesized.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
    ]
    assert "DeadLetterConfig" not in synthesized.resources[function_id]["Properties"]


def test_the_sandbox_grant_is_acknowledged_and_nothing_else(synthesized_sandbox: Synthesized) -> None:
    from test_infra_compliance import nag_findings

    assert nag_findings(synthesized_sandbox.app) == []
