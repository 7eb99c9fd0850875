"""DynamoDB stream batch → export_changes: the table's changes as analytics rows in S3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from calsnack import bootstrap
from calsnack.adapters.aws.stream import change_of
from calsnack.ports import Services
from calsnack.usecases.export_changes import ChangeExport

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def make_handler(services: Services) -> Callable[[dict[str, Any], LambdaContext], PartialItemFailureResponse]:
    analytics = services.analytics
    if analytics is None:
        raise RuntimeError("the exporter needs ANALYTICS_BUCKET in its environment")

    @metrics.log_metrics
    @tracer.capture_lambda_handler
    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        export = ChangeExport(services.store, analytics)

        def record_handler(record: DynamoDBRecord) -> None:
            export.add(change_of(record))

        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        # Lambda retries from the first failed record on, so only the records before it are written now.
        written = export.write(failed=[str(f["itemIdentifier"]) for f in response["batchItemFailures"]])
        for table, count in written.rows.items():
            metrics.add_metric(name=f"Exported{table.title()}", unit="Count", value=count)
        return response

    return handler


lambda_handler = bootstrap.lambda_entry(make_handler)
