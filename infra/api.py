"""The HTTP API: a REST API proxying every path to the API function.

Public: `/` and `/{proxy+}` (the home page `/`, the Swagger UI `/docs`, landing pages `/e/...`,
`/healthz`, `/openapi.json`, `/dashboard...`).
Management, behind the Lambda REQUEST authorizer: `/batches`, `/reports`, `/apikeys` and
everything below them (`/batches/{id}`, `/reports/...`).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from infra.functions import LambdaRuntime

STAGE_NAME = "prod"
MANAGEMENT_PATHS = ("batches", "reports", "apikeys")


@dataclass(frozen=True, slots=True)
class Throttle:
    #: Requests a second, on average, and the most at once (API Gateway's token bucket).
    rate: int
    burst: int


#: Public pages (RSVP buttons, landing pages): every invitation's links lead here, so a large
#: batch sent at once brings bursts of clicks. The stage default, which the two public methods get.
PUBLIC_THROTTLE = Throttle(rate=100, burst=200)
#: Each management method (batches, reports, API keys) has a bucket of its own, so a crowd on
#: the public pages cannot use up the management calls' share, nor a busy client the pages'.
MANAGEMENT_THROTTLE = Throttle(rate=20, burst=40)

_NOT_COGNITO = (
    "Management clients are scripts of the sending domain, not people: they present a calsnack API "
    "key, which the REQUEST authorizer checks (hash lookup, revocation) on every call."
)


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
                throttling_rate_limit=PUBLIC_THROTTLE.rate,
                throttling_burst_limit=PUBLIC_THROTTLE.burst,
                method_options={
                    f"/{path}/*": apigw.MethodDeploymentOptions(
                        throttling_rate_limit=MANAGEMENT_THROTTLE.rate,
                        throttling_burst_limit=MANAGEMENT_THROTTLE.burst,
                        logging_level=apigw.MethodLoggingLevel.ERROR,
                    )
                    for path in (*MANAGEMENT_PATHS, *(f"{p}/{{proxy+}}" for p in MANAGEMENT_PATHS))
                },
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
                    "Every route is a Lambda proxy to one function whose Pydantic models validate each "
                    "request and answer 422 with the field at fault; a gateway validator would check the "
                    "same thing twice and answer with a less precise error."
                ),
                "AwsSolutions-APIG3": (
                    "A web ACL costs per rule and per request whatever the traffic; the per-method throttles "
                    "already cap what one crowd can cost, and every page is a signed link that a "
                    "rule could not tell from a legitimate click. Attach one per deployment if required."
                ),
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]": (
                    "API Gateway's account-level logging role may write any of the account's API logs by "
                    "design; AWS keeps this managed policy in step with the log groups API Gateway creates."
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
                    "AwsSolutions-APIG4": (
                        "Attendees open these pages from their mail without an account; each page checks "
                        "the HMAC signature of its link (or serves nothing personal: health, OpenAPI)."
                    ),
                    "AwsSolutions-COG4": (
                        "Attendees have no user pool accounts: the signed link is the credential."
                    ),
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
