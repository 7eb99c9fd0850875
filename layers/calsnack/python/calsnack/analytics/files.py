"""Table files: gzipped JSON Lines under `<table>/dt=YYYY-MM-DD/`, the layout the Glue tables
(partition projection) and DuckDB (`hive_partitioning`) read as they are.

Both exporters write through `PartitionedWriter` into a blob store: S3 in Lambda, a folder for
`calsnack export`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from calsnack.analytics.rows import Row, as_record
from calsnack.ports import BlobStore

SUFFIX = ".json.gz"
#: Uncompressed rows a writer holds before it writes them out (about 300 000 attendee rows).
DEFAULT_BUDGET = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What an export wrote: rows per table and the files' keys (under the sink's root)."""

    rows: Mapping[str, int]
    files: tuple[str, ...]


def file_key(table: str, dt: str, name: str) -> str:
    return f"{table}/dt={dt}/{name}{SUFFIX}"


def encode_line(row: Row) -> bytes:
    return json.dumps(as_record(row), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def compress(lines: Iterable[bytes]) -> bytes:
    """gzip with no timestamp: the same rows make the same bytes, so a retried batch that rewrites
    its file changes nothing."""
    return gzip.compress(b"".join(lines), compresslevel=6, mtime=0)


def read_rows(data: bytes) -> list[dict[str, object]]:
    """The rows of one file (for tests and checks; Athena and DuckDB read the files themselves)."""
    return [json.loads(line) for line in gzip.decompress(data).splitlines() if line]


class PartitionedWriter:
    """Groups rows by table and day and writes each group as `<name>-NNNN.json.gz`.

    Rows are held uncompressed until `budget` bytes are waiting; then every group is written, and
    a group that fills up again goes to its next file number. Memory stays bounded however many
    attendees an export reads, and a small export makes one file a partition.
    """

    def __init__(self, sink: BlobStore, name: str, *, budget: int = DEFAULT_BUDGET) -> None:
        self.sink = sink
        self.name = name
        self.budget = budget
        self.rows: dict[str, int] = {}
        self.files: list[str] = []
        self._waiting: dict[tuple[str, str], list[bytes]] = {}
        self._next_file: dict[tuple[str, str], int] = {}
        self._held = 0

    def add(self, row: Row) -> None:
        line = encode_line(row)
        self._waiting.setdefault((row.TABLE, row.dt), []).append(line)
        self.rows[row.TABLE] = self.rows.get(row.TABLE, 0) + 1
        self._held += len(line)
        if self._held >= self.budget:
            self.flush()

    def add_all(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        for (table, dt), lines in sorted(self._waiting.items()):
            number = self._next_file.get((table, dt), 0)
            key = file_key(table, dt, f"{self.name}-{number:04d}")
            self.sink.put(key, compress(lines))
            self.files.append(key)
            self._next_file[(table, dt)] = number + 1
        self._waiting.clear()
        self._held = 0

    def summary(self) -> ExportSummary:
        return ExportSummary(rows=dict(self.rows), files=tuple(self.files))
