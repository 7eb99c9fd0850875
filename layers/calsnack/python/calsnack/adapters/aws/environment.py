"""The AWS composition: `bootstrap.services()` calls this once per Lambda container, on first use."""

from __future__ import annotations

import os
from collections.abc import Mapping

import boto3
from aws_lambda_powertools.utilities import parameters
from botocore.config import Config

from calsnack.adapters.aws.blobs import S3BlobStore
from calsnack.adapters.aws.mailer import CLIENT_CONFIG as SES_CLIENT_CONFIG
from calsnack.adapters.aws.mailer import SesMailer
from calsnack.adapters.aws.queue import SqsQueue
from calsnack.adapters.aws.store import ATTENDEE_SHARDS, DynamoStore
from calsnack.config import Settings
from calsnack.ports import QueueName, Services

#: botocore's standard retry mode (throttling and transient errors, with backoff), and enough
#: pooled connections for the store's parallel shard reads.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=ATTENDEE_SHARDS + 8
)


def link_key(secret_arn: str) -> bytes:
    """The link-signing key from Secrets Manager; Powertools caches it across invocations."""
    value = parameters.get_secret(secret_arn, max_age=3600)
    return value if isinstance(value, bytes) else value.encode()


def settings_from_environment(env: Mapping[str, str]) -> Settings:
    domain = env["MAIL_DOMAIN"]
    return Settings(
        domain=domain,
        base_url=env.get("BASE_URL") or f"https://{domain}",
        authserv_id=env.get("AUTHSERV_ID") or "amazonses.com",
        link_key=link_key(env["LINK_KEY_SECRET_ARN"]),
        batch_domains=frozenset(
            d.strip().lower() for d in env.get("BATCH_DOMAINS", "").split(",") if d.strip()
        ),
        send_rate=float(env.get("SEND_RATE") or 0),
    )


def services_from_environment() -> Services:
    """Settings and the AWS adapters from the function's environment (set by the CDK stack)."""
    env = os.environ
    session = boto3.session.Session()
    s3 = session.client("s3", config=CLIENT_CONFIG)
    analytics_bucket = env.get("ANALYTICS_BUCKET")
    return Services(
        settings=settings_from_environment(env),
        store=DynamoStore(env["TABLE_NAME"], session.client("dynamodb", config=CLIENT_CONFIG)),
        queue=SqsQueue(
            {QueueName.COMMANDS: env["COMMANDS_QUEUE_URL"], QueueName.SENDS: env["SENDS_QUEUE_URL"]},
            session.client("sqs", config=CLIENT_CONFIG),
        ),
        blobs=S3BlobStore(env["MAIL_BUCKET"], s3),
        mailer=SesMailer(session.client("sesv2", config=SES_CLIENT_CONFIG), env.get("CONFIGURATION_SET", "")),
        # Only the exporter's environment names the analytics bucket.
        analytics=S3BlobStore(analytics_bucket, s3) if analytics_bucket else None,
    )
