"""An uploaded CSV batch accepted in the request: its header checked and its status created; the
split into command messages runs later in the command worker (`IngestBatch`), so a large file
holds no request, no API lock and no API Gateway timeout."""

from __future__ import annotations

from calsnack.csvcommands.read import BatchRefused, read_commands
from calsnack.domain.addresses import domain_of
from calsnack.domain.model import BatchStatus, RowError
from calsnack.ports import QueueMessage, QueueName, Services
from calsnack.queue_messages import IngestBatch, encode
from calsnack.usecases.finish_batch import finish_batch
from calsnack.usecases.ingest_batch import BatchRequest, ingest_batch


def accept_batch(services: Services, request: BatchRequest) -> None:
    """Raises `BatchRefused` for a file whose header is unusable; nothing is queued then."""
    domain = domain_of(request.sender)
    with services.blobs.open(request.blob_key) as stream:
        header = tuple(read_commands(stream, batch_id=request.batch_id, sender_domain=domain).header)
    services.store.create_batch(
        BatchStatus(
            batch_id=request.batch_id,
            sender=request.sender,
            domain=domain,
            message_id=request.message_id,
            created_at=services.clock(),
            header=header,
        )
    )
    message = IngestBatch(request.batch_id, request.sender, request.blob_key)
    # Its own FIFO group: a domain's uploads split one after another, beside its rows' groups.
    services.queue.send(
        QueueName.COMMANDS,
        [QueueMessage(body=encode(message), group=f"{domain}#ingest", dedup_id=f"ingest:{request.batch_id}")],
    )


def ingest_upload(services: Services, message: IngestBatch) -> None:
    """The worker's half: split the accepted file (a repeat after a crash splits it as a no-op)."""
    try:
        ingest_batch(services, BatchRequest(message.batch_id, message.sender, "", message.blob_key))
    except BatchRefused as exc:
        # The header passed in the request, so only a file replaced since (an upload retried with
        # the same Idempotency-Key and other bytes) lands here: the sender still hears why.
        services.log.warning("accepted batch file refused", extra={"batch_id": message.batch_id})
        services.store.batch_progress(message.batch_id, "parse:refused", refused=[RowError(1, "", str(exc))])
        services.store.batch_parsed(message.batch_id, 1, ())
        finish_batch(services, message.batch_id)
