"""CalsnackStack: the whole AWS deployment, one construct per pipeline stage.

The stack only composes: it builds the stages, gives every function the same environment and does
the grants between stages, all in `__init__` below.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, CfnElement, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import nag
from infra.analytics import Analytics
from infra.api import Api
from infra.commands import Commands
from infra.functions import LambdaRuntime
from infra.inbound_mail import InboundMail
from infra.monitoring import METRICS_NAMESPACE, Monitoring
from infra.sending import Sending
from infra.storage import BATCH_PREFIX, INDEX_NAME, MAIL_PREFIX, Storage

#: SES inbound prepends `Authentication-Results: amazonses.com; spf=...; dkim=...; dmarc=...`.
AUTHSERV_ID = "amazonses.com"
SERVICE_NAME = "calsnack"
#: Entry points that build the full AWS adapter set (store, queues, blobs, mailer, link key).
SERVICE_FUNCTIONS = ("inbound_mail", "command_worker", "sender", "api", "feedback")
#: What DynamoStore calls (adapters/aws/store/); TransactWriteItems is authorized per action
#: (PutItem, UpdateItem), so it needs no action of its own.
TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:BatchWriteItem",
)
#: Mail-bucket objects each function reads and writes: inbound mail reads what SES stored and
#: keeps a mailed CSV; the API keeps an uploaded one; both split a CSV they kept.
BUCKET_ACCESS: dict[str, dict[str, tuple[str, ...]]] = {
    "inbound_mail": {
        MAIL_PREFIX: ("s3:GetObject",),
        BATCH_PREFIX: ("s3:GetObject", "s3:PutObject"),
    },
    "api": {BATCH_PREFIX: ("s3:GetObject", "s3:PutObject")},
}


class CalsnackStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain: str,
        ses_max_send_rate: float,
        sender_concurrency: int,
        raw_mail_retention_days: int,
        batch_file_retention_days: int = 30,
        table_name: str | None = None,
        table_stream_arn: str | None = None,
        link_key_secret_arn: str | None = None,
        glue_database: str = "calsnack",
        athena_workgroup: str = "calsnack",
        unbundled_layer: bool = False,
        ses_sandbox: bool = False,
        alarm_email: str | None = None,
        quicksight: bool = False,
        quicksight_principal_arn: str | None = None,
        base_url: str | None = None,
        log_level: str = "INFO",
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)

        # Stages
        runtime = LambdaRuntime(self, "Runtime", unbundled_layer=unbundled_layer)
        storage = Storage(
            self,
            "Storage",
            raw_mail_retention_days=raw_mail_retention_days,
            batch_file_retention_days=batch_file_retention_days,
            table_name=table_name,
            table_stream_arn=table_stream_arn,
            link_key_secret_arn=link_key_secret_arn,
        )
        sending = Sending(
            self,
            "Sending",
            runtime=runtime,
            domain=domain,
            send_rate=ses_max_send_rate / sender_concurrency,
            sender_concurrency=sender_concurrency,
            ses_sandbox=ses_sandbox,
        )
        commands = Commands(self, "Commands", runtime=runtime)
        inbound = InboundMail(
            self,
            "InboundMail",
            runtime=runtime,
            domain=domain,
            mail_bucket=storage.mail_bucket,
            mail_bucket_policy=storage.mail_bucket_policy,
        )
        api = Api(self, "Api", runtime=runtime)
        analytics = Analytics(
            self,
            "Analytics",
            runtime=runtime,
            table=storage.table,
            access_logs=storage.log_bucket,
            database_name=glue_database,
            workgroup_name=athena_workgroup,
            quicksight_enabled=quicksight,
            quicksight_principal_arn=quicksight_principal_arn,
        )
        self.runtime = runtime
        self.storage = storage
        self.sending = sending
        self.commands = commands
        self.inbound = inbound
        self.api = api
        self.analytics = analytics

        # One environment for every function: each handler's bootstrap builds the same adapters.
        self.base_url = base_url or api.default_base_url
        runtime.add_environment(
            {
                "TABLE_NAME": storage.table.table_name,
                "MAIL_BUCKET": storage.mail_bucket.bucket_name,
                "COMMANDS_QUEUE_URL": commands.queue.queue_url,
                "SENDS_QUEUE_URL": sending.queue.queue_url,
                "MAIL_DOMAIN": domain,
                "BASE_URL": self.base_url,
                "AUTHSERV_ID": AUTHSERV_ID,
                "LINK_KEY_SECRET_ARN": storage.link_key.secret_arn,
                "CONFIGURATION_SET": sending.configuration_set.configuration_set_name,
                "SEND_RATE": f"{sending.send_rate:g}",
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "LOG_LEVEL": log_level,
            }
        )

        # Grants: exactly the calls each function's adapters make (docs/deploy.md, "What each function may do"). The store
        # never scans (only `calsnack export`, run by an operator, does) and never deletes (items
        # expire by TTL); the mail bucket is read and written, never listed or emptied, and only
        # by the two functions that take files in. The stream read and the dead-letter sends
        # come with the event sources and DLQs.
        functions = runtime.functions
        for entry in SERVICE_FUNCTIONS:
            function = functions[entry]
            function.add_to_role_policy(
                iam.PolicyStatement(actions=list(TABLE_ACTIONS), resources=[storage.table.table_arn])
            )
            storage.link_key.grant_read(function)
            commands.queue.grant_send_messages(function)
            sending.queue.grant_send_messages(function)
            sending.grant_send(function)
        # API keys by domain: the management API lists them (the one query of the index).
        functions["api"].add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"], resources=[f"{storage.table.table_arn}/index/{INDEX_NAME}"]
            )
        )
        for entry, prefixes in BUCKET_ACCESS.items():
            self._grant_objects(functions[entry], storage.mail_bucket, prefixes)
        # The authorizer only looks an API key up by its hash.
        api.authorizer_function.add_to_role_policy(
            iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[storage.table.table_arn])
        )
        storage.link_key.grant_read(api.authorizer_function)
        analytics.function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[analytics.bucket.arn_for_objects("*")])
        )
        # bootstrap.services() reads the link key as it starts, whichever adapters a handler uses.
        storage.link_key.grant_read(analytics.function)
        nag.acknowledge(
            analytics.function,
            {
                f"AwsSolutions-IAM5[Resource::<{self._logical_id(analytics.bucket)}.Arn>/*]": (
                    "Write-only, to a bucket that holds nothing but the exporter's files, whose keys carry "
                    "the day and a random name and so cannot be listed in advance."
                )
            },
        )

        self.monitoring = Monitoring(
            self,
            "Monitoring",
            functions=functions,
            work_queues={
                "Commands": commands.queue,
                "Sends": sending.queue,
                "Feedback": sending.feedback_queue,
            },
            dead_letter_queues={
                "Commands": commands.dead_letter_queue,
                "Sends": sending.dead_letter_queue,
                "InboundMail": inbound.dead_letter_queue,
                "Feedback": sending.feedback_dead_letter_queue,
                "Exporter": analytics.dead_letter_queue,
            },
            rest_api=api.rest_api,
            alarm_email=alarm_email,
        )

        self._acknowledge_custom_resources()

        # What an operator needs after `cdk deploy` (see docs/deploy.md).
        CfnOutput(self, "ApiUrl", value=api.rest_api.url, description="The API stage URL")
        CfnOutput(self, "BaseUrl", value=self.base_url, description="Prefix of every link in mails and pages")
        CfnOutput(
            self,
            "MxRecord",
            value=f"10 inbound-smtp.{Aws.REGION}.amazonaws.com",
            description=f"MX record to publish for {domain}",
        )
        CfnOutput(
            self,
            "ReceiptRuleSetName",
            value=inbound.rule_set.receipt_rule_set_name,
            description="Activate with: aws ses set-active-receipt-rule-set --rule-set-name <this>",
        )
        CfnOutput(self, "ConfigurationSetName", value=sending.configuration_set.configuration_set_name)
        CfnOutput(self, "TableName", value=storage.table.table_name)
        CfnOutput(self, "MailBucketName", value=storage.mail_bucket.bucket_name)
        CfnOutput(self, "AnalyticsBucketName", value=analytics.bucket.bucket_name)
        CfnOutput(self, "AthenaResultsBucketName", value=analytics.results_bucket.bucket_name)
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.alarm_topic.topic_arn)
        for number, (name, value) in enumerate(
            (
                (sending.identity.dkim_dns_token_name1, sending.identity.dkim_dns_token_value1),
                (sending.identity.dkim_dns_token_name2, sending.identity.dkim_dns_token_value2),
                (sending.identity.dkim_dns_token_name3, sending.identity.dkim_dns_token_value3),
            ),
            start=1,
        ):
            CfnOutput(
                self,
                f"DkimRecord{number}",
                value=f"{name} CNAME {value}",
                description=f"DKIM CNAME record {number} for {domain}",
            )

    def _grant_objects(
        self, function: lambda_.Function, bucket: s3.Bucket, prefixes: dict[str, tuple[str, ...]]
    ) -> None:
        """These object actions under these prefixes: nothing of the bucket itself, nothing else."""
        for prefix, actions in prefixes.items():
            function.add_to_role_policy(
                iam.PolicyStatement(actions=list(actions), resources=[bucket.arn_for_objects(f"{prefix}*")])
            )
            nag.acknowledge(
                function,
                {
                    f"AwsSolutions-IAM5[Resource::<{self._logical_id(bucket)}.Arn>/{prefix}*]": (
                        f"Object keys under {prefix} are SES message ids and batch ids, made as mail "
                        "arrives, so they cannot be named in advance; the grant stops at that prefix."
                    )
                },
            )

    def _logical_id(self, construct: Construct) -> str:
        resource = construct.node.default_child
        if not isinstance(resource, CfnElement):
            raise TypeError(f"{construct.node.path} has no CloudFormation resource")
        return self.get_logical_id(resource)

    def _acknowledge_custom_resources(self) -> None:
        """The S3 notification handler CDK adds for the mail bucket's Lambda trigger."""
        for child in self.node.children:
            if child.node.id.startswith("BucketNotificationsHandler"):
                nag.acknowledge(
                    child,
                    {
                        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]": (
                            "CDK's own bucket-notification handler, run only while the stack deploys: the "
                            "managed policy lets it write its logs and nothing else."
                        ),
                    },
                )
