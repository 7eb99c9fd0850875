"""SES feedback through the feedback Lambda: permanent bounces and complaints suppress the address."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from calsnack.serve.lambda_events import LambdaContext

from lambdas.feedback.handler import lambda_handler
from tests.integration.conftest import World


def sns(message: dict) -> dict:
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:x",
                         "Sns": {"Type": "Notification", "MessageId": "1", "TopicArn": "arn:aws:sns:x",
                                 "Subject": None, "Message": json.dumps(message), "Timestamp": "2026-01-01T00:00:00Z",
                                 "SignatureVersion": "1", "Signature": "", "SigningCertUrl": "",
                                 "UnsubscribeUrl": "", "MessageAttributes": {}}}]}  # fmt: skip


@pytest.mark.parametrize(
    ("message", "suppressed"),
    [
        ({"eventType": "Bounce", "bounce": {"bounceType": "Permanent",
          "bouncedRecipients": [{"emailAddress": "Gone@Example.test"}]}, "mail": {}}, {"gone@example.test"}),
        ({"eventType": "Bounce", "bounce": {"bounceType": "Transient",
          "bouncedRecipients": [{"emailAddress": "full@example.test"}]}, "mail": {}}, set()),
        ({"eventType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": "angry@example.test"}]},
          "mail": {}}, {"angry@example.test"}),
        ({"eventType": "Delivery", "mail": {"destination": ["fine@example.test"]}}, set()),
    ],
)  # fmt: skip
def test_feedback_suppresses_permanent_failures(world: World, message: dict, suppressed: set[str]) -> None:
    # The AWS table is shared by the module's tests: a domain of its own keeps this case apart.
    tag = uuid.uuid4().hex[:8]
    text = re.sub("example.test", f"{tag}.test", json.dumps(message), flags=re.IGNORECASE)
    lambda_handler(sns(json.loads(text)), LambdaContext("feedback"))
    candidates = {f"{n}@{tag}.test" for n in ("gone", "full", "angry", "fine")}
    expected = {a.replace("example.test", f"{tag}.test") for a in suppressed}
    assert world.services.store.suppressed(candidates, "any.test") == expected
