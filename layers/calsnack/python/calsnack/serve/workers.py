"""Worker loops that play Lambda's event sources: S3 notifications and SQS batches with partial failures."""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from calsnack.adapters.embedded.queue import Received, SqliteQueue
from calsnack.ports import QueueName, Services
from calsnack.serve.lambda_events import LambdaContext, sqs_event

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class EventSource:
    """One queue feeding one handler, as an SQS event source mapping (or S3 notification) would."""

    name: str
    queue: str
    handler: Handler
    batch_size: int
    visibility_timeout: float
    fifo: bool = False
    #: S3 notifications arrive one event per message, not as an SQS batch.
    raw_events: bool = False
    retry_delay: float = 2.0


def batch_sources(services: Services) -> list[EventSource]:
    """The command worker's and the sender's event sources over `services`, as the stack maps their queues.

    The handlers are imported here, not at module import: their Powertools objects read the
    environment when built, and the caller sets it first (`quiet_powertools`).
    """
    from lambdas.command_worker.handler import make_handler as commands
    from lambdas.sender.handler import make_handler as sender

    return [
        EventSource("command-worker", QueueName.COMMANDS, commands(services), 10, 300, fifo=True),
        EventSource("sender", QueueName.SENDS, sender(services), 10, 300),
    ]


class Worker(threading.Thread):
    def __init__(self, queue: SqliteQueue, source: EventSource, stop: threading.Event) -> None:
        super().__init__(name=f"worker-{source.name}", daemon=True)
        self.queue = queue
        self.source = source
        self.stop = stop
        self.wake = threading.Event()
        #: Longest sleep when idle. In-process sends wake the thread at once, but another
        #: process's cannot (the other worker process, `calsnack batch send`), nor does a FIFO
        #: group freed by another worker's ack; looking costs one read, not the write lock.
        self.idle_poll = 0.05
        queue.on_send(self._on_send)

    def _on_send(self, queue: str) -> None:
        if queue == self.source.queue:
            self.wake.set()

    def run(self) -> None:
        while not self.stop.is_set():
            self.wake.clear()
            messages = self.queue.receive(
                self.source.queue, self.source.batch_size, self.source.visibility_timeout
            )
            if messages:
                self.dispatch(messages)
                continue
            wait = self.queue.next_visible_in(self.source.queue)
            # A visible message that could not be taken (its group is in flight) waits for the
            # next poll, not for nothing: waiting zero seconds would spin.
            self.wake.wait(timeout=self.idle_poll if wait is None or wait == 0 else min(wait, self.idle_poll))

    def dispatch(self, messages: list[Received]) -> None:
        context = LambdaContext(function_name=f"calsnack-{self.source.name}")
        if self.source.raw_events:
            for m in messages:
                try:
                    self.source.handler(json.loads(m.body), context)
                except Exception:
                    traceback.print_exc()
                    self.queue.release([m.receipt], self.source.retry_delay * m.receive_count)
                else:
                    self.queue.ack([m.receipt])
            return
        try:
            response = self.source.handler(
                sqs_event(self.source.queue, messages, fifo=self.source.fifo), context
            )
        except Exception:
            traceback.print_exc()
            self.queue.release([m.receipt for m in messages], self.source.retry_delay)
            return
        failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}
        self.queue.ack([m.receipt for m in messages if m.message_id not in failed])
        retry = [m for m in messages if m.message_id in failed]
        if retry:
            self.queue.release(
                [m.receipt for m in retry], self.source.retry_delay * max(m.receive_count for m in retry)
            )
