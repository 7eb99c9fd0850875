"""S3 ObjectCreated (mail stored by an SES receipt rule) → receive_mail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from calsnack import bootstrap
from calsnack.ports import Services
from calsnack.usecases.receive_mail import receive_mail

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def make_handler(services: Services) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    @metrics.log_metrics
    @tracer.capture_lambda_handler
    @logger.inject_lambda_context
    @event_source(data_class=S3Event)
    def handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
        outcomes = [
            receive_mail(services, unquote_plus(record.s3.get_object.key)) for record in event.records
        ]
        for outcome in outcomes:
            metrics.add_metric(name=f"Mail_{outcome}", unit="Count", value=1)
        return {"outcomes": outcomes}

    return handler


lambda_handler = bootstrap.lambda_entry(make_handler)
