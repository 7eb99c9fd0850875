"""SQS queues as calsnack makes them: SSE, SSL-only, two weeks' retention; every work queue has a
dead-letter queue, watched by an alarm rather than redriven automatically."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

RETENTION = Duration.days(14)
#: Lambda's advice: a queue's visibility timeout is at least six times its consumer's timeout.
VISIBILITY_FACTOR = 6
MAX_RECEIVE_COUNT = 5
#: SQS takes messages up to 1 MiB now; calsnack's stay at 256 KiB (adapters/aws/queue.py packs
#: to it), so that a batch of ten fits Lambda's 6 MB synchronous payload with room to spare.
MAX_MESSAGE_BYTES = 256 * 1024


def dead_letter_queue(scope: Construct, construct_id: str, *, fifo: bool = False) -> sqs.Queue:
    """A queue for what failed for good: watched by an alarm, redriven by hand."""
    return sqs.Queue(
        scope,
        construct_id,
        fifo=fifo or None,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=RETENTION,
    )


def work_queue(
    scope: Construct,
    construct_id: str,
    *,
    consumer_timeout: Duration,
    dead_letters: sqs.IQueue,
    fifo: bool = False,
) -> sqs.Queue:
    """A queue consumed by one function whose timeout is `consumer_timeout`."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=RETENTION,
        visibility_timeout=Duration.seconds(consumer_timeout.to_seconds() * VISIBILITY_FACTOR),
        max_message_size_bytes=MAX_MESSAGE_BYTES,
        dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=MAX_RECEIVE_COUNT),
        # FIFO: messages carry their own MessageDeduplicationId; high throughput per message group.
        fifo=fifo or None,
        content_based_deduplication=False if fifo else None,
        deduplication_scope=sqs.DeduplicationScope.MESSAGE_GROUP if fifo else None,
        fifo_throughput_limit=sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID if fifo else None,
    )
