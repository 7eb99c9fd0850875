"""What the service keeps: the single DynamoDB table, the raw mail bucket (written by SES inbound),
its access-log bucket, and the link key that signs every link and token."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import nag

#: Prefix SES writes raw inbound mail under (one sub-prefix per mailbox); expires after the retention.
MAIL_PREFIX = "mail/"


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
    def __init__(self, scope: Construct, construct_id: str, *, raw_mail_retention_days: int) -> None:
        super().__init__(scope, construct_id)

        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute="ttl",
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # gsi1: a domain's API keys. Events need no index: their keys are laid out by domain
        # and event id (docs/data-model.md), so no event of a batch writes one.
        self.table.add_global_secondary_index(
            index_name="gsi1",
            partition_key=dynamodb.Attribute(name="gsi1pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="gsi1sk", type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.KEYS_ONLY,
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
                s3.LifecycleRule(id="AbortUploads", abort_incomplete_multipart_upload_after=Duration.days(1)),
            ],
        )
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
        #: Receipt rules depend on it: SES checks it may write when a rule is created.
        self.mail_bucket_policy: s3.BucketPolicy = policy

        self.link_key = secretsmanager.Secret(
            self,
            "LinkKey",
            description="calsnack: HMAC key that signs links and tokens",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True, include_space=False
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        nag.acknowledge(
            self.link_key,
            {
                "AwsSolutions-SMG4": (
                    "Rotating the link key would invalidate every link already mailed (RSVP buttons, landing "
                    "pages); it is rotated by hand, deliberately."
                )
            },
        )
