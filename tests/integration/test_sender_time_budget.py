"""The real sender handler under Lambda's clock: invocations keep to the template's timeout at the
configured send rate, and every invitation goes out exactly once however the work is cut.

moto serves SQS, DynamoDB and SES; the pacer, the backoff and the context's remaining time run
on one fake clock, and each SES call takes `SES_LATENCY` of it (tests/integration/sender_world.py).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Duration
from calsnack.usecases.enqueue import DELIVERIES_PER_MESSAGE
from calsnack.usecases.send_deliveries import START_MINIMUM

from infra.sending import sender_batch_size
from lambdas.sender.handler import make_handler
from tests.integration.sender_world import Account, moto_account, queue_invitations, sender_world, sent_to
from tests.lambda_runtime import FakeClock, Limits, SqsEventSource, template_limits


@pytest.fixture(scope="module")
def account() -> Iterator[Account]:
    with moto_account() as account:
        yield account


def run(source: SqsEventSource, clock: FakeClock, handler: Callable[[Any, Any], Any]) -> None:
    source.drain(handler, clock)


def assert_kept_to_the_budget(source: SqsEventSource, limits: Limits) -> None:
    killed = [r for r in source.invocations if r.killed]
    assert not killed, f"{len(killed)} of {len(source.invocations)} invocations ran past {limits.timeout} s"
    assert max(r.elapsed for r in source.invocations) <= limits.timeout
    assert source.dead_letters == []


def test_the_template_rate_fills_each_invocation_and_sends_everything_once(
    account: Account, tmp_path: Path
) -> None:
    limits = template_limits()["sender"]
    services, _, source, clock = sender_world(account, tmp_path, limits)
    handler = make_handler(services)
    _, emails = queue_invitations(services, 2 * DELIVERIES_PER_MESSAGE)
    run(source, clock, handler)

    assert_kept_to_the_budget(source, limits)
    assert sent_to(emails) == Counter(dict.fromkeys(emails, 1))
    # The configured rate is reached: the pacer, not the budget, set the pace.
    rate = float(limits.environment["SEND_RATE"])
    busy = sum(r.elapsed for r in source.invocations)
    assert len(emails) / busy == pytest.approx(rate, rel=0.05)


def test_the_sandbox_rate_cuts_a_message_over_invocations_and_loses_nothing(
    account: Account, tmp_path: Path
) -> None:
    # The sandbox allows 1 message a second; two senders get 0.5/s each, so one message of
    # 200 invitations needs 400 s, far past the timeout.
    deployed = template_limits()["sender"]
    rate = 1 / 2
    limits = dataclasses.replace(
        deployed,
        batch_size=sender_batch_size(rate, Duration.seconds(deployed.timeout)),
        environment={**deployed.environment, "SEND_RATE": str(rate)},
    )
    services, _, source, clock = sender_world(account, tmp_path, limits)
    handler = make_handler(services)
    key, emails = queue_invitations(services, DELIVERIES_PER_MESSAGE)
    run(source, clock, handler)

    assert_kept_to_the_budget(source, limits)
    assert sent_to(emails) == Counter(dict.fromkeys(emails, 1))
    assert len(source.invocations) >= len(emails) / (rate * deployed.timeout)
    # Every cut recorded what went out before it: the store knows all of them as invited.
    invited = services.store.get_attendees(key, emails)
    assert {e: a.invited_sequence for e, a in invited.items()} == dict.fromkeys(emails, 0)


def test_throttling_and_the_deadline_together_send_everything_once(account: Account, tmp_path: Path) -> None:
    limits = template_limits()["sender"]
    services, _, source, clock = sender_world(account, tmp_path, limits, throttle_every=7)
    handler = make_handler(services)
    _, emails = queue_invitations(services, DELIVERIES_PER_MESSAGE)
    run(source, clock, handler)

    assert_kept_to_the_budget(source, limits)
    assert sent_to(emails) == Counter(dict.fromkeys(emails, 1))


def peek(account: Account, url: str) -> list[str]:
    """The bodies on the queue, left visible."""
    messages = account.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return sorted(m["Body"] for m in messages.get("Messages", []))


def test_a_message_begun_too_late_goes_back_untouched(account: Account, tmp_path: Path) -> None:
    deployed = template_limits()["sender"]
    # An invocation with less left than one send and the finishing margin need.
    late = dataclasses.replace(deployed, timeout=START_MINIMUM - 1, batch_size=2)
    services, mailer, source, clock = sender_world(account, tmp_path, late)
    handler = make_handler(services)
    _, emails = queue_invitations(services, 2 * DELIVERIES_PER_MESSAGE)
    queued = peek(account, source.queue_url)
    assert len(queued) == 2
    assert source.run_once(handler, clock)
    (report,) = source.invocations
    assert not report.killed and report.result == {"batchItemFailures": []}
    assert mailer.calls == 0
    # Both bodies are back on the queue as they came (not re-cut), as new messages.
    assert peek(account, source.queue_url) == queued
    source.limits = deployed
    run(source, clock, handler)
    assert_kept_to_the_budget(source, deployed)
    assert sent_to(emails) == Counter(dict.fromkeys(emails, 1))
