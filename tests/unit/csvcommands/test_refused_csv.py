"""The refused-rows attachment: what the sender opens in a spreadsheet to fix and resend."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from calsnack.csvcommands import REFUSED_HEADER, refused_csv
from calsnack.csvcommands.refused import formula_safe
from calsnack.domain.commands import CommandRow
from calsnack.domain.model import RowError

from .sample import CREATE, HEADER, batch, read, row_of


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith(codecs.BOM_UTF8)
    text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_header_then_one_record_per_refused_row_in_file_order() -> None:
    errors = [
        RowError(7, "date", '"tomorrow" is not a date', ("UPDATE", "ev-2", "", "tomorrow")),
        RowError(3, "command", "the command is missing", ("", "ev-1")),
    ]

    records = parse(refused_csv(errors, ("Command", "Event ID", "Organizer", "Date")))

    assert records == [
        ["row", "column", "reason", "Command", "Event ID", "Organizer", "Date"],
        ["3", "command", "the command is missing", "", "ev-1"],
        ["7", "date", '"tomorrow" is not a date', "UPDATE", "ev-2", "", "tomorrow"],
    ]
    assert REFUSED_HEADER == ("row", "column", "reason")


def test_records_end_in_crlf_and_keep_embedded_newlines_and_quotes() -> None:
    error = RowError(2, "subject", "the subject must be on one line", ("CREATE", 'a "b",\nc'))

    data = refused_csv([error], ("command", "subject"))

    assert data.endswith(b"\r\n")
    assert data.count(b"\r\n") == 2
    assert parse(data)[1] == ["2", "subject", "the subject must be on one line", "CREATE", 'a "b",\nc']


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://evil.example","click")', '\'=HYPERLINK("http://evil.example","click")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_defused(cell: str, shown: str) -> None:
    assert formula_safe(cell) == shown
    records = parse(refused_csv([RowError(2, "command", "the command is missing", (cell,))], (cell,)))
    assert records[0][3] == shown
    assert records[1][3] == shown


def test_a_refused_file_read_back_keeps_its_rows() -> None:
    """The sender fixes the attachment and sends it again: the extra columns are ignored."""
    results = read(batch([row_of(CREATE), row_of({**CREATE, "event_id": "ev-2", "date": "soon"})]))
    errors = [result for result in results if isinstance(result, RowError)]
    attachment = refused_csv(errors, HEADER)
    fixed = attachment.replace(b"soon", b"2030-01-01")

    (again,) = read(fixed)

    assert isinstance(again, CommandRow)
    assert (again.row, again.event_id, str(again.fields.date)) == (2, "ev-2", "2030-01-01")
