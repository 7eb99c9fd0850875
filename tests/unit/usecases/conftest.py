from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from calsnack.adapters.embedded.blobs import FileBlobStore
from calsnack.adapters.embedded.mailer import MaildirMailer
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.config import Settings
from calsnack.domain.model import Event
from calsnack.ical.derived import derived_calendar
from calsnack.mail.inbound import InboundMail, parse_inbound
from calsnack.ports import Services

from tests.contract.builders import calendar_of, make_event
from tests.harness import RecordingMailer, RecordingQueue, stored_mail

DOMAIN = "snack.test"


class Outbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder / "new"

    def messages(self) -> list[tuple[list[str], email.message.EmailMessage]]:
        out = []
        for p in sorted(self.folder.iterdir()):
            msg = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            out.append(([str(v).lower() for v in msg.get_all("Delivered-To", [])], msg))
        return out

    def to(self, rcpt: str) -> list[email.message.EmailMessage]:
        return [m for r, m in self.messages() if rcpt in r]


class Clock:
    """Wall-clock time that moves only when a test moves it: rate-limit windows and expiries
    then never depend on when the test happens to run."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def services(tmp_path: Path, queue: RecordingQueue) -> Services:
    settings = Settings(
        domain=DOMAIN, base_url="https://calsnack.test", authserv_id="calsnack.local", link_key=b"k" * 32
    )
    return Services(
        settings=settings,
        store=SqliteStore(tmp_path / "db.sqlite", derived_calendar=derived_calendar),
        queue=queue,
        blobs=FileBlobStore(tmp_path / "blobs"),
        mailer=MaildirMailer(tmp_path / "outbox"),
    )


@pytest.fixture
def outbox(tmp_path: Path, services: Services) -> Outbox:
    return Outbox(tmp_path / "outbox")


@pytest.fixture
def clock() -> Clock:
    # Mid-window of every rate limit (windows start at multiples of their length since the epoch).
    start = datetime.now(UTC).replace(minute=10, second=0, microsecond=0)
    return Clock(start)


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
def recorded(services: Services, mailer: RecordingMailer, clock: Clock) -> Services:
    """The same services with a mailer that keeps (or refuses) each message and a clock the test holds."""
    return dataclasses.replace(services, mailer=mailer, clock=clock)


def seed(services: Services, organizer: str, event_id: str, **changes: Any) -> Event:
    """A stored event with every field set (`make_event`), its calendar written from its fields."""
    event = make_event(organizer, event_id, **changes)
    if "calendar" not in changes:
        event = event.revised(calendar=calendar_of(event))
    return services.store.put_event(event)


def inbound(
    services: Services, message: EmailMessage | bytes, *, sender: str, verdict: str = "pass"
) -> InboundMail:
    """The mail as the receiving server stored it, read back with our own server's verdict."""
    raw = stored_mail(
        message, authserv_id=services.settings.authserv_id, verdict=verdict, envelope_from=sender
    )
    return parse_inbound(raw, services.settings.authserv_id)
