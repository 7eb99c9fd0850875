"""The refused-rows CSV attached to a batch's reply (CONTRACT §3): row, column, reason, then the row.

Written for the spreadsheet the sender will open it in: UTF-8 with a BOM (Excel otherwise
guesses the legacy code page), CRLF records, and no cell that a spreadsheet would evaluate.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
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


def refused_csv(errors: Iterable[RowError], header: Sequence[str]) -> bytes:
    """The refused rows in file order; `header` is the batch file's header row as the sender wrote it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*REFUSED_HEADER, *map(formula_safe, header)])
    for error in sorted(errors, key=attrgetter("row")):
        writer.writerow(
            [
                error.row,
                formula_safe(error.column),
                formula_safe(error.reason),
                *map(formula_safe, error.cells),
            ]
        )
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
