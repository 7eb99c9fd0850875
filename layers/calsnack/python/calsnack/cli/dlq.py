"""`calsnack dlq list|redrive`: inspect and replay dead letters once the cause is fixed."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from calsnack.cli.data_dir import open_queue

QUEUES = ("inbound", "commands", "sends")


def _list(args: argparse.Namespace) -> int:
    from calsnack.queue_messages import readable

    queue = open_queue(args.data_dir)
    for name in args.queue or QUEUES:
        letters = queue.dead_letters(name)
        print(f"{name}: {len(letters)} dead letter(s)")
        for body in letters[: args.show]:
            print(f"  {readable(body)[:200]}")
    return 0


def _redrive(args: argparse.Namespace) -> int:
    if args.source_arn:
        import boto3

        sqs = boto3.client("sqs")
        for arn in args.source_arn:
            task = sqs.start_message_move_task(SourceArn=arn)
            print(f"{arn}: moving dead letters back (task {task['TaskHandle'][:24]}…)")
        return 0
    queue = open_queue(args.data_dir)
    for name in args.queue or QUEUES:
        print(f"{name}: {queue.redrive(name)} message(s) put back")
    return 0


def register(sub: Any) -> None:
    dlq = sub.add_parser("dlq", help="dead-letter queues: list or redrive after a fix")
    actions = dlq.add_subparsers(dest="dlq_command", required=True)
    listing = actions.add_parser("list", help="count (and show) dead letters of the embedded stack")
    listing.add_argument("--data-dir", type=Path, default=Path(".calsnack"))
    listing.add_argument("--queue", action="append", choices=QUEUES)
    listing.add_argument("--show", type=int, default=3, help="bodies to print per queue")
    listing.set_defaults(func=_list)
    redrive = actions.add_parser("redrive", help="put dead letters back on their queue")
    redrive.add_argument("--data-dir", type=Path, default=Path(".calsnack"))
    redrive.add_argument("--queue", action="append", choices=QUEUES)
    redrive.add_argument(
        "--source-arn", action="append", help="in AWS: the ARN of a dead-letter queue (SQS message move task)"
    )
    redrive.set_defaults(func=_redrive)
