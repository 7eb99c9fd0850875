"""The work-queue port on SQS: packed SendMessageBatch calls, FIFO message groups for command rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from calsnack.adapters.aws.retry import ATTEMPTS, pause
from calsnack.ports import QueueMessage, QueueName

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

#: SendMessageBatch limits: ten entries and 256 KiB of bodies a request.
BATCH_ENTRIES = 10
BATCH_BYTES = 256 * 1024


class QueueSendError(RuntimeError):
    """SQS kept refusing some messages: the caller's own invocation fails and is retried whole."""


def batches(messages: Sequence[QueueMessage], fifo: bool) -> Iterator[list[QueueMessage]]:
    """Consecutive runs of messages that fit one SendMessageBatch request.

    On a FIFO queue a run holds at most one message of each group: the failed entries of a
    batch are re-sent after the others, which must not let a group's later message overtake
    its earlier one (command rows of one event apply in file order).
    """
    run: list[QueueMessage] = []
    size = 0
    groups: set[str | None] = set()
    for message in messages:
        length = len(message.body.encode())
        if length > BATCH_BYTES:
            raise ValueError(f"a queue message of {length} bytes exceeds SQS's {BATCH_BYTES}")
        if run and (
            len(run) == BATCH_ENTRIES or size + length > BATCH_BYTES or (fifo and message.group in groups)
        ):
            yield run
            run, size, groups = [], 0, set()
        run.append(message)
        size += length
        groups.add(message.group)
    if run:
        yield run


class SqsQueue:
    """Implements `calsnack.ports.WorkQueue`; a queue URL ending in `.fifo` gets groups and dedup ids."""

    def __init__(self, urls: Mapping[QueueName, str], client: SQSClient) -> None:
        self.urls = dict(urls)
        self.client = client

    def send(self, queue: QueueName, messages: Sequence[QueueMessage]) -> None:
        url = self.urls[queue]
        fifo = url.endswith(".fifo")
        for run in batches(messages, fifo):
            self._send_batch(url, [_entry(str(i), m, fifo) for i, m in enumerate(run)])

    def _send_batch(self, url: str, entries: list[SendMessageBatchRequestEntryTypeDef]) -> None:
        """Re-sends the entries SQS failed for its own reasons; a sender fault is not retried."""
        pending = entries
        for attempt in range(1, ATTEMPTS + 1):
            failed = self.client.send_message_batch(QueueUrl=url, Entries=pending).get("Failed", [])
            if not failed:
                return
            reasons = "; ".join(f"{f['Code']}: {f.get('Message', '')}" for f in failed)
            if any(f["SenderFault"] for f in failed) or attempt == ATTEMPTS:
                raise QueueSendError(
                    f"SQS refused {len(failed)} of {len(pending)} messages to {url}: {reasons}"
                )
            failed_ids = {f["Id"] for f in failed}
            pending = [e for e in pending if e["Id"] in failed_ids]
            pause(attempt)


def _entry(entry_id: str, message: QueueMessage, fifo: bool) -> SendMessageBatchRequestEntryTypeDef:
    entry: SendMessageBatchRequestEntryTypeDef = {"Id": entry_id, "MessageBody": message.body}
    if fifo:
        if message.group is None:
            raise ValueError("a message for a FIFO queue needs a group")
        entry["MessageGroupId"] = message.group
        # Our FIFO queues do not deduplicate by content, yet every entry needs an id; a
        # message without one of its own is never a duplicate (as the port says).
        entry["MessageDeduplicationId"] = message.dedup_id or uuid.uuid4().hex
    return entry
