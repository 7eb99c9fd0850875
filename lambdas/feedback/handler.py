"""SNS-delivered SES events (bounce, complaint, delivery, reject) → suppression list and rate metrics."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from calsnack.bootstrap import services
from calsnack.usecases.record_feedback import parse_feedback, record_feedback

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
@event_source(data_class=SNSEvent)
def lambda_handler(event: SNSEvent, context: LambdaContext) -> dict[str, Any]:
    suppressed = 0
    current = services()
    for record in event.records:
        feedback = parse_feedback(record.sns.message, current.settings.domain)
        # The alarms divide these: bounce rate = SesBounce / (SesDelivery + SesBounce).
        if feedback.kind != "Bounce" or feedback.permanent:
            metrics.add_metric(name=f"Ses{feedback.kind}", unit=MetricUnit.Count, value=1)
        suppressed += record_feedback(current, feedback)
    return {"suppressed": suppressed}
