"""SES feedback through the feedback Lambda (SNS → SQS batches): permanent bounces and complaints
suppress the address; a record that cannot be read fails alone."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from calsnack.serve.lambda_events import LambdaContext
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp
from calsnack.usecases.build_report import report_event

from lambdas.feedback.handler import make_handler
from tests.contract.builders import calendar_of, make_event
from tests.integration.conftest import World


def sqs(*bodies: dict | str) -> dict:
    """A feedback-queue batch: SNS raw message delivery puts each SES event as the body."""
    records = [
        {"messageId": f"m{n}", "receiptHandle": f"r{n}", "attributes": {"ApproximateReceiveCount": "1"},
         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "awsRegion": "us-east-1",
         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:feedback",
         "body": body if isinstance(body, str) else json.dumps(body)}
        for n, body in enumerate(bodies)
    ]  # fmt: skip
    return {"Records": records}


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
    make_handler(world.services)(sqs(json.loads(text)), LambdaContext("feedback"))
    candidates = {f"{n}@{tag}.test" for n in ("gone", "full", "angry", "fine")}
    expected = {a.replace("example.test", f"{tag}.test") for a in suppressed}
    assert world.services.store.suppressed(candidates, "any.test") == expected


def test_a_hard_bounce_of_an_invitation_is_counted_on_its_event(world: World) -> None:
    tag = uuid.uuid4().hex[:8]
    organizer, guest = f"olga@{tag}.test", f"Guest@{tag}.test"
    store = world.services.store
    plain = make_event(organizer, f"bounce-{tag}", sequence=0, version=0)
    calendar = calendar_of(plain, start=plain.start.replace(tzinfo=None), end=plain.end.replace(tzinfo=None))
    event = store.put_event(plain.revised(calendar=calendar))
    answer_rsvp(world.services, event.key, ButtonAnswer.MAYBE, guest)
    world.pump()
    (invitation,) = world.mails_to(guest.lower())
    message_id = str(invitation["Message-ID"])

    def bounce(recipient: str, bounce_type: str = "Permanent") -> dict:
        return {
            "eventType": "Bounce",
            "bounce": {"bounceType": bounce_type, "bouncedRecipients": [{"emailAddress": recipient}]},
            # mail.messageId is SES's own id; commonHeaders.messageId is the header we wrote.
            "mail": {"messageId": "0100018c-ses-id", "destination": [recipient],
                     "commonHeaders": {"messageId": message_id}},
        }  # fmt: skip

    def bounced() -> int:
        (report,) = report_event(store, organizer, event.event_id)["events"]
        assert set(report["counts"]) == {"invited", "accepted", "tentative", "declined", "needs_action"}
        return int(report["activity"]["bounced"])

    make_handler(world.services)(sqs(bounce(guest, "Transient")), LambdaContext("feedback"))
    assert bounced() == 0
    for _ in range(2):  # a re-delivered notification counts once
        make_handler(world.services)(sqs(bounce(guest)), LambdaContext("feedback"))
    assert bounced() == 1
    # Somebody who is no attendee of the event is suppressed but not counted on it.
    make_handler(world.services)(sqs(bounce(f"stranger@{tag}.test")), LambdaContext("feedback"))
    assert bounced() == 1
    assert store.suppressed({guest, f"stranger@{tag}.test"}, "any.test") == {
        guest.lower(),
        f"stranger@{tag}.test",
    }


def test_a_poison_record_fails_alone_and_the_rest_of_the_batch_is_recorded(world: World) -> None:
    tag = uuid.uuid4().hex[:8]
    gone, angry = f"gone@{tag}.test", f"angry@{tag}.test"
    response = make_handler(world.services)(
        sqs(
            {"eventType": "Bounce", "mail": {},
             "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": gone}]}},
            "not json at all",
            {"mail": {}},  # JSON, but no SES event
            {"eventType": "Complaint", "mail": {},
             "complaint": {"complainedRecipients": [{"emailAddress": angry}]}},
        ),
        LambdaContext("feedback"),
    )  # fmt: skip
    # Only the two unreadable records go back to the queue (and, after five receives, its DLQ).
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    assert world.services.store.suppressed({gone, angry}, "any.test") == {gone, angry}
