"""cdk-nag (AwsSolutions) acknowledgements: every one names the rule, the finding and the reason.

cdk-nag 3 runs as a CDK validation plugin; a finding is acknowledged on the construct it is
about (or an ancestor), one finding at a time, e.g. `AwsSolutions-IAM5[Resource::*]`.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

#: Findings every calsnack function's role raises, whatever it is granted.
LAMBDA_RULES: Mapping[str, str] = {
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]": (
        "It grants nothing but creating log streams and putting log events, which every function "
        "needs; AWS keeps it current, where a copy written here could only fall behind."
    ),
    "AwsSolutions-IAM5[Resource::*]": (
        "IAM accepts only * for the actions granted on it: X-Ray's PutTraceSegments and "
        "PutTelemetryRecords (active tracing) and, for the stream consumer, dynamodb:ListStreams "
        "have no resource-level permissions."
    ),
    "AwsSolutions-L1": (
        "The layer's compiled wheels (pydantic-core) are installed for one Python version "
        "(infra/layer.py RUNTIME); a newer runtime is adopted by changing it there and rebuilding the "
        "layer, never behind the layer's back."
    ),
}


def acknowledge(scope: IConstruct, rules: Mapping[str, str]) -> None:
    """Acknowledge `rules` (rule id → reason) on `scope` and everything below it."""
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=rule_id, reason=reason) for rule_id, reason in rules.items())
    )
