"""SQS batches of SES events (bounce, complaint, delivery, reject; SNS raw delivery) → suppression
list and rate metrics. A record that cannot be recorded fails alone and is retried alone."""

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
from calsnack.ports import Services
from calsnack.usecases.record_feedback import parse_feedback, record_feedback

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


def make_handler(services: Services) -> Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]:
    @tracer.capture_method
    def record_handler(record: SQSRecord) -> None:
        feedback = parse_feedback(record.body, services.settings.domain)
        suppressed = record_feedback(services, feedback)
        # Counted once recorded, so a retried record is not counted twice. The alarms divide
        # these: bounce rate = SesBounce / (SesDelivery + SesBounce).
        if feedback.kind != "Bounce" or feedback.permanent:
            metrics.add_metric(name=f"Ses{feedback.kind}", unit=MetricUnit.Count, value=1)
        if suppressed:
            metrics.add_metric(name="AddressesSuppressed", unit=MetricUnit.Count, value=suppressed)

    @metrics.log_metrics
    @tracer.capture_lambda_handler
    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return handler


lambda_handler = bootstrap.lambda_entry(make_handler)
