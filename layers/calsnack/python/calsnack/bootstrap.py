"""The composition root: the only module that builds settings and chooses adapters.

One builder per adapter set, settings included: `aws_services` from a Lambda function's
environment (as the CDK stack sets it), `embedded` over one data directory (`calsnack serve`);
a CLI command opens the one part of a data directory it needs (`embedded_store`, ...).
Nothing keeps what they build: each entry point is handed its services and keeps them.
A Lambda module exports `lambda_handler = bootstrap.lambda_entry(make_handler)`;
`calsnack serve` builds the embedded set once per process and passes it to the same
`make_handler`s; tests pass their own.

Each set's adapters are imported inside its builder, so a Lambda never loads SQLite's
adapters and `calsnack serve` never loads boto3's.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from calsnack.config import Settings
from calsnack.ports import QueueName, Services

if TYPE_CHECKING:
    from calsnack.adapters.embedded.blobs import FileBlobStore
    from calsnack.adapters.embedded.mailer import MaildirMailer
    from calsnack.adapters.embedded.queue import SqliteQueue
    from calsnack.adapters.embedded.store import SqliteStore

P = ParamSpec("P")
R = TypeVar("R")


def lambda_entry(make_handler: Callable[[Services], Callable[P, R]]) -> Callable[P, R]:
    """A Lambda module's `lambda_handler`: `make_handler` over the AWS services, built on the first call.

    Not at import: tests and `calsnack serve` import the same module for its `make_handler`
    and must not need an AWS environment for that. Lambda invokes a new execution environment
    right after its init, so the first call is the cold start; later calls reuse the handler
    and the clients, connection pools and link key its services hold.
    """
    built: list[Callable[P, R]] = []

    def lambda_handler(*args: P.args, **kwargs: P.kwargs) -> R:
        if not built:
            built.append(make_handler(aws_services(os.environ)))
        return built[0](*args, **kwargs)

    return lambda_handler


# --- AWS: DynamoDB, SQS, S3, SES v2 -------------------------------------------------------------


def aws_link_key(secret_arn: str) -> bytes:
    """The link-signing key from Secrets Manager; Powertools caches it across invocations."""
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(secret_arn, max_age=3600)
    return value if isinstance(value, bytes) else value.encode()


def aws_settings(env: Mapping[str, str]) -> Settings:
    domain = env["MAIL_DOMAIN"]
    return Settings(
        domain=domain,
        base_url=env.get("BASE_URL") or f"https://{domain}",
        authserv_id=env.get("AUTHSERV_ID") or "amazonses.com",
        link_key=aws_link_key(env["LINK_KEY_SECRET_ARN"]),
        batch_domains=frozenset(
            d.strip().lower() for d in env.get("BATCH_DOMAINS", "").split(",") if d.strip()
        ),
        send_rate=float(env.get("SEND_RATE") or 0),
    )


def aws_services(env: Mapping[str, str]) -> Services:
    """Settings and the AWS adapters from a function's environment (set by the CDK stack)."""
    import boto3
    from aws_lambda_powertools import Logger
    from botocore.config import Config

    from calsnack.adapters.aws.blobs import S3BlobStore
    from calsnack.adapters.aws.mailer import CLIENT_CONFIG as SES_CLIENT_CONFIG
    from calsnack.adapters.aws.mailer import SesMailer
    from calsnack.adapters.aws.queue import SqsQueue
    from calsnack.adapters.aws.store import ATTENDEE_SHARDS, DynamoStore
    from calsnack.ical.derived import derived_calendar

    # botocore's standard retry mode (throttling and transient errors, with backoff), and enough
    # pooled connections for the store's parallel shard reads.
    config = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=ATTENDEE_SHARDS + 8)
    session = boto3.session.Session()
    s3 = session.client("s3", config=config)
    analytics_bucket = env.get("ANALYTICS_BUCKET")
    return Services(
        settings=aws_settings(env),
        store=DynamoStore(
            env["TABLE_NAME"], session.client("dynamodb", config=config), derived_calendar=derived_calendar
        ),
        queue=SqsQueue(
            {QueueName.COMMANDS: env["COMMANDS_QUEUE_URL"], QueueName.SENDS: env["SENDS_QUEUE_URL"]},
            session.client("sqs", config=config),
        ),
        blobs=S3BlobStore(env["MAIL_BUCKET"], s3),
        mailer=SesMailer(session.client("sesv2", config=SES_CLIENT_CONFIG), env.get("CONFIGURATION_SET", "")),
        # Only the exporter's environment names the analytics bucket.
        analytics=S3BlobStore(analytics_bucket, s3) if analytics_bucket else None,
        # Under the service's logger, which the handler's Logger formats (JSON, with the invocation).
        log=Logger(child=True),
    )


# --- Embedded: SQLite, files, a Maildir outbox ---------------------------------------------------


@dataclass
class EmbeddedServices(Services):
    """The one-machine set, typed as what it is: `calsnack serve` runs its queue's workers and
    its SMTP server writes the blob store's files, so they need the adapters, not the ports."""

    store: SqliteStore
    queue: SqliteQueue
    blobs: FileBlobStore
    mailer: MaildirMailer


LINK_KEY = "link.key"


def link_key(data_dir: Path) -> bytes:
    """Generated once per data directory, so links stay valid across restarts."""
    path = data_dir / LINK_KEY
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return path.read_bytes()


def embedded_settings(data_dir: Path, *, domain: str, base_url: str, authserv_id: str) -> Settings:
    return Settings(
        domain=domain.lower(),
        base_url=base_url.rstrip("/"),
        authserv_id=authserv_id,
        link_key=link_key(data_dir),
    )


#: What a data directory holds: `embedded` opens it all, a CLI command the part it needs.
DATABASE, QUEUE, BLOBS, OUTBOX = "calsnack.db", "queue.db", "blobs", "outbox"


def embedded_store(data_dir: Path) -> SqliteStore:
    from calsnack.adapters.embedded.store import SqliteStore
    from calsnack.ical.derived import derived_calendar

    return SqliteStore(data_dir / DATABASE, derived_calendar=derived_calendar)


def embedded_queue(data_dir: Path) -> SqliteQueue:
    from calsnack.adapters.embedded.queue import SqliteQueue

    return SqliteQueue(data_dir / QUEUE)


def folder_blobs(folder: Path) -> FileBlobStore:
    """Blobs as files under `folder`: a data directory's, or `calsnack export`'s output folder."""
    from calsnack.adapters.embedded.blobs import FileBlobStore

    return FileBlobStore(folder)


def embedded(
    data_dir: Path, settings: Settings, *, smarthost: tuple[str, int] | None = None
) -> EmbeddedServices:
    """The one-machine set: SQLite store and queue, files for blobs, a Maildir outbox."""
    from calsnack.adapters.embedded.mailer import MaildirMailer

    data_dir.mkdir(parents=True, exist_ok=True)
    return EmbeddedServices(
        settings=settings,
        store=embedded_store(data_dir),
        queue=embedded_queue(data_dir),
        blobs=folder_blobs(data_dir / BLOBS),
        mailer=MaildirMailer(data_dir / OUTBOX, smarthost=smarthost),
    )
