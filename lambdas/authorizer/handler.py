"""API Gateway REQUEST authorizer for the management routes: an API key in, an IAM policy out.

The policy allows exactly the called method and path and is never cached, and its
context carries the key's sending domain, which the API reads from
`requestContext.authorizer` instead of trusting anything the caller sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from calsnack import bootstrap
from calsnack.ports import Services
from calsnack.usecases.authorize_api_key import authorize_api_key, key_id, presented_key

logger = Logger()
tracer = Tracer()


class Unauthorized(Exception):
    """API Gateway answers 401 when an authorizer fails with exactly this message."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def make_handler(services: Services) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    @tracer.capture_lambda_handler
    @logger.inject_lambda_context
    @event_source(data_class=APIGatewayAuthorizerRequestEvent)
    def handler(event: APIGatewayAuthorizerRequestEvent, context: LambdaContext) -> dict[str, Any]:
        verdict = authorize_api_key(services.store, presented_key(event.headers))
        if verdict.reason == "missing":
            raise Unauthorized()
        arn = event.parsed_arn
        principal = f"apikey:{key_id(verdict.key.key_hash)}" if verdict.key else "anonymous"
        policy = APIGatewayAuthorizerResponse.from_route_arn(event.method_arn, principal_id=principal)
        # A path IAM cannot express (odd characters) is no route of ours: refuse it rather than fail.
        resource = arn.resource or "/"
        if verdict.key is None or not re.match(APIGatewayAuthorizerResponse.path_regex, resource):
            logger.info(
                "management call refused", extra={"reason": verdict.reason or "path", "path": event.path}
            )
            policy.deny_all_routes()
            return policy.asdict()
        policy.context = {"domain": verdict.key.domain, "key_id": key_id(verdict.key.key_hash)}
        policy.allow_route(http_method=arn.http_method or "*", resource=resource)
        return policy.asdict()

    return handler


lambda_handler = bootstrap.lambda_entry(make_handler)
