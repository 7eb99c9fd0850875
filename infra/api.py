"""The HTTP API: a REST API proxying every path to the API function.

Public: `/` and `/{proxy+}` (landing pages `/e/...`, `/healthz`, `/openapi.json`, `/dashboard...`).
Management, behind the Lambda REQUEST authorizer: `/batches`, `/reports`, `/apikeys` and
everything below them (`/batches/{id}`, `/reports/...`).
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from infra.functions import LambdaRuntime

STAGE_NAME = "prod"
MANAGEMENT_PATHS = ("batches", "reports", "apikeys")
THROTTLING_RATE_LIMIT = 100
THROTTLING_BURST_LIMIT = 200

_NOT_COGNITO = "Management calls carry calsnack API keys checked by the Lambda authorizer, not Cognito users."


class Api(Construct):
    #: API Gateway gives up on an integration after 29 s.
    TIMEOUT = Duration.seconds(29)

    def __init__(self, scope: Construct, construct_id: str, *, runtime: LambdaRuntime) -> None:
        super().__init__(scope, construct_id)

        self.function = runtime.function(
            self,
            "Function",
            entry="api",
            description="calsnack: HTTP API (RSVP pages, batches, reports, API keys, OpenAPI)",
            timeout=self.TIMEOUT,
            memory_size=1024,
        )
        self.authorizer_function = runtime.function(
            self,
            "AuthorizerFunction",
            entry="authorizer",
            description="calsnack: checks the API key of management calls (REQUEST authorizer)",
            timeout=Duration.seconds(10),
        )

        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            description="calsnack HTTP API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # CSV uploads reach the Lambda byte for byte (base64), whatever their encoding.
            binary_media_types=["multipart/form-data", "text/csv", "application/octet-stream"],
            # Access and execution logging need the account's API Gateway CloudWatch role.
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                throttling_rate_limit=THROTTLING_RATE_LIMIT,
                throttling_burst_limit=THROTTLING_BURST_LIMIT,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                tracing_enabled=True,
            ),
        )
        nag.acknowledge(
            self.rest_api,
            {
                "AwsSolutions-APIG2": (
                    "Every route is a Lambda proxy; the API function validates requests itself "
                    "(Powertools event handler with validation)."
                ),
                "AwsSolutions-APIG3": "No WAF: stage throttling bounds abuse; attach a web ACL per deployment if needed.",
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]": (
                    "The account-level API Gateway logging role uses the AWS managed push-to-logs policy."
                ),
            },
        )

        # One permission for the whole API instead of two per method (the policy size limit).
        integration = apigw.LambdaIntegration(self.function, scope_permission_to_method=False)
        # A REQUEST authorizer sees every header, so a key may come as `Authorization: Bearer …`
        # or `X-Api-Key`; uncached, since a cached policy would answer for other paths too.
        self.authorizer = apigw.RequestAuthorizer(
            self,
            "Authorizer",
            handler=self.authorizer_function,
            identity_sources=[],
            results_cache_ttl=Duration.seconds(0),
        )

        self.public_methods: list[apigw.Method] = [
            self.rest_api.root.add_method("ANY", integration),
            self.rest_api.root.add_resource("{proxy+}").add_method("ANY", integration),
        ]
        for method in self.public_methods:
            nag.acknowledge(
                method,
                {
                    "AwsSolutions-APIG4": "Public by design: RSVP and landing pages, health check, OpenAPI document.",
                    "AwsSolutions-COG4": "Public by design: no user pool, no authorizer.",
                },
            )

        self.management_methods: list[apigw.Method] = []
        for path in MANAGEMENT_PATHS:
            resource = self.rest_api.root.add_resource(path)
            for target in (resource, resource.add_resource("{proxy+}")):
                method = target.add_method("ANY", integration, authorizer=self.authorizer)
                nag.acknowledge(method, {"AwsSolutions-COG4": _NOT_COGNITO})
                self.management_methods.append(method)

    @property
    def default_base_url(self) -> str:
        """The stage URL, built from the API id alone so that any function (the API's own too) can
        be given it without a dependency cycle through the deployment."""
        return f"https://{self.rest_api.rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}/{STAGE_NAME}"
