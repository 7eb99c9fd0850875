"""SES delivery feedback: hard bounces and complaints put the address on the suppression list.

Gmail and Yahoo judge senders by bounce and complaint rates; an address that bounced for
good or complained is never mailed again by anyone on this service (scope "*").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from calsnack.bootstrap import Services
from calsnack.domain.model import normalize_address


@dataclass(frozen=True, slots=True)
class Feedback:
    kind: str
    recipients: tuple[str, ...]
    permanent: bool


def parse_feedback(message: str) -> Feedback:
    """One SES event-publishing notification (the SNS message body); ValueError if it is none."""
    try:
        body: dict[str, Any] = json.loads(message)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not an SES notification: {exc}") from exc
    kind = str(body.get("eventType") or body.get("notificationType") or "")
    if not kind:
        raise ValueError("not an SES notification: no eventType")
    if kind == "Bounce":
        bounce = body.get("bounce", {})
        recipients = tuple(r["emailAddress"] for r in bounce.get("bouncedRecipients", []))
        return Feedback(kind, recipients, bounce.get("bounceType") == "Permanent")
    if kind == "Complaint":
        recipients = tuple(
            r["emailAddress"] for r in body.get("complaint", {}).get("complainedRecipients", [])
        )
        return Feedback(kind, recipients, True)
    return Feedback(kind, tuple(body.get("mail", {}).get("destination", [])), False)


def record_feedback(services: Services, feedback: Feedback) -> int:
    """Returns how many addresses were newly suppressed."""
    if not feedback.permanent:
        return 0
    reason = "complaint" if feedback.kind == "Complaint" else "bounce"
    now = services.clock()
    return sum(services.store.suppress(normalize_address(r), "*", reason, now) for r in feedback.recipients)
