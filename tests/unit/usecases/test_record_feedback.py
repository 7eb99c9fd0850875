"""record_feedback: SES bounces and complaints; only the permanent ones suppress, everywhere ("*")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from calsnack.domain.model import Answer, Channel, PartStat
from calsnack.ports import Services
from calsnack.usecases.record_feedback import Feedback, parse_feedback, record_feedback

from tests.unit.usecases.conftest import DOMAIN, seed

AT = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)


def _notification(kind: str, message_id: str = "<x@elsewhere.test>", **body: Any) -> str:
    return json.dumps(
        {
            "eventType": kind,
            "mail": {"messageId": "ses-1", "commonHeaders": {"messageId": message_id}},
            **body,
        }
    )


def _bounce(bounce_type: str, *recipients: str, message_id: str = "<x@elsewhere.test>") -> str:
    bounced = [{"emailAddress": r} for r in recipients]
    return _notification(
        "Bounce", message_id, bounce={"bounceType": bounce_type, "bouncedRecipients": bounced}
    )


def test_a_permanent_bounce_of_an_invitation_names_its_event() -> None:
    key = "a" * 56
    feedback = parse_feedback(
        _bounce("Permanent", "p@client.test", message_id=f"<{key}.u1@{DOMAIN}>"), DOMAIN
    )
    assert feedback == Feedback("Bounce", ("p@client.test",), True, key)


def test_a_transient_bounce_is_not_permanent() -> None:
    assert not parse_feedback(_bounce("Transient", "p@client.test"), DOMAIN).permanent


def test_another_domains_message_id_names_no_event() -> None:
    key = "a" * 56
    feedback = parse_feedback(_bounce("Permanent", "p@client.test", message_id=f"<{key}.u1@other.test>"), "x")
    assert feedback.event_key is None


def test_a_complaint_is_permanent() -> None:
    body = _notification("Complaint", complaint={"complainedRecipients": [{"emailAddress": "c@client.test"}]})
    assert parse_feedback(body, DOMAIN) == Feedback("Complaint", ("c@client.test",), True, None)


def test_a_delivery_is_not_feedback_to_act_on() -> None:
    body = json.dumps({"notificationType": "Delivery", "mail": {"destination": ["d@client.test"]}})
    assert parse_feedback(body, DOMAIN) == Feedback("Delivery", ("d@client.test",), False, None)


@pytest.mark.parametrize("body", ["not json", json.dumps({"mail": {}})])
def test_what_is_no_ses_notification_is_refused(body: str) -> None:
    with pytest.raises(ValueError, match="not an SES notification"):
        parse_feedback(body, DOMAIN)


def test_a_hard_bounce_suppresses_everywhere_and_counts_on_the_event(recorded: Services) -> None:
    event = seed(recorded, "olga@corp.example", "webinar")
    answer = Answer(event.organizer, event.event_id, "p@client.test", PartStat.ACCEPTED, AT, Channel.BUTTON)
    recorded.store.record_answer(event.key, answer)
    feedback = Feedback("Bounce", ("P@Client.Test",), True, event.key)
    assert record_feedback(recorded, feedback) == 1
    assert recorded.store.suppressed(["p@client.test"], "anyone@else.example") == {"p@client.test"}
    assert recorded.store.counts(event.key).bounced == 1
    # The same notification again (SNS delivers at least once) suppresses nobody new.
    assert record_feedback(recorded, feedback) == 0
    assert recorded.store.counts(event.key).bounced == 1


def test_a_complaint_suppresses_but_is_no_bounce(recorded: Services) -> None:
    event = seed(recorded, "olga@corp.example", "webinar")
    answer = Answer(event.organizer, event.event_id, "c@client.test", PartStat.ACCEPTED, AT, Channel.BUTTON)
    recorded.store.record_answer(event.key, answer)
    assert record_feedback(recorded, Feedback("Complaint", ("c@client.test",), True, event.key)) == 1
    assert recorded.store.suppressed(["c@client.test"], "olga@corp.example") == {"c@client.test"}
    assert recorded.store.counts(event.key).bounced == 0


def test_a_transient_bounce_changes_nothing(recorded: Services) -> None:
    event = seed(recorded, "olga@corp.example", "webinar")
    answer = Answer(event.organizer, event.event_id, "p@client.test", PartStat.ACCEPTED, AT, Channel.BUTTON)
    recorded.store.record_answer(event.key, answer)
    assert record_feedback(recorded, Feedback("Bounce", ("p@client.test",), False, event.key)) == 0
    assert recorded.store.suppressed(["p@client.test"], "olga@corp.example") == set()
    assert recorded.store.counts(event.key).bounced == 0


def test_several_recipients_are_each_suppressed(recorded: Services) -> None:
    feedback = Feedback("Bounce", ("a@client.test", "b@client.test"), True, None)
    assert record_feedback(recorded, feedback) == 2
    assert recorded.store.suppressed(["a@client.test", "b@client.test"], DOMAIN) == {
        "a@client.test",
        "b@client.test",
    }
