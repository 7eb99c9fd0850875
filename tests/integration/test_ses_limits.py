"""The real sender handler at SES's limits, SES errors injected with botocore's Stubber: rate
throttling is retried with backoff, and an account that cannot send (daily quota, paused,
suspended, ...) stops the sender without a busy loop and without writing anyone off."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from calsnack.usecases.send_deliveries import BACKOFF, THROTTLE_RETRIES

import lambdas.sender.handler as sender_handler
from tests.contract.adapter_sets import MAIL_DOMAIN, REGION
from tests.integration.sender_world import Account, moto_account, queue_invitations, sender_world
from tests.lambda_runtime import template_limits


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    with moto_account() as account:
        yield account


@pytest.fixture
def ses() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("sesv2", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        yield client, stub


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The sender's metrics, summed by name."""
    seen: Counter[str] = Counter()

    def add_metric(*, name: str, unit: Any, value: float) -> None:
        seen[name] += int(value)

    monkeypatch.setattr(sender_handler.metrics, "add_metric", add_metric)
    return seen


def sent(stub: Stubber, count: int) -> None:
    for n in range(count):
        stub.add_response("send_email", {"MessageId": f"ses-{n}"})


def refused(stub: Stubber, code: str, message: str, status: int = 400) -> None:
    stub.add_client_error(
        "send_email", service_error_code=code, service_message=message, http_status_code=status
    )


STOPPING = [
    ("LimitExceededException", "Daily message quota exceeded."),
    ("ThrottlingException", "Daily message quota exceeded."),
    ("SendingPausedException", "Sending is paused for this account."),
    ("AccountSuspendedException", "The account has been suspended."),
    ("MailFromDomainNotVerifiedException", "The MAIL FROM domain is not verified."),
    (
        "MessageRejected",
        "Email address is not verified. The following identities failed the check in region "
        f"US-EAST-1: {MAIL_DOMAIN}",
    ),
]


@pytest.mark.parametrize(("code", "message"), STOPPING)
def test_an_account_that_cannot_send_keeps_its_work_queued_and_is_not_hammered(
    account: Account,
    tmp_path: Path,
    ses: tuple[Any, Stubber],
    published: Counter[str],
    code: str,
    message: str,
) -> None:
    client, stub = ses
    limits = template_limits()["sender"]
    services, mailer, source, clock = sender_world(account, tmp_path, limits, ses=client)
    handler = sender_handler.make_handler(services)
    key, emails = queue_invitations(services, 10)

    sent(stub, 3)
    refused(stub, code, message)
    assert source.run_once(handler, clock)
    (first,) = source.invocations
    # The three that went out are recorded; the message failed and stays on the queue.
    invited = services.store.get_attendees(key, emails)
    assert sorted(invited) == emails[:3]
    assert first.error is not None and published[sender_handler.SENDING_STOPPED_METRIC] == 1

    # SES still refuses: each receive costs one call, not a loop, until the receive limit
    # rests the message in the dead-letter queue (an operator redrives it once SES sends again).
    for _ in range(source.max_receives - 1):
        refused(stub, code, message)
    source.drain(handler, clock)
    assert mailer.calls == 3 + source.max_receives
    assert len(source.dead_letters) == 1
    assert published[sender_handler.SENDING_STOPPED_METRIC] == source.max_receives
    stub.assert_no_pending_responses()

    # Redriven after SES allows sending again: only the seven left go out.
    account.sqs.send_message(QueueUrl=source.queue_url, MessageBody=source.dead_letters.pop())
    sent(stub, 7)
    source.drain(handler, clock)
    stub.assert_no_pending_responses()
    assert sorted(services.store.get_attendees(key, emails)) == emails
    assert not source.dead_letters


def test_rate_throttling_backs_off_then_requeues_the_rest_without_using_up_receives(
    account: Account, tmp_path: Path, ses: tuple[Any, Stubber], published: Counter[str]
) -> None:
    client, stub = ses
    limits = template_limits()["sender"]
    services, _, source, clock = sender_world(account, tmp_path, limits, ses=client)
    handler = sender_handler.make_handler(services)
    key, emails = queue_invitations(services, 6)

    sent(stub, 2)
    for _ in range(THROTTLE_RETRIES + 1):
        refused(stub, "TooManyRequestsException", "Maximum sending rate exceeded.", 429)
    start = clock.monotonic()
    source.run_once(handler, clock)
    (throttled,) = source.invocations
    # Backed off in place, 50 ms doubling, then gave the rest back as a new message.
    backoff = sum(BACKOFF * 2**n for n in range(THROTTLE_RETRIES))
    assert clock.monotonic() - start >= backoff
    assert throttled.error is None and throttled.result == {"batchItemFailures": []}
    assert sorted(services.store.get_attendees(key, emails)) == emails[:2]

    sent(stub, 4)
    source.drain(handler, clock)
    stub.assert_no_pending_responses()
    assert sorted(services.store.get_attendees(key, emails)) == emails
    assert source.dead_letters == []
    assert published[sender_handler.SENDING_STOPPED_METRIC] == 0
    assert all(r.error is None for r in source.invocations)
