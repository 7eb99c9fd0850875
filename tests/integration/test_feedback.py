"""SES feedback through the feedback Lambda: permanent bounces and complaints suppress the address."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from calsnack.ical.write import event_calendar
from calsnack.serve.lambda_events import LambdaContext
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp
from calsnack.usecases.build_report import report_event

from lambdas.feedback.handler import lambda_handler
from tests.contract.builders import make_event
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


def test_a_hard_bounce_of_an_invitation_is_counted_on_its_event(world: World) -> None:
    tag = uuid.uuid4().hex[:8]
    organizer, guest = f"olga@{tag}.test", f"Guest@{tag}.test"
    store = world.services.store
    plain = make_event(organizer, f"bounce-{tag}", sequence=0, version=0)
    calendar = event_calendar(
        start=plain.start.replace(tzinfo=None),
        end=plain.end.replace(tzinfo=None),
        timezone=plain.timezone,
        summary=plain.summary,
        location=plain.location,
        description=plain.description,
        meeting_url=plain.meeting_url,
        all_day=False,
    )
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

    lambda_handler(sns(bounce(guest, "Transient")), LambdaContext("feedback"))
    assert bounced() == 0
    for _ in range(2):  # a re-delivered notification counts once
        lambda_handler(sns(bounce(guest)), LambdaContext("feedback"))
    assert bounced() == 1
    # Somebody who is no attendee of the event is suppressed but not counted on it.
    lambda_handler(sns(bounce(f"stranger@{tag}.test")), LambdaContext("feedback"))
    assert bounced() == 1
    assert store.suppressed({guest, f"stranger@{tag}.test"}, "any.test") == {
        guest.lower(),
        f"stranger@{tag}.test",
    }
