"""Runs a handler the way Lambda runs it: the template's timeout running down, its memory, the
invocation payload limits, and SQS batches of the event source's size.

moto models none of these. The limits are read from the synthesized stack (`template_limits`),
so a change to a timeout, a memory size or a batch size is tested as deployed.

Time: a handler that waits (the sender's pacer, its backoff) runs on a `FakeClock` the
invocation's context reads, so minutes of sending take milliseconds. When the fake clock passes
the deadline the invocation is killed as Lambda kills it: `Killed` is raised where the handler
stands, and every adapter wrapped by `guarded` refuses to run from then on, so its `finally`
clauses cannot record anything either. A handler that does not wait runs on the real clock and
its context's time runs down for real, but its duration is only reported (`Report.elapsed`):
moto on a shared test machine says nothing about AWS's speed, which bench/ measures.
"""

from __future__ import annotations

import json
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

#: Lambda's invocation payload limits (request and response).
SYNC_PAYLOAD = 6 * 1024 * 1024
ASYNC_PAYLOAD = 256 * 1024
#: SQS's message size limit as the queue adapter enforces it (`adapters.aws.queue.BATCH_BYTES`).
SQS_MESSAGE = 256 * 1024
#: What the Python 3.12 runtime with boto3 and Powertools holds before the handler allocates;
#: the handler's own peak must fit in the rest of the function's memory.
RUNTIME_BASELINE_MB = 100

Trigger = Literal["sqs", "s3", "api", "authorizer", "stream"]
#: How each entry point is invoked: S3 notifications are asynchronous, the rest synchronous.
TRIGGERS: dict[str, Trigger] = {
    "inbound_mail": "s3",
    "command_worker": "sqs",
    "sender": "sqs",
    "feedback": "sqs",
    "api": "api",
    "authorizer": "authorizer",
    "exporter": "stream",
}


class Killed(BaseException):
    """The runtime ended the invocation at its timeout; a BaseException so no handler catches it."""


class LimitExceeded(AssertionError):
    """An invocation broke a Lambda limit moto does not model."""


@dataclass(frozen=True)
class Limits:
    """One function as the template deploys it."""

    entry: str
    timeout: float
    memory_mb: int
    trigger: Trigger
    #: The SQS or stream event source's batch size; None for other triggers.
    batch_size: int | None = None
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def payload_limit(self) -> int:
        return ASYNC_PAYLOAD if self.trigger == "s3" else SYNC_PAYLOAD


@cache
def template_limits() -> dict[str, Limits]:
    """Every function's limits, by entry, from the stack `app.py` synthesizes (cached per session)."""
    from aws_cdk.assertions import Template

    from infra.assembly import build_app
    from infra.layer import UNBUNDLED_LAYER_FLAG

    # The layer's contents change no limit: skip its pip bundling, as the infrastructure tests do.
    _, stack = build_app(
        {UNBUNDLED_LAYER_FLAG: "true"}, outdir=tempfile.mkdtemp(prefix="cdk.out."), nag=False
    )
    resources = Template.from_stack(stack).to_json()["Resources"]
    batch_sizes = {
        r["Properties"]["FunctionName"]["Ref"]: r["Properties"].get("BatchSize")
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    }
    limits = {}
    for entry, function in stack.runtime.functions.items():
        logical_id = stack.get_logical_id(function.node.default_child)  # type: ignore[arg-type]
        properties = resources[logical_id]["Properties"]
        limits[entry] = Limits(
            entry=entry,
            timeout=float(properties["Timeout"]),
            memory_mb=int(properties["MemorySize"]),
            trigger=TRIGGERS[entry],
            batch_size=batch_sizes.get(logical_id),
            environment={
                k: v
                for k, v in properties.get("Environment", {}).get("Variables", {}).items()
                if isinstance(v, str)
            },
        )
    return limits


class FakeClock:
    """Monotonic seconds that pass only when someone waits (or `advance`s): the pacer's clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.deadline = float("inf")

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.check()

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def check(self) -> None:
        """`Killed` once the running invocation is past its deadline."""
        if self.now > self.deadline:
            raise Killed(f"timed out {self.now - self.deadline:.2f} s after the deadline")


class Context:
    """The Lambda context object: the attributes Powertools reads and the remaining time."""

    def __init__(self, limits: Limits, monotonic: Callable[[], float], deadline: float) -> None:
        self.function_name = f"calsnack-{limits.entry}"
        self.memory_limit_in_mb = limits.memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "harness"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        self._monotonic = monotonic
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._monotonic()) * 1000))


def guarded(adapter: Any, clock: FakeClock) -> Any:
    """`adapter` whose every method call first checks the invocation is still alive."""

    class Guard:
        def __getattr__(self, name: str) -> Any:
            attribute = getattr(adapter, name)
            if not callable(attribute):
                return attribute

            def call(*args: Any, **kwargs: Any) -> Any:
                clock.check()
                return attribute(*args, **kwargs)

            return call

    return Guard()


@dataclass
class Report:
    """What one invocation did against its limits."""

    result: Any
    elapsed: float
    peak_mb: float
    killed: bool
    #: What the handler raised (the whole batch then returns to the queue).
    error: Exception | None = None


def check_payload(event: Any, limits: Limits) -> None:
    size = len(json.dumps(event).encode())
    if size > limits.payload_limit:
        raise LimitExceeded(f"{limits.entry}: a {size}-byte event exceeds Lambda's {limits.payload_limit}")
    if limits.trigger == "sqs":
        records = event["Records"]
        if limits.batch_size is not None and len(records) > limits.batch_size:
            raise LimitExceeded(f"{limits.entry}: {len(records)} records, batch size {limits.batch_size}")
        for record in records:
            if len(record["body"].encode()) > SQS_MESSAGE:
                raise LimitExceeded(f"{limits.entry}: an SQS body over {SQS_MESSAGE} bytes")


def invoke(
    handler: Callable[[Any, Any], Any],
    event: Any,
    limits: Limits,
    *,
    clock: FakeClock | None = None,
    measure_memory: bool = True,
) -> Report:
    """Run `handler(event, context)` once under `limits`; raises `LimitExceeded` on a breach.

    With a `clock`, an invocation that reaches its deadline is killed (`Report.killed`), as Lambda
    would; without one, the real time it took is reported, not judged.
    """
    check_payload(event, limits)
    monotonic = clock.monotonic if clock is not None else time.monotonic
    start = monotonic()
    deadline = start + limits.timeout
    if clock is not None:
        clock.deadline = deadline
    context = Context(limits, monotonic, deadline)
    if measure_memory:
        tracemalloc.start()
    killed = False
    result: Any = None
    try:
        result = handler(event, context)
    except Killed:
        killed = True
    finally:
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if measure_memory else 0.0
        if measure_memory:
            tracemalloc.stop()
        if clock is not None:
            clock.deadline = float("inf")
    elapsed = monotonic() - start
    if peak + RUNTIME_BASELINE_MB > limits.memory_mb:
        raise LimitExceeded(f"{limits.entry}: {peak:.0f} MB allocated, {limits.memory_mb} MB memory")
    if not killed:
        response = len(json.dumps(result, default=str).encode())
        if response > limits.payload_limit and limits.trigger != "s3":
            raise LimitExceeded(f"{limits.entry}: a {response}-byte response")
    return Report(result=result, elapsed=elapsed, peak_mb=peak, killed=killed)


class SqsEventSource:
    """An SQS event source mapping over a (moto) queue: batches of the template's size, records
    deleted on success, failed or killed ones visible again as their visibility timeout passes,
    and a dead-letter queue after `max_receives`."""

    def __init__(self, sqs: Any, queue_url: str, limits: Limits, *, max_receives: int = 5) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.limits = limits
        self.max_receives = max_receives
        self.dead_letters: list[str] = []
        self.invocations: list[Report] = []

    def poll(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(10, self.limits.batch_size or 10),
            MessageSystemAttributeNames=["All"],
            VisibilityTimeout=60,
        ).get("Messages", [])
        records = []
        for m in messages:
            if int(m["Attributes"]["ApproximateReceiveCount"]) > self.max_receives:
                self.dead_letters.append(m["Body"])
                self._delete([m["ReceiptHandle"]])
                continue
            records.append(
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m["Attributes"],
                    "messageAttributes": {},
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:harness",
                    "awsRegion": "us-east-1",
                }
            )
        return records

    def _delete(self, receipts: list[str]) -> None:
        for i in range(0, len(receipts), 10):
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": r} for n, r in enumerate(receipts[i : i + 10])],
            )

    def _release(self, receipts: list[str]) -> None:
        """The visibility timeout passes at once (the fake clock skips the wait)."""
        for receipt in receipts:
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=receipt, VisibilityTimeout=0
            )

    def run_once(self, handler: Callable[[Any, Any], Any], clock: FakeClock | None = None) -> bool:
        """One poll and invocation; False when the queue had nothing to hand out."""
        records = self.poll()
        if not records:
            return False
        try:
            report = invoke(handler, {"Records": records}, self.limits, clock=clock, measure_memory=False)
        except LimitExceeded:
            raise
        except Exception as exc:  # the invocation failed: Lambda returns the whole batch
            report = Report(result=None, elapsed=0.0, peak_mb=0.0, killed=False, error=exc)
        self.invocations.append(report)
        receipts = {r["messageId"]: r["receiptHandle"] for r in records}
        if report.killed or report.error is not None:
            self._release(list(receipts.values()))
            return True
        failed = {f["itemIdentifier"] for f in report.result.get("batchItemFailures", [])}
        self._delete([h for i, h in receipts.items() if i not in failed])
        self._release([h for i, h in receipts.items() if i in failed])
        return True

    def drain(
        self, handler: Callable[[Any, Any], Any], clock: FakeClock | None = None, *, limit: int = 10_000
    ) -> int:
        """Invoke until the queue is empty; returns the number of invocations."""
        for n in range(limit):
            if not self.run_once(handler, clock):
                return n
        raise AssertionError(f"the queue was not empty after {limit} invocations")
