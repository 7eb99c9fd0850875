"""SQS batch of packed deliveries and fan-out pages → send_deliveries / fan_out, failures retried alone.

The sender works to the invocation's time budget: a message begun too late goes back on the
queue untouched, and one cut short by the deadline queues its rest (see `Sender.send`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from calsnack import bootstrap
from calsnack.ports import QueueMessage, QueueName, SendingStopped, Services
from calsnack.queue_messages import FanOut, SendDeliveries, decode
from calsnack.usecases.fan_out import fan_out
from calsnack.usecases.send_deliveries import START_MINIMUM, Sender

#: The metric the SesSendingStopped alarm watches (infra/monitoring.py).
SENDING_STOPPED_METRIC = "SesSendingStopped"

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


def make_handler(services: Services) -> Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]:
    # Made once with the handler, so a warm container keeps its template cache.
    sender = Sender.create(services)

    @tracer.capture_method
    def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
        def remaining() -> float:
            return lambda_context.get_remaining_time_in_millis() / 1000

        if remaining() < START_MINIMUM:
            # Too late to begin: back on the queue as it came, without using up a receive.
            services.queue.send(QueueName.SENDS, [QueueMessage(body=record.body)])
            metrics.add_metric(name="SendsPostponed", unit=MetricUnit.Count, value=1)
            return
        message = decode(record.body)
        if isinstance(message, FanOut):
            metrics.add_metric(name="FannedOut", unit=MetricUnit.Count, value=fan_out(services, message))
        elif isinstance(message, SendDeliveries):
            try:
                sent, failed = sender.send(message, remaining)
            except SendingStopped as exc:
                # The message stays queued and returns after its visibility timeout (no busy loop);
                # after the queue's receive limit it rests in the dead-letter queue, this log its reason.
                logger.error("SES stopped all sending", extra={"chunk": message.chunk, "reason": str(exc)})
                metrics.add_metric(name=SENDING_STOPPED_METRIC, unit=MetricUnit.Count, value=1)
                raise
            metrics.add_metric(name="InvitationsSent", unit=MetricUnit.Count, value=sent)
            metrics.add_metric(name="InvitationsFailed", unit=MetricUnit.Count, value=failed)
        else:
            raise ValueError(f"the sends queue got a {type(message).__name__}")

    @metrics.log_metrics
    @tracer.capture_lambda_handler
    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return handler


lambda_handler = bootstrap.lambda_entry(make_handler)
