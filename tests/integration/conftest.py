"""Flow tests: the Lambda handlers fed real-shaped events, over both adapter sets (moto for AWS)."""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from calsnack.config import Settings
from calsnack.ports import QueueName, Services
from calsnack.serve.lambda_events import LambdaContext, s3_put_event
from calsnack.serve.options import quiet_powertools
from moto import mock_aws

from tests.contract.adapter_sets import MAIL_DOMAIN, AdapterSet, AwsWorld, embedded_set
from tests.harness import stored_mail


@dataclass
class World:
    """One running calsnack: the services its handlers are built over, plus probes."""

    name: str
    services: Services
    adapters: AdapterSet

    @property
    def domain(self) -> str:
        return self.services.settings.domain

    def deliver(
        self, route: str, message: EmailMessage | bytes, *, sender: str, verdict: str = "pass"
    ) -> Any:
        from lambdas.inbound_mail.handler import make_handler

        key = f"mail/{route}/{uuid.uuid4().hex}"
        raw = stored_mail(
            message, authserv_id=self.services.settings.authserv_id, verdict=verdict, envelope_from=sender
        )
        self.services.blobs.put(key, raw)
        return make_handler(self.services)(s3_put_event("mail", key, len(raw)), LambdaContext("inbound-mail"))

    def pump(self) -> int:
        """Run the command worker and the sender over SQS-shaped batches until both queues are empty."""
        from calsnack.adapters.embedded.queue import Received
        from calsnack.serve.lambda_events import sqs_event

        from lambdas.command_worker.handler import make_handler as command_worker
        from lambdas.sender.handler import make_handler as sending

        commands, sender = command_worker(self.services), sending(self.services)

        handled = 0
        while True:
            progressed = False
            for name, handler, fifo in (
                (QueueName.COMMANDS, commands, True),
                (QueueName.SENDS, sender, False),
            ):
                messages = self.adapters.drain(name)
                for i in range(0, len(messages), 10):
                    batch = [
                        Received(str(n), str(n), m.body, m.group, 1, 0.0)
                        for n, m in enumerate(messages[i : i + 10], start=i)
                    ]
                    response = handler(sqs_event(str(name), batch, fifo=fifo), LambdaContext(str(name)))
                    assert response["batchItemFailures"] == [], response
                    handled += len(batch)
                    progressed = True
            if not progressed:
                return handled

    def outbox(self) -> list[tuple[frozenset[str], EmailMessage]]:
        out = []
        for s in self.adapters.sent():
            msg = email.message_from_bytes(s.raw, policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            out.append((s.recipients, msg))
        return out

    def mails_to(self, rcpt: str) -> list[EmailMessage]:
        return [m for r, m in self.outbox() if rcpt in r]


@pytest.fixture(scope="module")
def aws_world() -> Iterator[AwsWorld]:
    with mock_aws():
        yield AwsWorld()


@pytest.fixture(params=["embedded", "aws"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> World:
    quiet_powertools()
    if request.param == "embedded":
        adapters = embedded_set(tmp_path)
    else:
        adapters = request.getfixturevalue("aws_world").adapter_set()
    settings = Settings(
        domain=MAIL_DOMAIN,
        base_url="https://calsnack.test",
        authserv_id="amazonses.com",
        link_key=b"integration-key-" * 2,
    )
    services = Services(
        settings=settings,
        store=adapters.store,
        queue=adapters.queue,
        blobs=adapters.blobs,
        mailer=adapters.mailer,
    )
    return World(request.param, services, adapters)
