"""enqueue: deliveries packed into send messages whose names make a repeat recognisable."""

from __future__ import annotations

from calsnack.domain.model import Delivery, Method
from calsnack.ports import QueueName, Services
from calsnack.queue_messages import FanOut, SendDeliveries, decode
from calsnack.usecases.enqueue import (
    DELIVERIES_PER_MESSAGE,
    delivery_messages,
    enqueue_deliveries,
    enqueue_fan_out,
    fan_out_message,
)

from tests.harness import RecordingQueue

KEY = "e" * 56


def _deliveries(n: int) -> list[Delivery]:
    return [Delivery(KEY, f"p{i:04d}@client.test", 3, Method.REQUEST) for i in range(n)]


def test_deliveries_are_packed_in_order_and_each_message_is_named_for_dedup() -> None:
    deliveries = _deliveries(DELIVERIES_PER_MESSAGE * 2 + 1)
    messages = delivery_messages(deliveries, chunk="rows:b1/7", batch_id="b1")
    bodies = [decode(m.body) for m in messages]
    assert all(isinstance(b, SendDeliveries) for b in bodies)
    parts = [b for b in bodies if isinstance(b, SendDeliveries)]
    assert [len(p.deliveries) for p in parts] == [DELIVERIES_PER_MESSAGE, DELIVERIES_PER_MESSAGE, 1]
    assert [d for p in parts for d in p.deliveries] == deliveries
    assert [p.chunk for p in parts] == ["rows:b1/7/0", "rows:b1/7/1", "rows:b1/7/2"]
    assert [m.dedup_id for m in messages] == [p.chunk for p in parts]
    assert {p.batch_id for p in parts} == {"b1"}
    # Sends need no order: no FIFO group, so they spread over every sender.
    assert {m.group for m in messages} == {None}


def test_the_same_deliveries_under_the_same_chunk_make_the_same_messages() -> None:
    deliveries = _deliveries(3)
    assert delivery_messages(deliveries, chunk="c") == delivery_messages(deliveries, chunk="c")
    assert delivery_messages(deliveries, chunk="c") != delivery_messages(deliveries, chunk="d")


def test_nothing_to_deliver_sends_no_request(services: Services, queue: RecordingQueue) -> None:
    assert enqueue_deliveries(services, [], chunk="c") == 0
    assert queue.requests == 0


def test_enqueued_deliveries_go_to_the_sends_queue(services: Services, queue: RecordingQueue) -> None:
    assert enqueue_deliveries(services, _deliveries(5), chunk="c", batch_id="b9") == 5
    assert queue.messages[QueueName.COMMANDS] == []
    [message] = queue.decoded(QueueName.SENDS)
    assert isinstance(message, SendDeliveries) and message.batch_id == "b9" and len(message.deliveries) == 5


def test_each_fan_out_page_is_its_own_dedup_id() -> None:
    first = fan_out_message(KEY, 4, Method.REQUEST)
    assert fan_out_message(KEY, 4, Method.REQUEST) == first
    others = [
        fan_out_message(KEY, 4, Method.REQUEST, after="m@client.test"),
        fan_out_message(KEY, 5, Method.REQUEST),
        fan_out_message(KEY, 4, Method.CANCEL),
    ]
    assert len({first.dedup_id, *(m.dedup_id for m in others)}) == 4


def test_enqueue_fan_out_queues_the_step(services: Services, queue: RecordingQueue) -> None:
    enqueue_fan_out(services, KEY, 2, Method.CANCEL, after="a@client.test")
    assert queue.decoded(QueueName.SENDS) == [FanOut(KEY, 2, Method.CANCEL, "a@client.test")]
