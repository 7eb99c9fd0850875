"""SQS FIFO batch of packed CSV rows → apply_command_rows, stopping at the first failure to keep order."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from calsnack.bootstrap import services
from calsnack.messages import ApplyRows, decode
from calsnack.usecases.apply_command_rows import apply_command_rows

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = SqsFifoPartialProcessor()


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    message = decode(record.body)
    if not isinstance(message, ApplyRows):
        raise ValueError(f"the commands queue got a {type(message).__name__}")
    result = apply_command_rows(services(), message)
    metrics.add_metric(name="RowsApplied", unit="Count", value=result.applied)
    metrics.add_metric(name="RowsRefused", unit="Count", value=len(result.refused))


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
