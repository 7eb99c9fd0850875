"""User mistakes on the command line: one clear line on stderr, exit code 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.cli.main import main
from calsnack.ical.derived import derived_calendar

HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,description,attendees"
ROW = "CREATE,ev-{n},olga@example.com,2031-01-02,10:00,11:00,Europe/Berlin,Webinar,{text},a{n}@example.org"


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("calsnack: ")
    return lines[0]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data directory as `calsnack serve` leaves it: the folder and its database."""
    folder = tmp_path / "data"
    folder.mkdir()
    SqliteStore(folder / "calsnack.db", derived_calendar=derived_calendar)
    return folder


def test_export_out_on_a_file(data: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "report.txt"
    target.write_text("mine")
    assert main(["export", "--data-dir", str(data), "--out", str(target)]) == 2
    assert f"--out {target} is a file" in one_error_line(capsys)
    assert target.read_text() == "mine"


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--domain", "example.com", "--json"],
        ["export", "--out", "OUT"],
        ["batch", "status", "ffffffffffffffffffffffff"],
        ["batch", "send", "FILE", "--sender", "ops@example.com"],
        ["apikey", "create", "--domain", "example.com"],
        ["apikey", "list", "--domain", "example.com"],
        ["dlq", "list"],
    ],
)
def test_a_data_directory_that_does_not_exist_is_an_error(argv: list[str], tmp_path: Path, capsys) -> None:
    missing = tmp_path / "typo"
    source = tmp_path / "rows.csv"
    source.write_text(HEADER + "\n")
    argv = [str(source) if a == "FILE" else str(tmp_path / "out") if a == "OUT" else a for a in argv]
    assert main([*argv, "--data-dir", str(missing)]) == 2
    assert f"no calsnack data directory at {missing}" in one_error_line(capsys)
    assert not missing.exists(), "only `serve` creates a data directory"


def test_serve_refuses_a_data_directory_that_is_a_file(tmp_path: Path, capsys) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["serve", "--data-dir", str(target)]) == 2
    assert "is a file, not a data directory" in one_error_line(capsys)


def test_a_data_directory_that_holds_no_database(tmp_path: Path, capsys) -> None:
    (tmp_path / "calsnack.db").write_bytes(b"this is not SQLite" * 100)
    assert main(["report", "--domain", "example.com", "--json", "--data-dir", str(tmp_path)]) == 2
    assert "holds no usable calsnack database" in one_error_line(capsys)


def test_batch_send_names_a_missing_file_and_a_bad_sender(data: Path, tmp_path: Path, capsys) -> None:
    assert (
        main(
            [
                "batch",
                "send",
                str(tmp_path / "nope.csv"),
                "--sender",
                "ops@example.com",
                "--data-dir",
                str(data),
            ]
        )
        == 2
    )
    assert "no file" in one_error_line(capsys)
    source = tmp_path / "rows.csv"
    source.write_text(HEADER + "\n")
    assert main(["batch", "send", str(source), "--sender", "not an address", "--data-dir", str(data)]) == 2
    assert "is not an e-mail address" in one_error_line(capsys)


def test_an_unclosed_quote_is_named_with_its_row(data: Path, tmp_path: Path, capsys) -> None:
    source = tmp_path / "rows.csv"
    rows = [
        HEADER,
        ROW.format(n=1, text="fine"),
        ROW.format(n=2, text='"Bring, please'),
        ROW.format(n=3, text="x"),
    ]
    source.write_text("\n".join(rows) + "\n")
    argv = ["batch", "send", str(source), "--sender", "ops@example.com", "--data-dir", str(data), "--no-wait"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "2 rows read, 1 rows queued, 1 refused while reading" in out
    assert 'row 3 refused: Row 3 opens a quote (") in a cell and never closes it' in out
    batch_id = out.split()[1].rstrip(":")
    assert main(["batch", "status", batch_id, "--data-dir", str(data)]) == 0
    (error,) = json.loads(capsys.readouterr().out)["errors"]
    assert error["row"] == 3 and "never closes" in error["reason"]
