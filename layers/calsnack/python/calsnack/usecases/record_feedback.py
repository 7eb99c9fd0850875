"""SES delivery feedback: hard bounces and complaints put the address on the suppression list.

Gmail and Yahoo judge senders by bounce and complaint rates; an address that bounced for
good or complained is never mailed again by anyone on this service (scope "*"). A hard
bounce of a personal invitation is also counted on its event: the invitation's Message-ID
names the event (`calsnack.mail.message_id.event_key_of_message_id`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from calsnack.domain.addresses import normalize_address
from calsnack.mail.message_id import event_key_of_message_id
from calsnack.ports import Services


@dataclass(frozen=True, slots=True)
class Feedback:
    kind: str
    recipients: tuple[str, ...]
    permanent: bool
    #: The event of the personal invitation the notification is about; None for other mail.
    event_key: str | None = None


def parse_feedback(message: str, domain: str) -> Feedback:
    """One SES event-publishing notification (the feedback queue's body: SNS delivers it raw);
    ValueError if it is none.

    `domain` is the service's mail domain, the right-hand side of the Message-IDs it makes.
    """
    try:
        body: dict[str, Any] = json.loads(message)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not an SES notification: {exc}") from exc
    kind = str(body.get("eventType") or body.get("notificationType") or "")
    if not kind:
        raise ValueError("not an SES notification: no eventType")
    # `mail.messageId` is SES's own id; the Message-ID header we wrote is in commonHeaders.
    mail = body.get("mail") or {}
    header_id = (mail.get("commonHeaders") or {}).get("messageId")
    key = event_key_of_message_id(header_id, domain) if isinstance(header_id, str) else None
    if kind == "Bounce":
        bounce = body.get("bounce", {})
        recipients = tuple(r["emailAddress"] for r in bounce.get("bouncedRecipients", []))
        return Feedback(kind, recipients, bounce.get("bounceType") == "Permanent", key)
    if kind == "Complaint":
        recipients = tuple(
            r["emailAddress"] for r in body.get("complaint", {}).get("complainedRecipients", [])
        )
        return Feedback(kind, recipients, True, key)
    return Feedback(kind, tuple(mail.get("destination", [])), False, key)


def record_feedback(services: Services, feedback: Feedback) -> int:
    """Returns how many addresses were newly suppressed."""
    if not feedback.permanent:
        return 0
    reason = "complaint" if feedback.kind == "Complaint" else "bounce"
    now = services.clock()
    store = services.store
    if feedback.kind == "Bounce" and feedback.event_key is not None:
        for recipient in feedback.recipients:
            store.record_bounce(feedback.event_key, normalize_address(recipient), now)
    return sum(store.suppress(normalize_address(r), "*", reason, now) for r in feedback.recipients)
