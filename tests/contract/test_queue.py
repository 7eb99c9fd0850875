"""WorkQueue: what is sent can be received, commands in order per group and deduplicated."""

from __future__ import annotations

from calsnack.ports import QueueMessage, QueueName

from tests.contract.adapter_sets import Received


def test_sends_arrive(adapters):
    bodies = [f'{{"n":{i}}}' for i in range(23)]
    adapters.queue.send(QueueName.SENDS, [QueueMessage(b) for b in bodies])
    assert sorted(m.body for m in adapters.drain(QueueName.SENDS)) == sorted(bodies)
    assert adapters.drain(QueueName.COMMANDS) == []


def test_nothing_to_send_is_fine(adapters):
    adapters.queue.send(QueueName.SENDS, [])
    assert adapters.drain(QueueName.SENDS) == []


def test_commands_keep_their_order_within_a_group(adapters):
    messages = [
        QueueMessage(f"{group}:{n}", group=group, dedup_id=f"{group}-{n}")
        for n in range(12)
        for group in ("evt-a", "evt-b", "evt-c")
    ]
    adapters.queue.send(QueueName.COMMANDS, messages)
    received = adapters.drain(QueueName.COMMANDS)
    assert sorted(received, key=lambda r: r.body) == sorted(
        (Received(m.body, m.group) for m in messages), key=lambda r: r.body
    )
    for group in ("evt-a", "evt-b", "evt-c"):
        assert [r.body for r in received if r.group == group] == [f"{group}:{n}" for n in range(12)]


def test_a_repeated_deduplication_id_is_dropped(adapters):
    first = QueueMessage("rows 1-100", group="evt-a", dedup_id="batch-1-chunk-1")
    adapters.queue.send(QueueName.COMMANDS, [first])
    adapters.queue.send(
        QueueName.COMMANDS, [first, QueueMessage("rows 101-200", group="evt-a", dedup_id="c2")]
    )
    assert [r.body for r in adapters.drain(QueueName.COMMANDS)] == ["rows 1-100", "rows 101-200"]


def test_large_messages_are_all_delivered(adapters):
    """Forty messages of 60 KiB: more than one SQS batch request can carry."""
    bodies = [f"{i:02d}" + "x" * (60 * 1024) for i in range(40)]
    adapters.queue.send(QueueName.SENDS, [QueueMessage(b) for b in bodies])
    adapters.queue.send(
        QueueName.COMMANDS,
        [QueueMessage(b, group=f"g{i % 3}", dedup_id=f"d{i}") for i, b in enumerate(bodies)],
    )
    assert sorted(r.body for r in adapters.drain(QueueName.SENDS)) == bodies
    assert sorted(r.body for r in adapters.drain(QueueName.COMMANDS)) == bodies


def test_a_command_without_deduplication_id_is_never_a_duplicate(adapters):
    twice = [QueueMessage("same rows", group="evt-a"), QueueMessage("same rows", group="evt-a")]
    adapters.queue.send(QueueName.COMMANDS, twice)
    assert [r.body for r in adapters.drain(QueueName.COMMANDS)] == ["same rows", "same rows"]
