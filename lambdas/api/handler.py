"""API Gateway REST proxy event → the Powertools resolver `calsnack.api.app.build_app` makes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from calsnack import bootstrap
from calsnack.api.app import build_app
from calsnack.ports import Services

logger = Logger()
tracer = Tracer()

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def make_handler(services: Services) -> Handler:
    app = build_app(services)

    @tracer.capture_lambda_handler
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return app.resolve(event, context)

    return handler


lambda_handler = bootstrap.lambda_entry(make_handler)
