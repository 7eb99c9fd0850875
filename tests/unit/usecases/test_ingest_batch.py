"""The splitter packs rows into command messages that SQS accepts, in file order per event."""

from __future__ import annotations

import json
import random
import string

from calsnack.ports import QueueName, Services
from calsnack.queue_messages import ApplyRows, decode
from calsnack.usecases.ingest_batch import MESSAGE_BYTES, ROWS_PER_MESSAGE, BatchRequest, ingest_batch

from tests.harness import RecordingQueue

HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,attendees"
SENDER = "ops@example.test"


def ingest(services: Services, text: str) -> None:
    services.blobs.put("batch.csv", text.encode())
    ingest_batch(services, BatchRequest("b1", SENDER, "<m1@example.test>", "batch.csv"))


def chunks(queue: RecordingQueue) -> list[ApplyRows]:
    out = []
    for m in queue.messages[QueueName.COMMANDS]:
        message = decode(m.body)
        assert isinstance(message, ApplyRows)
        out.append(message)
    return out


def test_small_rows_travel_a_hundred_to_a_message(services: Services, queue: RecordingQueue) -> None:
    rows = [f"INVITE,webinar,,,,,,,p{i}@client.test" for i in range(250)]
    ingest(services, "\n".join([HEADER, *rows]) + "\n")
    sizes = [len(c.rows) for c in chunks(queue)]
    assert sizes == [ROWS_PER_MESSAGE, ROWS_PER_MESSAGE, 50]


def test_large_rows_are_packed_by_size_and_keep_their_order(
    services: Services, queue: RecordingQueue
) -> None:
    people = ";".join(f"person{i:04d}@client.example" for i in range(1000))
    ingest(services, "\n".join([HEADER, *(f"INVITE,webinar,,,,,,,{people}" for _ in range(40))]) + "\n")
    sent = queue.messages[QueueName.COMMANDS]
    assert len(sent) > 1
    assert all(len(m.body.encode()) <= MESSAGE_BYTES for m in sent)
    assert len({m.group for m in sent}) == 1  # one event: one FIFO group
    assert [r.row for c in chunks(queue) for r in c.rows] == list(range(2, 42))
    assert len({c.chunk for c in chunks(queue)}) == len(sent)  # every message its own progress marker


def test_a_row_too_large_for_any_message_is_refused_and_the_rest_apply(
    services: Services, queue: RecordingQueue
) -> None:
    # A thousand long, random (so incompressible) but valid addresses: a 125 kB cell (the
    # reader allows 128 kB), which the message carries twice, as cells and as attendees.
    rng = random.Random(4)
    letters = string.ascii_lowercase + string.digits

    def word(n: int) -> str:
        return "".join(rng.choice(letters) for _ in range(n))

    huge = ";".join(f"{word(60)}@{word(55)}.example" for _ in range(1000))
    ingest(
        services,
        "\n".join([HEADER, f"INVITE,webinar,,,,,,,{huge}", "INVITE,webinar,,,,,,,ok@client.test"]) + "\n",
    )
    assert [r.row for c in chunks(queue) for r in c.rows] == [3]
    status = services.store.get_batch("b1")
    assert status is not None and status.rows_total == 2 and status.rows_refused == 1
    [error] = status.errors
    assert (error.row, error.column) == (2, "attendees")
    assert "split its attendees over several INVITE rows" in error.reason
    assert error.cells[0] == "INVITE" and len(json.dumps(error.cells)) < 5000
