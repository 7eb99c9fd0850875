"""Fault injection over the embedded runtime: throttling, crashes after a send, duplicate and poison
messages and a restart mid-batch, with an account of where every invitation ended up."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from calsnack.adapters.embedded.blobs import FileBlobStore
from calsnack.adapters.embedded.mailer import MaildirMailer
from calsnack.adapters.embedded.queue import SqliteQueue
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.config import Settings
from calsnack.ical.derived import derived_calendar
from calsnack.ports import OutgoingMail, QueueMessage, QueueName, Services, Throttled
from calsnack.serve.options import quiet_powertools
from calsnack.serve.workers import EventSource, Worker

from tests.harness import stored_mail
from tests.mailfactory import batch_mail

DOMAIN = "snack.test"
SENDER = "ops@example.test"


class WorkerCrash(Exception):
    """Stands for a worker process dying between the provider's acceptance and the queue ack."""


@dataclass
class FaultyMailer:
    inner: MaildirMailer
    throttle_rate: float
    crash_rate: float
    rng: random.Random
    throttled: int = 0
    crashes: int = 0
    pending_crash: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, mail: OutgoingMail) -> str:
        with self.lock:
            throttle = self.rng.random() < self.throttle_rate
            crash = not throttle and self.rng.random() < self.crash_rate
        if throttle:
            with self.lock:
                self.throttled += 1
            raise Throttled("Maximum sending rate exceeded")
        message_id = self.inner.send(mail)
        if crash:
            with self.lock:
                self.crashes += 1
                self.pending_crash = True
            raise WorkerCrash("killed after the send, before the ack")
        return message_id


class CrashingStore:
    """Drops the record of sends that a crash interrupted, as a dead process would never write it."""

    def __init__(self, inner: SqliteStore, mailer: FaultyMailer) -> None:
        self.inner = inner
        self.mailer = mailer

    def record_sent(self, deliveries, at):  # type: ignore[no-untyped-def]
        if self.mailer.pending_crash:
            self.mailer.pending_crash = False
            return None
        return self.inner.record_sent(deliveries, at)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.inner, name)


class DuplicatingQueue:
    """Delivers some messages twice, as SQS may."""

    def __init__(self, inner: SqliteQueue, rate: float, rng: random.Random) -> None:
        self.inner = inner
        self.rate = rate
        self.rng = rng
        self.duplicated = 0

    def send(self, queue: QueueName, messages: list[QueueMessage]) -> None:
        extra = [QueueMessage(m.body, m.group, None) for m in messages if self.rng.random() < self.rate]
        self.duplicated += len(extra)
        self.inner.send(queue, [*messages, *extra])


@dataclass
class FaultReport:
    attendees: int
    delivered: int
    lost: int
    duplicates: int
    throttled: int
    crashes: int
    duplicated_messages: int
    poison_in_dlq: int
    restarts: int
    seconds: float

    @property
    def duplicate_rate(self) -> float:
        return self.duplicates / self.attendees


def run(
    root: Path,
    *,
    attendees: int = 10_000,
    seed: int = 7,
    throttle_rate: float = 0.02,
    crash_rate: float = 0.0002,
    duplicate_rate: float = 0.05,
    poison: int = 5,
) -> FaultReport:
    quiet_powertools()
    rng = random.Random(seed)
    queue = SqliteQueue(root / "queue.db", max_receives=5)
    outbox = MaildirMailer(root / "outbox")
    mailer = FaultyMailer(outbox, throttle_rate, crash_rate, rng)
    dup_queue = DuplicatingQueue(queue, duplicate_rate, rng)
    settings = Settings(
        domain=DOMAIN,
        base_url="https://calsnack.test",
        authserv_id="calsnack.local",
        link_key=b"fault-injection-key-0123456789ab",
    )
    store = CrashingStore(SqliteStore(root / "calsnack.db", derived_calendar=derived_calendar), mailer)
    services = Services(
        settings=settings,
        store=store,
        queue=dup_queue,  # type: ignore[arg-type]
        blobs=FileBlobStore(root / "blobs"),
        mailer=mailer,
    )
    from calsnack.usecases.receive_mail import receive_mail

    from lambdas.command_worker.handler import make_handler as command_worker
    from lambdas.sender.handler import make_handler as sending

    commands, sender = command_worker(services), sending(services)

    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    lines = [
        "command,event_id,organizer,date,start_time,end_time,timezone,subject,attendees",
        f"CREATE,webinar,{SENDER},{day},16:00,17:00,Europe/Berlin,Fault injection webinar,",
    ]
    per_row = 100
    addresses = [f"p{i:05d}@client.test" for i in range(attendees)]
    lines += [
        f"INVITE,webinar,,,,,,,{';'.join(addresses[i : i + per_row])}" for i in range(0, attendees, per_row)
    ]
    started = time.perf_counter()
    blob = "mail/batch/fault-injection"
    services.blobs.put(
        blob,
        stored_mail(
            batch_mail(SENDER, "\n".join(lines) + "\n", domain=DOMAIN),
            authserv_id=settings.authserv_id,
            envelope_from=SENDER,
        ),
    )
    receive_mail(services, blob)
    queue.send(QueueName.SENDS, [QueueMessage(f'{{"type":"poison","n":{n}}}') for n in range(poison)])

    def workers(stop: threading.Event) -> list[Worker]:
        sources = [
            EventSource("commands", QueueName.COMMANDS, commands, 10, 1.0, fifo=True, retry_delay=0.05),
            EventSource("sender", QueueName.SENDS, sender, 10, 1.0, retry_delay=0.05),
        ]
        return [Worker(queue, s, stop) for s in sources]

    restarts = 0
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        stop = threading.Event()
        running = workers(stop)
        for w in running:
            w.start()
        # Let them work a while, then stop them mid-flight: a restart with work in the queues.
        time.sleep(1.5)
        stop.set()
        for w in running:
            w.wake.set()
            w.join()
        if queue.depth(QueueName.COMMANDS) == 0 and queue.depth(QueueName.SENDS) == 0:
            break
        restarts += 1
    received = Counter()
    for path in (root / "outbox" / "new").iterdir():
        with path.open("rb") as f:
            first = f.readline().decode().strip()
        received[first.removeprefix("Delivered-To: ")] += 1
    delivered = sum(1 for a in addresses if received[a] > 0)
    return FaultReport(
        attendees=attendees,
        delivered=delivered,
        lost=attendees - delivered,
        duplicates=sum(received[a] - 1 for a in addresses if received[a] > 1),
        throttled=mailer.throttled,
        crashes=mailer.crashes,
        duplicated_messages=dup_queue.duplicated,
        poison_in_dlq=len(queue.dead_letters(QueueName.SENDS)),
        restarts=restarts,
        seconds=round(time.perf_counter() - started, 1),
    )
