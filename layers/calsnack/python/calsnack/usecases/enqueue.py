"""Putting work on the queues in packed messages (requests to SQS cost money; rows don't)."""

from __future__ import annotations

from collections.abc import Sequence

from calsnack.domain.model import Delivery, Method
from calsnack.ports import QueueMessage, QueueName, Services
from calsnack.queue_messages import FanOut, SendDeliveries, encode

#: Personal messages per queue message: one sender invocation's worth at a modest send rate.
DELIVERIES_PER_MESSAGE = 200


def delivery_messages(
    deliveries: Sequence[Delivery], *, chunk: str, batch_id: str = ""
) -> list[QueueMessage]:
    """The deliveries packed into send messages; `chunk` names this set so a repeat can be recognised."""
    messages = []
    for n, i in enumerate(range(0, len(deliveries), DELIVERIES_PER_MESSAGE)):
        part = SendDeliveries(
            chunk=f"{chunk}/{n}",
            deliveries=tuple(deliveries[i : i + DELIVERIES_PER_MESSAGE]),
            batch_id=batch_id,
        )
        messages.append(QueueMessage(body=encode(part), dedup_id=part.chunk))
    return messages


def enqueue_deliveries(
    services: Services, deliveries: Sequence[Delivery], *, chunk: str, batch_id: str = ""
) -> int:
    """Queue the deliveries; `chunk` names this set so a re-delivered caller queues nothing new."""
    messages = delivery_messages(deliveries, chunk=chunk, batch_id=batch_id)
    if messages:
        services.queue.send(QueueName.SENDS, messages)
    return len(deliveries)


def fan_out_message(event_key: str, sequence: int, method: Method, after: str = "") -> QueueMessage:
    """Revision `sequence` to everyone whose answer is Yes or Maybe, from the address after `after` on."""
    message = FanOut(event_key=event_key, sequence=sequence, method=method, after=after)
    return QueueMessage(
        body=encode(message), dedup_id=f"fanout:{event_key}:{sequence}:{method.value}:{after}"
    )


def enqueue_fan_out(
    services: Services, event_key: str, sequence: int, method: Method, after: str = ""
) -> None:
    """Send revision `sequence` to everyone whose answer is Yes or Maybe, a page at a time."""
    services.queue.send(QueueName.SENDS, [fan_out_message(event_key, sequence, method, after)])
