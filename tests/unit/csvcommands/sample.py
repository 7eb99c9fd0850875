"""What the CSV tests share: one fixed clock, one sending domain, and batch files built from rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from calsnack.csvcommands import read_commands
from calsnack.domain.commands import CommandRow
from calsnack.domain.model import RowError

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DOMAIN = "corp.example"
HEADER = (
    "command",
    "event_id",
    "organizer",
    "date",
    "start_time",
    "end_time",
    "timezone",
    "subject",
    "location",
    "meeting_url",
    "description",
    "language",
    "reminder",
    "attendees",
)
#: A CREATE row that passes every check, as a mapping a case can override.
CREATE = {
    "command": "CREATE",
    "event_id": "ev-1",
    "organizer": "ana@corp.example",
    "date": "2030-03-04",
    "start_time": "09:00",
    "end_time": "10:00",
    "timezone": "Europe/Paris",
    "subject": "Planning",
    "location": "Room B12",
    "meeting_url": "https://meet.google.com/abc-defg-hij",
    "description": "Bring the numbers.",
    "attendees": "bob@example.org",
}


def batch(rows: Iterable[Sequence[str]], header: Sequence[str] = HEADER, newline: str = "\r\n") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def row_of(cells: dict[str, str]) -> list[str]:
    return [cells.get(column, "") for column in HEADER]


def read(data: bytes) -> list[CommandRow | RowError]:
    return list(read_commands(io.BytesIO(data), batch_id="b-1", sender_domain=DOMAIN, now=NOW))


class TrickleStream(io.BytesIO):
    """A stream that hands out a few bytes a read, as a slow socket does; counts what was read."""

    def __init__(self, data: bytes, most: int) -> None:
        super().__init__(data)
        self.size = len(data)
        self._most = most

    def read(self, size: int | None = -1) -> bytes:
        return super().read(self._most if size is None or size < 0 else min(size, self._most))

    @property
    def consumed(self) -> int:
        return self.tell()
