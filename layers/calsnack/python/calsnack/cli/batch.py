"""`calsnack batch send|status`: CSV batches into an embedded data directory, without mail or HTTP.

`send` stores the file and splits it with the very use case the batch@ mailbox and the
API use; a `calsnack serve` on the same data directory applies the rows (now, or when
it next starts) and mails the result to the sender.
"""

from __future__ import annotations

import argparse
import io
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from calsnack import bootstrap
from calsnack.adapters.embedded.blobs import FileBlobStore
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.api.models import BatchStatusOut
from calsnack.config import Settings
from calsnack.domain.model import normalize_address
from calsnack.ports import BlobStore
from calsnack.usecases.answer_rsvp import valid_address
from calsnack.usecases.ingest_batch import BatchRefused, BatchRequest, ingest_batch

DEFAULT_DATA_DIR = Path(".calsnack")
#: Smaller files are read before a bar would be worth drawing.
PROGRESS_FROM = 1024 * 1024


class Progress:
    """A one-line bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, out: TextIO | None = None, width: int = 30) -> None:
        self.total, self.out, self.width = max(total, 1), out or sys.stderr, width
        self.done = 0
        self._drawn = 0.0

    def advance(self, count: int) -> None:
        if not count:
            return
        self.done += count
        now = time.monotonic()
        if now - self._drawn >= 0.1:
            self._drawn = now
            self.draw()

    def draw(self) -> None:
        share = min(self.done / self.total, 1.0)
        filled = int(share * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        mb = 1024 * 1024
        self.out.write(f"\r[{bar}] {share:6.1%}  {self.done / mb:.1f}/{self.total / mb:.1f} MB")
        self.out.flush()

    def finish(self) -> None:
        self.done = self.total
        self.draw()
        self.out.write("\n")
        self.out.flush()


class _CountingReader(io.RawIOBase):
    def __init__(self, inner: BinaryIO, seen: Callable[[int], None]) -> None:
        self.inner, self.seen = inner, seen

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.seen(len(data))
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


class CountingBlobs:
    """The blob store, with reads of one key counted (the bytes the CSV reader has consumed)."""

    def __init__(self, inner: BlobStore, key: str, seen: Callable[[int], None]) -> None:
        self.inner, self.key, self.seen = inner, key, seen

    def put(self, key: str, data: bytes) -> None:
        self.inner.put(key, data)

    def get(self, key: str) -> bytes:
        return self.inner.get(key)

    def open(self, key: str) -> BinaryIO:
        stream = self.inner.open(key)
        return io.BufferedReader(_CountingReader(stream, self.seen)) if key == self.key else stream


def _store_file(blobs: BlobStore, key: str, source: Path) -> None:
    """Copy the file into the blob store without holding it in memory when the store is a folder."""
    if isinstance(blobs, FileBlobStore):
        target = blobs.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".tmp-{target.name}")
        with source.open("rb") as src, partial.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        partial.replace(target)
    else:
        blobs.put(key, source.read_bytes())


def _send(args: argparse.Namespace) -> int:
    from calsnack.serve.runtime import link_key

    source: Path = args.file
    if not source.is_file():
        print(f"calsnack: no file {source}", file=sys.stderr)
        return 1
    sender = normalize_address(args.sender)
    if not valid_address(sender):
        print(f"calsnack: {args.sender!r} is not an e-mail address", file=sys.stderr)
        return 1
    settings = Settings(
        domain=args.domain.lower(),
        base_url=(args.base_url or "http://127.0.0.1:8080").rstrip("/"),
        authserv_id="calsnack.local",
        link_key=link_key(args.data_dir),
    )
    services = bootstrap.embedded(args.data_dir, settings)
    batch_id = secrets.token_hex(12)
    blob_key = f"batches/{batch_id}.csv"
    _store_file(services.blobs, blob_key, source)
    size = source.stat().st_size
    progress = Progress(size) if size >= PROGRESS_FROM else None
    counted = (
        replace(services, blobs=CountingBlobs(services.blobs, blob_key, progress.advance))
        if progress
        else services
    )
    try:
        status = ingest_batch(counted, BatchRequest(batch_id, sender, message_id="", blob_key=blob_key))
    except BatchRefused as exc:
        if progress:
            progress.out.write("\n")
        print(f"calsnack: the file cannot be used: {exc}", file=sys.stderr)
        return 1
    if progress:
        progress.finish()
    print(BatchStatusOut.of(status).model_dump_json(indent=2))
    print(
        f"calsnack: batch {batch_id}: {status.rows_total} rows queued; `calsnack serve --data-dir {args.data_dir}`"
        f" applies them and mails the result to {sender}.",
        file=sys.stderr,
    )
    return 0


def _status(args: argparse.Namespace) -> int:
    database = args.data_dir / "calsnack.db"
    if not database.exists():
        print(f"calsnack: no data in {args.data_dir}", file=sys.stderr)
        return 1
    status = SqliteStore(database).get_batch(args.batch_id)
    if status is None:
        print(f"calsnack: no batch {args.batch_id}", file=sys.stderr)
        return 1
    print(BatchStatusOut.of(status).model_dump_json(indent=2))
    return 0


def register(subparsers: Any) -> None:
    """Add `batch` to the `calsnack` command line (called from calsnack.cli.main)."""
    batch = subparsers.add_parser("batch", help="CSV command batches on an embedded data directory")
    actions = batch.add_subparsers(dest="batch_command", required=True)

    send = actions.add_parser("send", help="queue the rows of a local CSV file (CONTRACT §3)")
    send.add_argument("file", type=Path, metavar="FILE.csv")
    send.add_argument(
        "--sender", required=True, help="the organizers' domain's address; gets the result mail"
    )
    send.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    send.add_argument("--domain", default="snack.localhost", help="the service's mail domain (as `serve`)")
    send.add_argument("--base-url", default=None, help="as `serve --base-url`")
    send.set_defaults(func=_send)

    status = actions.add_parser("status", help="a batch's progress as JSON")
    status.add_argument("batch_id", metavar="ID")
    status.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    status.set_defaults(func=_status)
