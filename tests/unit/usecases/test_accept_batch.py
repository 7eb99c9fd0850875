"""accept_batch: an upload's header checked and its status made in the request; the split runs in
the worker (`ingest_upload`), which still answers a file replaced since with the reason."""

from __future__ import annotations

import pytest
from calsnack.csvcommands.read import BatchRefused
from calsnack.ports import QueueName, Services
from calsnack.queue_messages import ApplyRows, IngestBatch
from calsnack.usecases.accept_batch import accept_batch, ingest_upload
from calsnack.usecases.ingest_batch import BatchRequest

from tests.harness import RecordingMailer, RecordingQueue, text_of
from tests.unit.usecases.conftest import Clock

SENDER = "ops@corp.example"
HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,attendees"
REQUEST = BatchRequest("b1", SENDER, "<upload-1@corp.example>", "uploads/b1.csv")


def _upload(services: Services, text: str) -> None:
    services.blobs.put(REQUEST.blob_key, text.encode())


def test_an_accepted_upload_is_recorded_and_queued_for_the_worker(
    recorded: Services, queue: RecordingQueue, clock: Clock
) -> None:
    _upload(recorded, f"{HEADER}\nINVITE,webinar,,,,,,,a@client.test\n")
    accept_batch(recorded, REQUEST)
    status = recorded.store.get_batch("b1")
    assert status is not None
    assert (status.sender, status.domain, status.message_id) == (SENDER, "corp.example", REQUEST.message_id)
    assert status.header == tuple(HEADER.split(",")) and status.created_at == clock.now
    assert not status.parsed  # the rows are the worker's to split
    [message] = queue.messages[QueueName.COMMANDS]
    assert queue.decoded(QueueName.COMMANDS) == [IngestBatch("b1", SENDER, REQUEST.blob_key)]
    assert (message.group, message.dedup_id) == ("corp.example#ingest", "ingest:b1")


def test_an_unusable_header_is_refused_in_the_request(recorded: Services, queue: RecordingQueue) -> None:
    _upload(recorded, "what,ever\n1,2\n")
    with pytest.raises(BatchRefused):
        accept_batch(recorded, REQUEST)
    assert recorded.store.get_batch("b1") is None
    assert queue.requests == 0


def test_the_worker_splits_the_accepted_file_and_answers_the_request(
    recorded: Services, queue: RecordingQueue, mailer: RecordingMailer
) -> None:
    _upload(recorded, f"{HEADER}\nINVITE,webinar,,,,,,,a@client.test\n")
    accept_batch(recorded, REQUEST)
    [ingest] = queue.decoded(QueueName.COMMANDS)
    assert isinstance(ingest, IngestBatch)
    queue.messages[QueueName.COMMANDS] = []
    ingest_upload(recorded, ingest)
    [chunk] = queue.decoded(QueueName.COMMANDS)
    assert isinstance(chunk, ApplyRows) and [r.event_id for r in chunk.rows] == ["webinar"]
    status = recorded.store.get_batch("b1")
    assert status is not None and status.parsed and status.rows_total == 1
    assert status.message_id == REQUEST.message_id  # the reply will answer the upload's request
    ingest_upload(recorded, ingest)  # re-delivered after a crash: split already
    assert len(queue.messages[QueueName.COMMANDS]) == 1


def test_a_file_replaced_since_is_refused_with_the_reason(
    recorded: Services, queue: RecordingQueue, mailer: RecordingMailer
) -> None:
    _upload(recorded, f"{HEADER}\nINVITE,webinar,,,,,,,a@client.test\n")
    accept_batch(recorded, REQUEST)
    [ingest] = queue.decoded(QueueName.COMMANDS)
    assert isinstance(ingest, IngestBatch)
    queue.messages[QueueName.COMMANDS] = []
    _upload(recorded, "what,ever\n1,2\n")
    ingest_upload(recorded, ingest)
    assert queue.messages[QueueName.COMMANDS] == []
    status = recorded.store.get_batch("b1")
    assert status is not None and (status.rows_total, status.rows_refused) == (1, 1)
    [error] = status.errors
    assert error.row == 1
    [reply] = mailer.to(SENDER)
    assert reply["In-Reply-To"] == REQUEST.message_id and "0 applied, 1 refused" in str(reply["Subject"])
    assert error.reason[:40] in text_of(reply)
