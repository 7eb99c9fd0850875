"""The two adapter sets the contract suite runs against: "embedded" (SQLite, files, Maildir) and "aws" (moto).

Each set comes with probes that read back what the write-only ports produced (queued
messages, sent mail), through the adapter's own receive side or the mocked service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from calsnack.adapters.aws.blobs import S3BlobStore
from calsnack.adapters.aws.mailer import SesMailer
from calsnack.adapters.aws.queue import SqsQueue
from calsnack.adapters.aws.store import DynamoStore
from calsnack.adapters.aws.store.table import TABLE as DEFINITION
from calsnack.adapters.embedded.blobs import FileBlobStore
from calsnack.adapters.embedded.mailer import MaildirMailer
from calsnack.adapters.embedded.queue import SqliteQueue
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.ical.derived import derived_calendar
from calsnack.ports import BlobStore, Mailer, QueueName, Store, WorkQueue
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

REGION = "us-east-1"
TABLE = "calsnack-contract"
#: The verified SES identity the mailer tests send from.
MAIL_DOMAIN = "snack.example"


@dataclass(frozen=True)
class Received:
    body: str
    group: str | None


@dataclass(frozen=True)
class Sent:
    raw: bytes
    recipients: frozenset[str]


@dataclass
class AdapterSet:
    store: Store
    queue: WorkQueue
    blobs: BlobStore
    mailer: Mailer
    #: Drains a queue: every message sent to it so far, in the order the queue hands them out.
    drain: Callable[[QueueName], list[Received]]
    #: Every message the mailer sent since the set was made.
    sent: Callable[[], list[Sent]]


def embedded_set(root: Path) -> AdapterSet:
    queue = SqliteQueue(root / "queue.db")
    outbox = root / "outbox"

    def drain(name: QueueName) -> list[Received]:
        out: list[Received] = []
        while batch := queue.receive(name, 10, 30.0):
            out += [Received(m.body, m.group) for m in batch]
            queue.ack([m.receipt for m in batch])
        return out

    def sent() -> list[Sent]:
        mails = []
        for path in sorted((outbox / "new").iterdir()):
            data = path.read_bytes()
            recipients = set()
            while data.startswith(b"Delivered-To: "):
                line, _, data = data.partition(b"\r\n")
                recipients.add(line.removeprefix(b"Delivered-To: ").decode())
            mails.append(Sent(data, frozenset(recipients)))
        return mails

    return AdapterSet(
        store=SqliteStore(root / "calsnack.db", derived_calendar=derived_calendar),
        queue=queue,
        blobs=FileBlobStore(root / "blobs"),
        mailer=MaildirMailer(outbox),
        drain=drain,
        sent=sent,
    )


def _key_schema(partition_key: str, sort_key: str) -> list[dict[str, str]]:
    return [
        {"AttributeName": partition_key, "KeyType": "HASH"},
        {"AttributeName": sort_key, "KeyType": "RANGE"},
    ]


def table_request() -> dict[str, Any]:
    """CreateTable's arguments for the table infra/storage.py deploys, from the one definition
    both read (`calsnack.adapters.aws.store.table`); tests/infra holds them to the template."""
    index = DEFINITION.index
    return {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"} for name in DEFINITION.key_attributes
        ],
        "KeySchema": _key_schema(DEFINITION.partition_key, DEFINITION.sort_key),
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.partition_key, index.sort_key),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": DEFINITION.stream_view},
    }


def time_to_live() -> dict[str, Any]:
    return {"Enabled": True, "AttributeName": DEFINITION.ttl_attribute}


def create_table(client) -> None:
    client.create_table(TableName=TABLE, **table_request())
    client.update_time_to_live(TableName=TABLE, TimeToLiveSpecification=time_to_live())


class AwsWorld:
    """One moto account per test module: the table is shared (tests use unique keys), while
    queues and buckets are made per test, being cheap and holding state tests read whole."""

    def __init__(self) -> None:
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.s3 = boto3.client("s3", region_name=REGION)
        self.sesv2 = boto3.client("sesv2", region_name=REGION)
        create_table(self.dynamodb)
        self.sesv2.create_email_identity(EmailIdentity=MAIL_DOMAIN)
        self.sesv2.create_configuration_set(ConfigurationSetName="calsnack")
        self.store = DynamoStore(TABLE, self.dynamodb, derived_calendar=derived_calendar)

    def adapter_set(self) -> AdapterSet:
        suffix = uuid.uuid4().hex[:12]
        commands = self.sqs.create_queue(
            QueueName=f"commands-{suffix}.fifo", Attributes={"FifoQueue": "true"}
        )["QueueUrl"]
        sends = self.sqs.create_queue(QueueName=f"sends-{suffix}")["QueueUrl"]
        urls = {QueueName.COMMANDS: commands, QueueName.SENDS: sends}
        bucket = f"mail-{suffix}"
        self.s3.create_bucket(Bucket=bucket)
        ses = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
        already_sent = len(ses.sent_messages)

        def drain(name: QueueName) -> list[Received]:
            out: list[Received] = []
            while True:
                messages = self.sqs.receive_message(
                    QueueUrl=urls[name],
                    MaxNumberOfMessages=10,
                    MessageSystemAttributeNames=["MessageGroupId"],
                ).get("Messages", [])
                if not messages:
                    return out
                out += [Received(m["Body"], m.get("Attributes", {}).get("MessageGroupId")) for m in messages]
                self.sqs.delete_message_batch(
                    QueueUrl=urls[name],
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
                    ],
                )

        def sent() -> list[Sent]:
            return [
                Sent(m.raw_data.encode(), frozenset(m.destinations)) for m in ses.sent_messages[already_sent:]
            ]

        return AdapterSet(
            store=self.store,
            queue=SqsQueue(urls, self.sqs),
            blobs=S3BlobStore(bucket, self.s3),
            mailer=SesMailer(self.sesv2, "calsnack"),
            drain=drain,
            sent=sent,
        )
