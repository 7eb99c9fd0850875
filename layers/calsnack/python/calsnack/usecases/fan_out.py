"""Fan-out of a new revision or a cancellation to the attendees who answered Yes or Maybe."""

from __future__ import annotations

from calsnack.domain.model import GOING, Delivery
from calsnack.ports import Services
from calsnack.queue_messages import FanOut
from calsnack.usecases.enqueue import DELIVERIES_PER_MESSAGE, enqueue_deliveries, enqueue_fan_out

#: Attendees read per fan-out step; the next page is its own queue message, so a
#: million-attendee update never runs long in one invocation.
PAGE = DELIVERIES_PER_MESSAGE * 5


def fan_out(services: Services, step: FanOut) -> int:
    event = services.store.get_event(step.event_key)
    if event is None or event.sequence != step.sequence:
        # A later revision started its own fan-out; it supersedes this one.
        return 0
    page = services.store.attendees(step.event_key, GOING, step.after, PAGE)
    deliveries = [Delivery(step.event_key, a.email, step.sequence, step.method) for a in page]
    enqueue_deliveries(
        services, deliveries, chunk=f"fan:{step.event_key}:{step.sequence}:{step.method.value}:{step.after}"
    )
    if len(page) == PAGE:
        enqueue_fan_out(services, step.event_key, step.sequence, step.method, after=page[-1].email)
    return len(deliveries)
