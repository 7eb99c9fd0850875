"""CalsnackStack: the whole AWS deployment, one construct per pipeline stage.

The stack only composes: it builds the stages, gives every function the same environment and does
the grants between stages, all in `__init__` below.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, CfnElement, CfnOutput, Stack
from aws_cdk import aws_dynamodb as dynamodb
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
from infra.storage import Storage

#: SES inbound prepends `Authentication-Results: amazonses.com; spf=...; dkim=...; dmarc=...`.
AUTHSERV_ID = "amazonses.com"
SERVICE_NAME = "calsnack"
#: Entry points that build the full AWS adapter set (store, queues, blobs, mailer, link key).
SERVICE_FUNCTIONS = ("inbound_mail", "command_worker", "sender", "api", "feedback")
#: The wildcard action groups `Bucket.grant_read_write` and `Bucket.grant_put` write.
BUCKET_READ_WRITE = ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*")
BUCKET_PUT = ("s3:Abort*",)


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
        alarm_email: str | None = None,
        quicksight: bool = False,
        quicksight_principal_arn: str | None = None,
        base_url: str | None = None,
        log_level: str = "INFO",
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)

        # Stages
        runtime = LambdaRuntime(self, "Runtime")
        storage = Storage(self, "Storage", raw_mail_retention_days=raw_mail_retention_days)
        sending = Sending(
            self, "Sending", runtime=runtime, domain=domain, sender_concurrency=sender_concurrency
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
                "SEND_RATE": f"{ses_max_send_rate / sender_concurrency:g}",
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "LOG_LEVEL": log_level,
            }
        )

        # Grants: the use cases choose which ports they touch, so every service function may use
        # all of them; the authorizer only reads API keys, the exporter reads events and writes analytics.
        # The stream read and the dead-letter sends come with the event sources and DLQs.
        functions = runtime.functions
        for entry in SERVICE_FUNCTIONS:
            function = functions[entry]
            storage.table.grant_read_write_data(function)
            storage.mail_bucket.grant_read_write(function)
            storage.link_key.grant_read(function)
            commands.queue.grant_send_messages(function)
            sending.queue.grant_send_messages(function)
            sending.grant_send(function)
            self._acknowledge_wildcards(
                function, table=storage.table, bucket=storage.mail_bucket, bucket_actions=BUCKET_READ_WRITE
            )
        storage.table.grant_read_data(api.authorizer_function)
        storage.link_key.grant_read(api.authorizer_function)
        self._acknowledge_wildcards(api.authorizer_function, table=storage.table)
        analytics.bucket.grant_put(analytics.function)
        # bootstrap.services() reads the link key as it starts, whichever adapters a handler uses.
        storage.link_key.grant_read(analytics.function)
        self._acknowledge_wildcards(analytics.function, bucket=analytics.bucket, bucket_actions=BUCKET_PUT)

        self.monitoring = Monitoring(
            self,
            "Monitoring",
            functions=functions,
            work_queues={"Commands": commands.queue, "Sends": sending.queue},
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

    def _acknowledge_wildcards(
        self,
        function: lambda_.Function,
        *,
        table: dynamodb.Table | None = None,
        bucket: s3.Bucket | None = None,
        bucket_actions: tuple[str, ...] = (),
    ) -> None:
        """Acknowledge, finding by finding, the wildcards the CDK grant methods above write."""
        rules: dict[str, str] = {}
        if table is not None:
            rules[f"AwsSolutions-IAM5[Resource::<{self._logical_id(table)}.Arn>/index/*]"] = (
                "The table's own secondary index (gsi1), granted with the table."
            )
        if bucket is not None:
            rules[f"AwsSolutions-IAM5[Resource::<{self._logical_id(bucket)}.Arn>/*]"] = (
                "Objects of a bucket this stack owns; keys are message ids and dates, unknown in advance."
            )
            for action in bucket_actions:
                rules[f"AwsSolutions-IAM5[Action::{action}]"] = (
                    "An action group of the CDK bucket grant, on a bucket this stack owns."
                )
        nag.acknowledge(function, rules)

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
                            "CDK's bucket-notification handler: AWS managed basic execution role for its logs."
                        ),
                    },
                )
