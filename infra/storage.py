"""What the service keeps: the single DynamoDB table, the raw mail bucket (written by SES inbound),
its access-log bucket, and the link key that signs every link and token.

The table and the link key are retained when the stack is deleted, and a new stack would make
new ones; `tableName`/`tableStreamArn` and `linkKeySecretArn` (docs/deploy.md) hand it the
earlier stack's instead, so events, answers, API keys and every link already mailed live on.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from calsnack.adapters.aws.store.table import TABLE
from constructs import Construct

from infra import nag

#: Prefix SES writes raw inbound mail under (one sub-prefix per mailbox); expires after the retention.
MAIL_PREFIX = "mail/"
#: Prefix of CSV batch files (mailed to batch@ or uploaded to the API); they hold attendees'
#: addresses, so they expire too, once split into command messages long before.
BATCH_PREFIX = "batches/"
#: The table's one secondary index (API keys by domain).
INDEX_NAME = TABLE.index.name


def _string_key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


def secure_bucket(
    scope: Construct,
    construct_id: str,
    *,
    access_logs: s3.IBucket | None,
    access_log_prefix: str,
    lifecycle_rules: list[s3.LifecycleRule] | None = None,
) -> s3.Bucket:
    """A private, SSL-only, S3-encrypted bucket that logs its access to `access_logs`."""
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=access_log_prefix if access_logs else None,
        lifecycle_rules=lifecycle_rules,
        removal_policy=RemovalPolicy.RETAIN,
    )


class Storage(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        raw_mail_retention_days: int,
        batch_file_retention_days: int = 30,
        table_name: str | None = None,
        table_stream_arn: str | None = None,
        link_key_secret_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)

        self.table: dynamodb.ITable = (
            self._new_table()
            if table_name is None or table_stream_arn is None
            else dynamodb.Table.from_table_attributes(
                self,
                "Table",
                table_name=table_name,
                table_stream_arn=table_stream_arn,
                global_indexes=[INDEX_NAME],
            )
        )

        self.log_bucket = secure_bucket(
            self,
            "AccessLogBucket",
            access_logs=None,
            access_log_prefix="",
            lifecycle_rules=[s3.LifecycleRule(id="ExpireAccessLogs", expiration=Duration.days(365))],
        )

        self.mail_bucket = secure_bucket(
            self,
            "MailBucket",
            access_logs=self.log_bucket,
            access_log_prefix="mail-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireRawMail",
                    prefix=MAIL_PREFIX,
                    expiration=Duration.days(raw_mail_retention_days),
                ),
                s3.LifecycleRule(
                    id="ExpireBatchFiles",
                    prefix=BATCH_PREFIX,
                    expiration=Duration.days(batch_file_retention_days),
                ),
                s3.LifecycleRule(id="AbortUploads", abort_incomplete_multipart_upload_after=Duration.days(1)),
            ],
        )
        self.mail_bucket_policy = self._allow_ses_inbound()
        self.link_key: secretsmanager.ISecret = (
            self._new_link_key()
            if link_key_secret_arn is None
            else secretsmanager.Secret.from_secret_complete_arn(self, "LinkKey", link_key_secret_arn)
        )

    def _new_table(self) -> dynamodb.Table:
        """The table the store is written for (`calsnack.adapters.aws.store.table`), retained
        and with point-in-time recovery."""
        table = dynamodb.Table(
            self,
            "Table",
            partition_key=_string_key(TABLE.partition_key),
            sort_key=_string_key(TABLE.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=TABLE.ttl_attribute,
            stream=dynamodb.StreamViewType(TABLE.stream_view),
            removal_policy=RemovalPolicy.RETAIN,
        )
        table.add_global_secondary_index(
            index_name=TABLE.index.name,
            partition_key=_string_key(TABLE.index.partition_key),
            sort_key=_string_key(TABLE.index.sort_key),
            projection_type=dynamodb.ProjectionType.KEYS_ONLY,
        )
        return table

    def _allow_ses_inbound(self) -> s3.BucketPolicy:
        # SES inbound (receipt rule S3 actions) may write raw mail under mail/, for this account only.
        self.mail_bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowSesInboundMail",
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[self.mail_bucket.arn_for_objects(f"{MAIL_PREFIX}*")],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:receipt-rule-set/*"
                    },
                },
            )
        )
        policy = self.mail_bucket.policy
        if policy is None:  # pragma: no cover - enforce_ssl always creates it
            raise RuntimeError("the mail bucket has no bucket policy")
        # Receipt rules depend on it: SES checks it may write when a rule is created.
        return policy

    def _new_link_key(self) -> secretsmanager.Secret:
        link_key = secretsmanager.Secret(
            self,
            "LinkKey",
            description="calsnack: HMAC key that signs links and tokens",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True, include_space=False
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        nag.acknowledge(
            link_key,
            {
                "AwsSolutions-SMG4": (
                    "Rotating the link key would invalidate every link already mailed (RSVP buttons, landing "
                    "pages); it is rotated by hand, deliberately."
                )
            },
        )
        return link_key
