"""SQS batch of packed deliveries and fan-out pages → send_deliveries / fan_out, failures retried alone."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from calsnack.bootstrap import services
from calsnack.messages import FanOut, SendDeliveries, decode
from calsnack.usecases.fan_out import fan_out
from calsnack.usecases.send_deliveries import Sender

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
_senders: dict[int, Sender] = {}


def sender() -> Sender:
    """One Sender per Services instance, so each warm container keeps its template cache."""
    current = services()
    if id(current) not in _senders:
        _senders.clear()
        _senders[id(current)] = Sender.create(current)
    return _senders[id(current)]


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    message = decode(record.body)
    if isinstance(message, FanOut):
        metrics.add_metric(name="FannedOut", unit="Count", value=fan_out(services(), message))
    elif isinstance(message, SendDeliveries):
        sent, failed = sender().send(message)
        metrics.add_metric(name="InvitationsSent", unit="Count", value=sent)
        metrics.add_metric(name="InvitationsFailed", unit="Count", value=failed)
    else:
        raise ValueError(f"the sends queue got a {type(message).__name__}")


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
