"""Whole files as senders' spreadsheets write them: encodings, line ends, quoting, and junk."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from calsnack.csvcommands import BatchRefused, read_commands
from calsnack.csvcommands.columns import COLUMNS
from calsnack.csvcommands.transcode import CHUNK
from calsnack.domain.commands import CommandName, CommandRow
from calsnack.domain.model import RowError

from .sample import CREATE, DOMAIN, HEADER, NOW, TrickleStream, batch, read, row_of

HOSTILE = Path(__file__).parent / "hostile"
EXPECTED: dict[str, Any] = json.loads((HOSTILE / "expected.json").read_text(encoding="utf-8"))
CASES = sorted(path.name for path in HOSTILE.glob("*.csv"))


def outcome(stream: Any) -> tuple[list[CommandRow | RowError], str | None]:
    results: list[CommandRow | RowError] = []
    try:
        results.extend(read_commands(stream, batch_id="b-1", sender_domain=DOMAIN, now=NOW))
    except BatchRefused as refusal:
        return results, str(refusal)
    return results, None


def summary(result: CommandRow | RowError) -> list[object]:
    if isinstance(result, RowError):
        return [result.row, "refused", result.column]
    return [result.row, result.command.value, result.event_id]


def test_every_case_file_has_an_expectation() -> None:
    assert sorted(name for name in EXPECTED if not name.startswith("_")) == CASES


@pytest.mark.parametrize("name", CASES)
def test_hostile_file(name: str) -> None:
    expected = EXPECTED[name]
    results, refusal = outcome(io.BytesIO((HOSTILE / name).read_bytes()))

    if "refused" in expected:
        assert refusal is not None
        assert refusal.startswith(expected["refused"])
    else:
        assert refusal is None
    if "rows" in expected:
        assert [summary(result) for result in results] == expected["rows"]
    if "count" in expected:
        assert len(results) == expected["count"]
        assert summary(results[-1]) == expected["last"]
    if "subject" in expected:
        subjects = [r.fields.subject for r in results if isinstance(r, CommandRow) and r.fields.subject]
        assert subjects[-1] == expected["subject"]


@pytest.mark.parametrize("name", CASES)
def test_a_trickling_stream_reads_like_a_file(name: str) -> None:
    data = (HOSTILE / name).read_bytes()
    assert outcome(TrickleStream(data, most=3)) == outcome(io.BytesIO(data))


def test_aliases_fill_the_contract_columns() -> None:
    (row,) = read((HOSTILE / "aliases.csv").read_bytes())

    assert isinstance(row, CommandRow)
    assert row.command is CommandName.CREATE
    assert row.organizer == "ana@corp.example"
    assert row.fields.date is not None
    assert row.fields.date.isoformat() == "2030-03-04"
    assert str(row.fields.start_time) == "09:00:00"
    assert str(row.fields.end_time) == "00:00:00"
    assert row.fields.timezone == "Europe/Paris"
    assert row.fields.location == "B12"
    assert row.fields.meeting_url == "https://meet.google.com/abc-defg-hij"
    assert row.fields.description == "Bring numbers"
    assert row.attendees == ("bob@example.org", "carol@example.org")
    assert row.cells[-1] == "whatever"


def test_header_is_kept_as_the_sender_wrote_it() -> None:
    reader = read_commands(
        io.BytesIO((HOSTILE / "utf8-bom.csv").read_bytes()), batch_id="b", sender_domain=DOMAIN, now=NOW
    )
    assert reader.header[:3] == ("Command", "Event_ID", "Organizer")


def test_reading_is_streamed_not_slurped() -> None:
    rows = (row_of({**CREATE, "event_id": f"ev-{n}"}) for n in range(50_000))
    stream = TrickleStream(batch(rows), most=CHUNK)
    reader = read_commands(stream, batch_id="b", sender_domain=DOMAIN, now=NOW)

    next(reader)

    assert stream.consumed <= 4 * CHUNK
    assert stream.size > 40 * CHUNK


def test_row_numbers_are_records_not_lines() -> None:
    data = batch(
        [
            row_of({**CREATE, "description": "one\ntwo\nthree"}),
            row_of({**CREATE, "event_id": "ev-2", "date": "not a date"}),
        ]
    )
    first, second = read(data)
    assert first.row == 2
    assert second == RowError(3, "date", '"not a date" is not a date: write YYYY-MM-DD', second.cells)


def test_a_long_cell_is_refused_with_its_row() -> None:
    (result,) = read(batch([row_of({**CREATE, "description": "x" * 10_000})]))
    assert result == RowError(
        2, "description", "the description is longer than 8000 characters", result.cells
    )
    assert len(result.cells[10]) == 10_000


def test_a_quote_that_never_closes_refuses_the_rest_of_the_file() -> None:
    good = batch([row_of(CREATE)])
    broken = b'UPDATE,ev-1,,,,,,"Unclosed subject,,,,\r\n' + b"CANCEL,ev-1,,,,,,,,,,\r\n" * 10_000

    results, refusal = outcome(io.BytesIO(good + broken))

    assert [summary(result) for result in results] == [[2, "CREATE", "ev-1"]]
    assert refusal is not None
    assert refusal.startswith("Row 3 has a cell longer than 131072 characters")


def test_a_huge_cell_refuses_the_batch_from_its_row() -> None:
    data = batch([row_of(CREATE), row_of({**CREATE, "description": "x" * 200_000}), row_of(CREATE)])
    results, refusal = outcome(io.BytesIO(data))
    assert len(results) == 1
    assert refusal is not None
    assert refusal.startswith("Row 3 has a cell longer")


def test_a_late_bad_byte_in_a_windows_1252_file_names_its_row() -> None:
    data = batch([row_of({**CREATE, "subject": "Café"})]).decode().encode("cp1252") + b"CANCEL,ev-\x81\r\n"

    results, refusal = outcome(io.BytesIO(data))

    assert [summary(result) for result in results] == [[2, "CREATE", "ev-1"]]
    assert (
        refusal
        == 'Row 3 is neither UTF-8 nor Windows-1252 text; save the file as "CSV UTF-8" and send it again.'
    )


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        read_commands(io.BytesIO(batch([])), batch_id="b", sender_domain=DOMAIN, now=NOW.replace(tzinfo=None))


def test_the_columns_are_the_contracts() -> None:
    assert COLUMNS == HEADER
