"""Runs the use cases in-process over any adapter set, the way the workers would, for fast flow tests."""

from __future__ import annotations

import email
import email.policy
import uuid
from email.message import EmailMessage

from calsnack.ports import OutgoingMail, QueueMessage, QueueName, Services
from calsnack.queue_messages import ApplyRows, FanOut, Message, SendDeliveries, decode
from calsnack.usecases.apply_command_rows import apply_rows, settle
from calsnack.usecases.fan_out import fan_out
from calsnack.usecases.receive_mail import receive_mail
from calsnack.usecases.send_deliveries import Sender


class RecordingQueue:
    """A queue port that keeps messages in memory, in order, per queue (FIFO semantics trivially hold)."""

    def __init__(self) -> None:
        self.messages: dict[str, list[QueueMessage]] = {QueueName.COMMANDS: [], QueueName.SENDS: []}
        #: Send requests made, empty ones included (SQS refuses an empty batch).
        self.requests = 0

    def send(self, queue: QueueName, messages: list[QueueMessage]) -> None:
        self.requests += 1
        self.messages[queue].extend(messages)

    def decoded(self, queue: QueueName) -> list[Message]:
        """The bodies queued on `queue`, in order, as the workers would read them."""
        return [decode(m.body) for m in self.messages[queue]]


class RecordingMailer:
    """A mailer port that keeps every message; `failures` maps a recipient to the error (or the
    list of errors, one per attempt, then success) the provider answers for it."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []
        self.attempts: list[str] = []
        self.failures: dict[str, Exception | list[Exception]] = {}

    def send(self, mail: OutgoingMail) -> str:
        recipient = mail.recipients[0]
        self.attempts.append(recipient)
        failure = self.failures.get(recipient)
        if isinstance(failure, list):
            if failure:
                raise failure.pop(0)
        elif failure is not None:
            raise failure
        self.sent.append(mail)
        return f"sent-{len(self.sent)}"

    def to(self, recipient: str) -> list[EmailMessage]:
        return [read_mail(m) for m in self.sent if recipient in m.recipients]


def read_mail(mail: OutgoingMail) -> EmailMessage:
    message = email.message_from_bytes(mail.raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def text_of(message: EmailMessage) -> str:
    """The plain-text body a person reads."""
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def stored_mail(
    message: EmailMessage | bytes, *, authserv_id: str, verdict: str = "pass", envelope_from: str = ""
) -> bytes:
    raw = message.as_bytes() if isinstance(message, EmailMessage) else message
    sender = envelope_from or "sender@example.test"
    domain = sender.rpartition("@")[2]
    headers = (
        f"Return-Path: <{sender}>\r\n"
        f"Authentication-Results: {authserv_id}; spf={verdict} smtp.mailfrom={sender}; dkim=none;"
        f" dmarc={verdict} header.from={domain}\r\n"
    )
    return headers.encode() + raw


def deliver(
    services: Services, route: str, message: EmailMessage | bytes, *, sender: str, verdict: str = "pass"
) -> str:
    key = f"mail/{route}/{uuid.uuid4().hex}"
    services.blobs.put(
        key,
        stored_mail(
            message, authserv_id=services.settings.authserv_id, verdict=verdict, envelope_from=sender
        ),
    )
    return receive_mail(services, key)


def drain(services: Services, queue: RecordingQueue, sender: Sender | None = None) -> int:
    """Process queued work until both queues are empty; returns the number of messages handled."""
    sender = sender or Sender.create(services)
    handled = 0
    while any(queue.messages.values()):
        for name in (QueueName.COMMANDS, QueueName.SENDS):
            pending, queue.messages[name] = queue.messages[name], []
            for m in pending:
                message = decode(m.body)
                if isinstance(message, ApplyRows):
                    settle(services, [(message, apply_rows(services, message))])
                elif isinstance(message, FanOut):
                    fan_out(services, message)
                elif isinstance(message, SendDeliveries):
                    sender.send(message)
                handled += 1
    return handled
