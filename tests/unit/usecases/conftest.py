from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from calsnack.adapters.embedded.blobs import FileBlobStore
from calsnack.adapters.embedded.mailer import MaildirMailer
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.config import Settings
from calsnack.ports import Services

from tests.harness import RecordingQueue

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
        store=SqliteStore(tmp_path / "db.sqlite"),
        queue=queue,
        blobs=FileBlobStore(tmp_path / "blobs"),
        mailer=MaildirMailer(tmp_path / "outbox"),
    )


@pytest.fixture
def outbox(tmp_path: Path, services: Services) -> Outbox:
    return Outbox(tmp_path / "outbox")
