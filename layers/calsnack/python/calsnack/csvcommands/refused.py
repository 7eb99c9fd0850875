"""The refused-rows CSV attached to a batch's reply (CONTRACT §3): row, column, reason, then the row;
and the digest of a batch's refusals the reply is written from (count, first rows, reasons).

Written for the spreadsheet the sender will open it in: UTF-8 with a BOM (Excel otherwise
guesses the legacy code page), CRLF records, and no cell that a spreadsheet would evaluate.
"""

from __future__ import annotations

import codecs
import csv
import heapq
import io
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Final

from calsnack.domain.model import RowError

#: The columns before the sender's own: the refused rows' header is these plus the file's header.
REFUSED_HEADER: Final = ("row", "column", "reason")

# OWASP's CSV-injection list: a cell starting with one of these is a formula to Excel,
# LibreOffice and Google Sheets.
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(cell: str) -> str:
    """The cell as text a spreadsheet shows rather than runs: a leading ' makes it a string."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


#: How much of each cell and reason a refused record echoes (a junk cell can be megabytes).
CELL_ECHO: Final = 1000


def _echo(cell: str) -> str:
    return formula_safe(cell if len(cell) <= CELL_ECHO else cell[:CELL_ECHO] + "…")


def refused_csv(errors: Iterable[RowError], header: Sequence[str]) -> bytes:
    """The refused rows in file order; `header` is the batch file's header row as the sender wrote it."""
    return refused_attachment(sorted(errors, key=attrgetter("row")), header, max_bytes=sys.maxsize)[0]


def refused_attachment(
    errors: Sequence[RowError], header: Sequence[str], *, max_bytes: int
) -> tuple[bytes, int]:
    """The records of `errors` (in the order given) that fit in about `max_bytes`, and how many did.

    The header always goes in; a record is added only while the file stays under the budget.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*REFUSED_HEADER, *map(_echo, header)])
    size = len(codecs.BOM_UTF8) + len(out.getvalue().encode("utf-8"))
    written = 0
    record = io.StringIO()
    line = csv.writer(record, lineterminator="\r\n")
    for error in errors:
        record.seek(0)
        record.truncate()
        line.writerow([error.row, _echo(error.column), _echo(error.reason), *map(_echo, error.cells)])
        text = record.getvalue()
        size += len(text.encode("utf-8"))
        if size > max_bytes:
            break
        out.write(text)
        written += 1
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8"), written


@dataclass(frozen=True, slots=True)
class RefusedDigest:
    """What a result mail says of a batch's refusals, however many there were."""

    count: int
    #: The refused rows with the lowest row numbers, in row order.
    first: tuple[RowError, ...]
    #: (column, reason, rows), the most common first.
    by_reason: tuple[tuple[str, str, int], ...]

    @property
    def other_reasons(self) -> int:
        return self.count - sum(rows for _, _, rows in self.by_reason)


#: Distinct (column, reason) pairs counted: reasons quote the cell, so junk has as many as rows.
_DISTINCT_REASONS = 1000


def digest_refusals(rows: Iterable[RowError], *, first: int, reasons: int) -> RefusedDigest:
    """One pass over a stream of refusals in any order, in memory bounded by `first` and the reasons."""
    lowest: list[tuple[int, int, RowError]] = []  # a max-heap on the row number: (-row, arrival, error)
    counts: Counter[tuple[str, str]] = Counter()
    total = 0
    for error in rows:
        total += 1
        if len(lowest) < first:
            heapq.heappush(lowest, (-error.row, total, error))
        elif lowest and error.row < -lowest[0][0]:
            heapq.heapreplace(lowest, (-error.row, total, error))
        key = (error.column, error.reason[:200])
        if key in counts or len(counts) < _DISTINCT_REASONS:
            counts[key] += 1
    ordered = tuple(e for _, _, e in sorted(lowest, key=lambda item: (-item[0], item[1])))
    common = tuple((column, reason, n) for (column, reason), n in counts.most_common(reasons))
    return RefusedDigest(total, ordered, common)
