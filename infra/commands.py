"""Commands: the FIFO queue of CSV command rows (one message group per event, so rows apply in file
order per event) and the command worker that applies them."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda_event_sources as event_sources
from constructs import Construct

from infra.functions import LambdaRuntime
from infra.queues import dead_letter_queue, work_queue

BATCH_SIZE = 10
MAX_CONCURRENCY = 50


class Commands(Construct):
    TIMEOUT = Duration.seconds(60)

    def __init__(self, scope: Construct, construct_id: str, *, runtime: LambdaRuntime) -> None:
        super().__init__(scope, construct_id)

        self.dead_letter_queue = dead_letter_queue(self, "DeadLetterQueue", fifo=True)
        self.queue = work_queue(
            self, "Queue", consumer_timeout=self.TIMEOUT, dead_letters=self.dead_letter_queue, fifo=True
        )
        self.function = runtime.function(
            self,
            "Worker",
            entry="command_worker",
            description="calsnack: applies CSV command rows (CREATE, UPDATE, CANCEL, INVITE)",
            timeout=self.TIMEOUT,
            memory_size=512,
        )
        self.function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=BATCH_SIZE,
                report_batch_item_failures=True,
                max_concurrency=MAX_CONCURRENCY,
            )
        )
