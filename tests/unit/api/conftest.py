"""The API resolver fed API Gateway-shaped events over the embedded adapters (no sockets).

`Gateway` plays API Gateway as the embedded HTTP server does: management paths first go
through the real authorizer handler, whose context reaches the API in requestContext.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from calsnack.adapters.embedded.blobs import FileBlobStore
from calsnack.adapters.embedded.mailer import MaildirMailer
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.api.management import MANAGEMENT_PREFIXES
from calsnack.config import Settings
from calsnack.domain.model import Answer, Channel, Event, EventStatus, PartStat, Source, event_key
from calsnack.ical.derived import derived_calendar
from calsnack.ical.write import event_calendar
from calsnack.links import Links
from calsnack.ports import QueueName, Services
from calsnack.queue_messages import IngestBatch, SendDeliveries, decode
from calsnack.serve.http import Authorizer
from calsnack.serve.lambda_events import LambdaContext, api_gateway_event, response_body
from calsnack.serve.options import quiet_powertools
from calsnack.usecases.accept_batch import ingest_upload
from calsnack.usecases.issue_api_key import issue_api_key

from tests.harness import RecordingQueue

DOMAIN = "snack.test"
BASE = "https://calsnack.test"
ORGANIZER = "olga@example.com"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


class Gateway:
    def __init__(self, services: Services) -> None:
        from lambdas.api.handler import make_handler as api
        from lambdas.authorizer.handler import make_handler as authorizer

        self.services = services
        self.api = api(services)
        self.authorizer = Authorizer(authorizer(services), MANAGEMENT_PREFIXES)

    def request(
        self,
        method: str,
        target: str,
        *,
        body: bytes | str = b"",
        headers: dict[str, str] | None = None,
        authorize: bool = True,
        client: str = "127.0.0.1",
    ) -> Reply:
        url = urlsplit(target)
        path = url.path + (f"?{url.query}" if url.query else "")
        raw = body.encode() if isinstance(body, str) else body
        event = api_gateway_event(method, path, headers or {}, raw, source_ip=client)
        refusal = self.authorizer.authorize(event) if authorize and self.authorizer.guards(url.path) else None
        response = refusal or self.api(event, LambdaContext("calsnack-api"))
        merged = {k.lower(): str(v) for k, v in (response.get("headers") or {}).items()}
        for k, values in (response.get("multiValueHeaders") or {}).items():
            merged[k.lower()] = ", ".join(map(str, values))
        return Reply(int(response["statusCode"]), merged, response_body(response))

    def get(self, target: str, **kw: Any) -> Reply:
        return self.request("GET", target, **kw)

    def post(self, target: str, **kw: Any) -> Reply:
        return self.request("POST", target, **kw)

    def post_form(self, target: str, fields: dict[str, str], **kw: Any) -> Reply:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **kw.pop("headers", {})}
        return self.post(target, body=urlencode(fields), headers=headers, **kw)

    def answer(self, target: str, email: str, **kw: Any) -> Reply:
        """What a person does: open the RSVP form at `target`, then send it with `email` and its token."""
        token = form_token_of(self.get(target).text)
        return self.post_form(target, {"email": email, "form_token": token}, **kw)


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def services(tmp_path: Path, queue: RecordingQueue) -> Services:
    quiet_powertools()
    settings = Settings(domain=DOMAIN, base_url=BASE, authserv_id="calsnack.local", link_key=b"k" * 32)
    return Services(
        settings=settings,
        store=SqliteStore(tmp_path / "db.sqlite", derived_calendar=derived_calendar),
        queue=queue,
        blobs=FileBlobStore(tmp_path / "blobs"),
        mailer=MaildirMailer(tmp_path / "outbox"),
    )


@pytest.fixture
def gateway(services: Services) -> Gateway:
    return Gateway(services)


@pytest.fixture
def links(services: Services) -> Links:
    return Links.of(services.settings)


def make_event(services: Services, **fields: Any) -> Event:
    """An event stored as the calendar or CSV flow would store it, with any field overridden."""
    start = fields.pop("start", datetime.now(UTC).replace(microsecond=0) + timedelta(days=30))
    end = fields.pop("end", start + timedelta(hours=1))
    organizer = fields.pop("organizer", ORGANIZER)
    event_id = fields.pop("event_id", f"ev-{start.timestamp()}-{len(fields)}")
    zone = fields.pop("timezone", "Europe/Berlin")
    summary = fields.pop("summary", "Quarterly webinar")
    key = event_key(organizer, event_id)
    now = datetime.now(UTC)
    event = Event(
        key=key,
        organizer=organizer,
        event_id=event_id,
        uid=f"{key}@{DOMAIN}",
        source=fields.pop("source", Source.CSV),
        organizer_name=fields.pop("organizer_name", "Olga"),
        summary=summary,
        start=start,
        end=end,
        timezone=zone,
        all_day=fields.pop("all_day", False),
        calendar=event_calendar(
            start=start,
            end=end,
            timezone=zone,
            summary=summary,
            location=fields.get("location", ""),
            description=fields.get("description", ""),
        ),
        created_at=now,
        updated_at=now,
        **fields,
    )
    return services.store.put_event(event)


def cancel(services: Services, event: Event) -> Event:
    return services.store.put_event(event.revised(status=EventStatus.CANCELLED, sequence=event.sequence + 1))


def answer(
    services: Services, event: Event, email: str, partstat: PartStat, at: datetime | None = None
) -> None:
    services.store.record_answer(
        event.key,
        Answer(event.organizer, event.event_id, email, partstat, at or datetime.now(UTC), Channel.BUTTON),
    )


def queued_deliveries(queue: RecordingQueue) -> list[tuple[str, str]]:
    """(event key, address) of every personal message waiting on the sends queue."""
    out = []
    for m in queue.messages[QueueName.SENDS]:
        message = decode(m.body)
        if isinstance(message, SendDeliveries):
            out.extend((d.event_key, d.email) for d in message.deliveries)
    return out


def run_uploads(services: Services, queue: RecordingQueue) -> int:
    """The command worker's half of the uploads queued so far: their `IngestBatch` messages."""
    uploads = [
        m
        for m in map(decode, (q.body for q in queue.messages[QueueName.COMMANDS]))
        if isinstance(m, IngestBatch)
    ]
    for message in uploads:
        ingest_upload(services, message)
    return len(uploads)


def api_key(services: Services, domain: str = "example.com") -> str:
    return issue_api_key(services.store, domain, "test", datetime.now(UTC)).secret


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def form_token_of(html: str) -> str:
    """The hidden token of a page's RSVP form ("" when the page has none)."""
    match = re.search(r'name="form_token" value="([^"]*)"', html)
    return match.group(1) if match else ""


_TAG = re.compile(r"<script\b", re.IGNORECASE)


def script_tags(html: str) -> list[str]:
    """Every <script ...> tag of a page: the only ones allowed load /static/ files."""
    return [m.group(0) for m in re.finditer(r"<script\b[^>]*>", html, re.IGNORECASE)]
