"""SQS FIFO batch of packed CSV rows → apply_rows per record (stopping at the first failure to
keep order), then one `settle` for the records applied, so their sends share queue requests.
An uploaded file's split (`IngestBatch`) runs here too, away from the API's request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from calsnack import bootstrap
from calsnack.ports import Services
from calsnack.queue_messages import ApplyRows, IngestBatch, decode
from calsnack.usecases.accept_batch import ingest_upload
from calsnack.usecases.apply_command_rows import ChunkResult, apply_rows, settle

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = SqsFifoPartialProcessor()


def make_handler(services: Services) -> Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]:
    @metrics.log_metrics
    @tracer.capture_lambda_handler
    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        applied: list[tuple[ApplyRows, ChunkResult]] = []

        def record_handler(record: SQSRecord) -> None:
            message = decode(record.body)
            if isinstance(message, IngestBatch):
                ingest_upload(services, message)
                return
            if not isinstance(message, ApplyRows):
                raise ValueError(f"the commands queue got a {type(message).__name__}")
            applied.append((message, apply_rows(services, message)))

        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        # If this fails the invocation fails: every record comes back, and re-applies as a no-op.
        settle(services, applied)
        for _, result in applied:
            metrics.add_metric(name="RowsApplied", unit="Count", value=result.applied)
            metrics.add_metric(name="RowsRefused", unit="Count", value=len(result.refused))
        return response

    return handler


lambda_handler = bootstrap.lambda_entry(make_handler)
