"""`calsnack batch send|status`: CSV batches into an embedded data directory, without mail or HTTP.

`send` stores the file and splits it with the very use case the batch@ mailbox and the
API use; a `calsnack serve` on the same data directory applies the rows (now, or when
it next starts) and mails the result to the sender. Meanwhile `send` (and `status --watch`)
shows the batch going through, from the first row read to the last invitation sent.
"""

from __future__ import annotations

import argparse
import io
import itertools
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from rich.console import Console

from calsnack import bootstrap
from calsnack.api.models import BatchStatusOut
from calsnack.cli.data_dir import open_store
from calsnack.cli.errors import UserError, existing_data_dir
from calsnack.cli.progress import SHOWN_REFUSALS, Display, QuietDisplay, batch_done, display_for
from calsnack.domain.addresses import is_address, normalize_address
from calsnack.domain.model import BatchStatus
from calsnack.ports import BatchStore, BlobStore, Services
from calsnack.usecases.ingest_batch import BatchRefused, BatchRequest, ingest_batch

DEFAULT_DATA_DIR = Path(".calsnack")
#: Where the CSV format is described (columns, commands, refusal reasons).
CSV_DOCS = "docs/csv.md"
#: Seconds between two looks at the batch while `calsnack serve` works on it.
POLL = 0.5
#: Seconds without change after which the display says what the batch waits for.
IDLE = 5.0


class _CountingReader(io.RawIOBase):
    def __init__(self, inner: BinaryIO, seen: Callable[[bytes], None]) -> None:
        self.inner, self.seen = inner, seen

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.seen(data)
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


class CountingBlobs:
    """The blob store, with reads of one key counted (the bytes the CSV reader has consumed)."""

    def __init__(self, inner: BlobStore, key: str, seen: Callable[[bytes], None]) -> None:
        self.inner, self.key, self.seen = inner, key, seen

    def put(self, key: str, data: bytes) -> None:
        self.inner.put(key, data)

    def put_stream(self, key: str, reader: BinaryIO) -> None:
        self.inner.put_stream(key, reader)

    def get(self, key: str) -> bytes:
        return self.inner.get(key)

    def open(self, key: str) -> BinaryIO:
        stream = self.inner.open(key)
        return io.BufferedReader(_CountingReader(stream, self.seen)) if key == self.key else stream


class _Reading:
    """Bytes and lines the CSV reader has consumed, passed on to the display."""

    def __init__(self, display: Display, total: int) -> None:
        self.display, self.total = display, total
        self.bytes = self.lines = 0

    def __call__(self, data: bytes) -> None:
        self.bytes += len(data)
        self.lines += data.count(b"\n")
        self.display.reading(self.bytes, self.total, self.lines)


def follow(
    store: BatchStore,
    batch_id: str,
    display: Display,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> BatchStatus:
    """Show the batch until its rows are applied and its invitations sent; returns the last status.

    The work is done by a `calsnack serve` on the same data directory; when nothing moves for
    `IDLE` seconds the display says so, since the batch may be waiting for one to start.
    """
    seen: tuple[int, ...] | None = None
    since = clock()
    while True:
        # Counts only: a batch's refused rows may be many, and the display shows numbers.
        status = store.get_batch(batch_id, errors=False)
        if status is None:
            raise UserError(f"no batch {batch_id}")
        display.update(status)
        if batch_done(status):
            return status
        now = (
            status.rows_done,
            status.invitations_sent,
            status.invitations_failed,
            status.invitations_queued,
        )
        if now != seen:
            seen, since = now, clock()
        elif clock() - since >= IDLE:
            display.waiting(clock() - since)
        sleep(POLL)


def _console() -> Console:
    return Console(file=sys.stdout)


def _send(args: argparse.Namespace) -> int:
    source: Path = args.file
    if not source.is_file():
        raise UserError(f"no file {source}" if not source.exists() else f"{source} is not a file")
    sender = normalize_address(args.sender)
    if not is_address(sender):
        raise UserError(f"--sender {args.sender!r} is not an e-mail address")
    data_dir = existing_data_dir(args.data_dir)
    settings = bootstrap.embedded_settings(
        data_dir,
        domain=args.domain,
        base_url=args.base_url or "http://127.0.0.1:8080",
        authserv_id="calsnack.local",
    )
    services: Services = bootstrap.embedded(data_dir, settings)
    batch_id = secrets.token_hex(12)
    blob_key = f"batches/{batch_id}.csv"
    with source.open("rb") as file:
        services.blobs.put_stream(blob_key, file)
    console = _console()
    display: Display = QuietDisplay() if args.json else display_for(console, sys.stdout, batch_id)
    reading = _Reading(display, source.stat().st_size)
    counted = replace(services, blobs=CountingBlobs(services.blobs, blob_key, reading))
    try:
        try:
            status = ingest_batch(counted, BatchRequest(batch_id, sender, message_id="", blob_key=blob_key))
        except BatchRefused as exc:
            raise UserError(f"{source} cannot be used: {exc} (the format: {CSV_DOCS})") from None
        first = list(itertools.islice(services.store.refused_rows(batch_id), SHOWN_REFUSALS))
        display.queued(replace(status, errors=first))
        if not args.no_wait:
            status = follow(services.store, batch_id, display)
    except KeyboardInterrupt:
        display.close()
        print(
            f"calsnack: stopped watching batch {batch_id}; it goes on"
            f" (`calsnack batch status {batch_id} --watch --data-dir {data_dir}`)",
            file=sys.stderr,
        )
        return 130
    display.close()
    if args.json:
        print(BatchStatusOut.of(status).model_dump_json(indent=2))
    elif args.no_wait:
        print(
            f"calsnack: batch {batch_id} queued; `calsnack serve --data-dir {data_dir}` applies the rows"
            f" and mails the result to {sender}.",
            file=sys.stderr,
        )
    return 0


def _status(args: argparse.Namespace) -> int:
    store = open_store(args.data_dir)
    status = store.get_batch(args.batch_id)
    if status is None:
        raise UserError(f"no batch {args.batch_id} in {args.data_dir}")
    if not args.watch:
        print(BatchStatusOut.of(status).model_dump_json(indent=2))
        return 0
    display = display_for(_console(), sys.stdout, args.batch_id)
    try:
        follow(store, args.batch_id, display)
    except KeyboardInterrupt:
        return 130
    finally:
        display.close()
    return 0


def register(subparsers: Any) -> None:
    """Add `batch` to the `calsnack` command line (called from calsnack.cli.main)."""
    batch = subparsers.add_parser("batch", help="CSV command batches on an embedded data directory")
    actions = batch.add_subparsers(dest="batch_command", required=True)

    send = actions.add_parser(
        "send",
        help="queue the rows of a local CSV file and show them applied and sent",
        description=(
            "Queue the rows of a CSV command file (CREATE, UPDATE, CANCEL, INVITE) on a data"
            " directory, then show the rows read, queued and applied and the invitations sent,"
            " with rate and ETA, while a `calsnack serve` on that data directory works on them."
            f" The CSV format (every column, each command, the refusal reasons): {CSV_DOCS}."
        ),
    )
    send.add_argument("file", type=Path, metavar="FILE.csv")
    send.add_argument(
        "--sender", required=True, help="the organizers' domain's address; gets the result mail"
    )
    send.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="as `serve --data-dir` (default: %(default)s)"
    )
    send.add_argument(
        "--domain",
        default="snack.localhost",
        help="the service's mail domain, as `serve` (default: %(default)s)",
    )
    send.add_argument("--base-url", default=None, help="as `serve --base-url`")
    send.add_argument(
        "--no-wait",
        action="store_true",
        help="return once the rows are queued, without following the sending",
    )
    send.add_argument(
        "--json", action="store_true", help="no progress display; print the batch's final status as JSON"
    )
    send.set_defaults(func=_send)

    status = actions.add_parser("status", help="a batch's progress (as JSON, or followed live with --watch)")
    status.add_argument("batch_id", metavar="ID")
    status.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="as `serve --data-dir` (default: %(default)s)"
    )
    status.add_argument(
        "--watch", action="store_true", help="follow the batch until its invitations are sent (Ctrl-C stops)"
    )
    status.set_defaults(func=_status)
