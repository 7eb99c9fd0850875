"""Splitting a CSV batch into packed, ordered command messages without holding the file in memory.

Rows are routed to one of `GROUPS` FIFO message groups by their event_id, so every row
of one event travels in one group, in file order, while different events apply in
parallel; each message carries up to `ROWS_PER_MESSAGE` rows (few SQS requests).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from calsnack.csvcommands.read import BatchRefused, read_commands
from calsnack.domain.addresses import domain_of
from calsnack.domain.commands import CommandRow
from calsnack.domain.model import BatchStatus, RowError
from calsnack.ports import QueueMessage, QueueName, Services
from calsnack.queue_messages import ApplyRows, encode
from calsnack.usecases.finish_batch import finish_batch

GROUPS = 64
ROWS_PER_MESSAGE = 100
#: A command message's largest body: under SQS's 256 KiB a message, with room for its
#: attributes. Rows with a thousand attendees each fill it long before 100 rows.
MESSAGE_BYTES = 200_000
#: Queue messages handed to the queue port per call (it packs them into SendMessageBatch calls).
MESSAGES_PER_SEND = 50
ERRORS_PER_RECORD = 500


#: How much of each cell a refused oversized row echoes back.
_CELL_ECHO = 1000
_TOO_LARGE = (
    f"the row is larger than one command message ({MESSAGE_BYTES // 1000} kB);"
    " split its attendees over several INVITE rows"
)


@dataclass(frozen=True, slots=True)
class BatchRequest:
    batch_id: str
    sender: str
    message_id: str
    blob_key: str


class BatchSplitter:
    def __init__(self, services: Services, request: BatchRequest) -> None:
        self.services = services
        self.request = request
        self.domain = domain_of(request.sender)
        self.buffers: dict[int, list[CommandRow]] = {}
        self.pending: list[QueueMessage] = []
        self.errors: list[RowError] = []
        self.chunks = 0
        self.error_chunks = 0

    def add_row(self, row: CommandRow) -> None:
        group = zlib.crc32(row.event_id.encode()) % GROUPS
        rows = self.buffers.setdefault(group, [])
        rows.append(row)
        if len(rows) >= ROWS_PER_MESSAGE:
            self._seal(group)

    def add_error(self, error: RowError) -> None:
        self.errors.append(error)
        if len(self.errors) >= ERRORS_PER_RECORD:
            self._record_errors()

    def _seal(self, group: int) -> None:
        self._pack(group, self.buffers.pop(group))
        if len(self.pending) >= MESSAGES_PER_SEND:
            self._send()

    def _pack(self, group: int, rows: list[CommandRow]) -> None:
        """One message for the rows, or, if they are too large for one, halves in file order.

        Encoding first and splitting only when needed keeps the common case to one encoding.
        """
        chunk = f"{self.request.batch_id}:{self.chunks:06d}"
        body = encode(ApplyRows(self.request.batch_id, self.request.sender, chunk, tuple(rows)))
        if len(body.encode()) > MESSAGE_BYTES:
            if len(rows) > 1:
                half = len(rows) // 2
                self._pack(group, rows[:half])
                self._pack(group, rows[half:])
            else:
                # Its cells shortened: the refusal itself must fit in the batch's records.
                cells = tuple(c if len(c) <= _CELL_ECHO else c[:_CELL_ECHO] + "…" for c in rows[0].cells)
                self.add_error(RowError(rows[0].row, "attendees", _TOO_LARGE, cells))
            return
        self.chunks += 1
        self.pending.append(QueueMessage(body=body, group=f"{self.domain}#{group}", dedup_id=chunk))

    def _send(self) -> None:
        if self.pending:
            self.services.queue.send(QueueName.COMMANDS, self.pending)
            self.pending = []

    def _record_errors(self) -> None:
        if self.errors:
            self.services.store.batch_progress(
                self.request.batch_id, f"parse:{self.error_chunks:06d}", refused=self.errors
            )
            self.error_chunks += 1
            self.errors = []

    def finish(self, rows_total: int) -> None:
        for group in sorted(self.buffers):
            self._seal(group)
        self._send()
        self._record_errors()
        self.services.store.batch_parsed(self.request.batch_id, rows_total, ())


def ingest_batch(services: Services, request: BatchRequest) -> BatchStatus:
    """Split the stored CSV into command messages; raises `BatchRefused` for an unusable file.

    The status returned leaves the refused rows out (`BatchStore.refused_rows` streams them).
    """
    store = services.store
    existing = store.get_batch(request.batch_id, errors=False)
    if existing is not None and existing.parsed:
        return existing
    with services.blobs.open(request.blob_key) as stream:
        reader = read_commands(stream, batch_id=request.batch_id, sender_domain=domain_of(request.sender))
        store.create_batch(
            BatchStatus(
                batch_id=request.batch_id,
                sender=request.sender,
                domain=domain_of(request.sender),
                message_id=request.message_id,
                created_at=services.clock(),
                header=tuple(reader.header),
            )
        )
        splitter = BatchSplitter(services, request)
        total = 0
        try:
            for item in reader:
                total += 1
                if isinstance(item, RowError):
                    splitter.add_error(item)
                else:
                    splitter.add_row(item)
        except BatchRefused as exc:
            # The file broke off part-way: the rows before still apply, the rest is one refusal.
            total += 1
            splitter.add_error(RowError(reader.row + 1, "", str(exc)))
        splitter.finish(total)
    finish_batch(services, request.batch_id)
    status = store.get_batch(request.batch_id, errors=False)
    assert status is not None
    services.log.info(
        "batch queued",
        extra={
            "batch_id": request.batch_id,
            "sender": request.sender,
            "rows": status.rows_total,
            "queued": status.rows_total - status.rows_refused,
            "refused": status.rows_refused,
        },
    )
    return status


__all__ = ["BatchRefused", "BatchRequest", "ingest_batch"]
