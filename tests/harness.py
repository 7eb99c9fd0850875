"""Runs the use cases in-process over any adapter set, the way the workers would, for fast flow tests."""

from __future__ import annotations

import uuid
from email.message import EmailMessage

from calsnack.messages import ApplyRows, FanOut, SendDeliveries, decode
from calsnack.ports import QueueMessage, QueueName, Services
from calsnack.usecases.apply_command_rows import apply_rows, settle
from calsnack.usecases.fan_out import fan_out
from calsnack.usecases.receive_mail import receive_mail
from calsnack.usecases.send_deliveries import Sender


class RecordingQueue:
    """A queue port that keeps messages in memory, in order, per queue (FIFO semantics trivially hold)."""

    def __init__(self) -> None:
        self.messages: dict[str, list[QueueMessage]] = {QueueName.COMMANDS: [], QueueName.SENDS: []}

    def send(self, queue: QueueName, messages: list[QueueMessage]) -> None:
        self.messages[queue].extend(messages)


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
