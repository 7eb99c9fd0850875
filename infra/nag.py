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
        "The AWS managed basic execution role only lets the function write its own CloudWatch logs."
    ),
    "AwsSolutions-IAM5[Resource::*]": (
        "Only actions without resource-level permissions are granted on *: X-Ray trace upload (active "
        "tracing) and, for the stream consumer, dynamodb:ListStreams."
    ),
    "AwsSolutions-L1": (
        "Python 3.12 is pinned on purpose: the layer's compiled wheels are built for it (make layer)."
    ),
}


def acknowledge(scope: IConstruct, rules: Mapping[str, str]) -> None:
    """Acknowledge `rules` (rule id → reason) on `scope` and everything below it."""
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=rule_id, reason=reason) for rule_id, reason in rules.items())
    )
