"""The real sender handler's world for the Lambda-limit tests: moto's SQS, DynamoDB and SES, with
the pacer, the backoff and the context's remaining time on one fake clock (tests.lambda_runtime)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from calsnack.adapters.aws.mailer import SesMailer
from calsnack.adapters.aws.queue import SqsQueue
from calsnack.adapters.aws.store import DynamoStore
from calsnack.adapters.embedded.blobs import FileBlobStore
from calsnack.config import Settings
from calsnack.domain.model import Delivery, Method
from calsnack.ical.derived import derived_calendar
from calsnack.ports import OutgoingMail, QueueName, Services, Throttled
from calsnack.serve.options import quiet_powertools
from calsnack.usecases.enqueue import enqueue_deliveries
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from tests.contract.adapter_sets import MAIL_DOMAIN, REGION, TABLE, create_table
from tests.contract.builders import calendar_of, make_event, unique
from tests.lambda_runtime import FakeClock, Limits, SqsEventSource, guarded

#: What one SES SendEmail call takes (p99 is well under this in a region near the function).
SES_LATENCY = 0.08


@dataclass
class SlowSes:
    """The SES mailer, taking `SES_LATENCY` of the fake clock a call, throttling every `throttle_every`th."""

    inner: SesMailer
    clock: FakeClock
    throttle_every: int = 0
    calls: int = 0

    def send(self, mail: OutgoingMail) -> str:
        self.calls += 1
        self.clock.advance(SES_LATENCY)
        if self.throttle_every and self.calls % self.throttle_every == 0:
            raise Throttled("SES TooManyRequestsException: Maximum sending rate exceeded.")
        return self.inner.send(mail)


@dataclass
class Account:
    sqs: Any
    dynamodb: Any
    sesv2: Any


@contextmanager
def moto_account() -> Iterator[Account]:
    """A mocked account with the table, the SES identity and the configuration set."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        sesv2 = boto3.client("sesv2", region_name=REGION)
        create_table(dynamodb)
        sesv2.create_email_identity(EmailIdentity=MAIL_DOMAIN)
        sesv2.create_configuration_set(ConfigurationSetName="calsnack")
        yield Account(boto3.client("sqs", region_name=REGION), dynamodb, sesv2)


def sender_world(
    account: Account, tmp_path: Path, limits: Limits, *, throttle_every: int = 0, ses: Any = None
) -> tuple[Services, SlowSes, SqsEventSource, FakeClock]:
    """Services for the real sender handler on a fresh sends queue, all on one fake clock;
    `ses` replaces moto's SES client (a botocore Stubber's, to inject SES errors)."""
    quiet_powertools()
    clock = FakeClock()
    url = account.sqs.create_queue(QueueName=unique("sends-"))["QueueUrl"]
    mailer = SlowSes(SesMailer(ses or account.sesv2, "calsnack"), clock, throttle_every)
    services = Services(
        settings=Settings(
            domain=MAIL_DOMAIN,
            base_url="https://calsnack.test",
            authserv_id="amazonses.com",
            link_key=b"budget-key-" * 3,
            send_rate=float(limits.environment["SEND_RATE"]),
        ),
        store=guarded(DynamoStore(TABLE, account.dynamodb, derived_calendar=derived_calendar), clock),
        queue=guarded(SqsQueue({QueueName.SENDS: url, QueueName.COMMANDS: url}, account.sqs), clock),
        blobs=FileBlobStore(tmp_path / "blobs"),
        mailer=guarded(mailer, clock),
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    return services, mailer, SqsEventSource(account.sqs, url, limits), clock


def queue_invitations(services: Services, count: int) -> tuple[str, list[str]]:
    """`count` invitations to one event, packed as the service packs them: its key, the addresses."""
    tag = unique()
    plain = make_event(f"olga@{tag}.test", f"budget-{tag}", sequence=0, version=0)
    calendar = calendar_of(plain, start=plain.start.replace(tzinfo=None), end=plain.end.replace(tzinfo=None))
    event = services.store.put_event(plain.revised(calendar=calendar))
    emails = [f"guest{n:05d}@{tag}.test" for n in range(count)]
    deliveries = [Delivery(event.key, e, event.sequence, Method.REQUEST) for e in emails]
    enqueue_deliveries(services, deliveries, chunk=f"budget:{tag}")
    return event.key, emails


def sent_to(emails: list[str]) -> Counter[str]:
    wanted = set(emails)
    # moto lists a raw message's envelope recipients and its To header's: one count per message.
    return Counter(
        d
        for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
        for d in set(m.destinations)
        if d in wanted
    )
