"""`calsnack apikey` and `calsnack batch` on a data directory, through their own argument parsers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.cli import apikey, batch
from calsnack.cli.main import main
from calsnack.ical.derived import derived_calendar
from calsnack.ports import QueueName
from calsnack.usecases.authorize_api_key import authorize_api_key


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="calsnack")
    sub = parser.add_subparsers(dest="command", required=True)
    apikey.register(sub)
    batch.register(sub)
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_a_created_key_is_printed_once_and_stored_as_a_hash(tmp_path: Path, capsys) -> None:
    assert (
        run("apikey", "create", "--domain", "Example.COM", "--label", "crm", "--data-dir", str(tmp_path)) == 0
    )
    key = capsys.readouterr().out.strip()
    assert key.startswith("csk_")
    store = SqliteStore(tmp_path / "calsnack.db", derived_calendar=derived_calendar)
    verdict = authorize_api_key(store, key)
    assert verdict.key is not None and verdict.key.domain == "example.com" and verdict.key.label == "crm"
    assert key not in (tmp_path / "calsnack.db").read_bytes().decode("latin-1")


def test_keys_are_listed_and_revoked_by_id(tmp_path: Path, capsys) -> None:
    run("apikey", "create", "--domain", "example.com", "--data-dir", str(tmp_path))
    key = capsys.readouterr().out.strip()
    run("apikey", "list", "--domain", "example.com", "--json", "--data-dir", str(tmp_path))
    (listed,) = json.loads(capsys.readouterr().out)["keys"]
    assert listed["revoked"] is False
    assert (
        run("apikey", "revoke", listed["key_id"], "--domain", "example.com", "--data-dir", str(tmp_path)) == 0
    )
    assert (
        authorize_api_key(
            SqliteStore(tmp_path / "calsnack.db", derived_calendar=derived_calendar), key
        ).reason
        == "revoked"
    )
    # Another domain's id is unknown there: a user error, one line and exit code 2.
    capsys.readouterr()
    assert (
        main(["apikey", "revoke", listed["key_id"], "--domain", "other.test", "--data-dir", str(tmp_path)])
        == 2
    )
    assert capsys.readouterr().err.count("\n") == 1


def test_a_malformed_domain_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        run("apikey", "create", "--domain", "not a domain", "--data-dir", str(tmp_path))


def test_batch_send_queues_the_rows_and_status_reports_them(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    source = tmp_path / "big.csv"
    rows = ["command,event_id,organizer,date,start_time,end_time,timezone,subject,attendees"]
    rows += [
        f"CREATE,ev{n},olga@example.com,2031-01-02,10:00,11:00,Europe/Berlin,{'Webinar ' * 20}{n},a{n}@example.org"
        for n in range(6000)
    ]
    rows.append("CREATE,bad,olga@example.com,2031-13-40,10:00,11:00,Europe/Berlin,Broken,b@example.org")
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    argv = ("batch", "send", str(source), "--sender", "ops@example.com", "--data-dir", str(data))
    assert run(*argv, "--json", "--no-wait") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["rows_total"] == 6001 and status["parsed"] is True and status["sender"] == "ops@example.com"
    assert (data / "blobs" / "batches" / f"{status['batch_id']}.csv").read_bytes() == source.read_bytes()

    from calsnack.adapters.embedded.queue import SqliteQueue

    assert SqliteQueue(data / "queue.db").next_visible_in(QueueName.COMMANDS) is not None
    assert run("batch", "status", status["batch_id"], "--data-dir", str(data)) == 0
    assert json.loads(capsys.readouterr().out)["batch_id"] == status["batch_id"]
    assert main(["batch", "status", "ffffffffffffffffffffffff", "--data-dir", str(data)]) == 2


def test_batch_send_refuses_a_file_that_is_no_csv(tmp_path: Path, capsys) -> None:
    source = tmp_path / "sheet.csv"
    source.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 10)
    assert (
        main(["batch", "send", str(source), "--sender", "ops@example.com", "--data-dir", str(tmp_path)]) == 2
    )
    err = capsys.readouterr().err
    assert "cannot be used" in err and "docs/csv.md" in err and err.count("\n") == 1
