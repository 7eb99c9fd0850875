"""`calsnack export`'s use case and command: the store's present state as the three tables."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

import pytest
from calsnack.adapters.embedded.blobs import FileBlobStore
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.analytics.files import read_rows
from calsnack.cli import export as export_command
from calsnack.cli.errors import UserError
from calsnack.domain.model import Channel, Delivery, EventStatus, Method, PartStat
from calsnack.ical.derived import derived_calendar
from calsnack.usecases import export_snapshot as snapshot

from tests.contract.builders import T0, answer, make_event

NOW = T0 + timedelta(days=3)


def table(root: Path, name: str) -> list[dict]:
    return [r for p in sorted((root / name).glob("dt=*/*.json.gz")) for r in read_rows(p.read_bytes())]


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "data" / "calsnack.db", derived_calendar=derived_calendar)


def fill(store: SqliteStore) -> None:
    """Kickoff: ann invited twice (latest revision 1) then Yes; bob invited, no answer; cid a No
    without an invitation. Offsite: cancelled, dan got the cancellation."""
    kickoff = store.put_event(make_event("ada@corp.example", "kickoff"))
    key = kickoff.key
    store.record_sent([Delivery(key, "ann@x.example", 0, Method.REQUEST)], T0)
    store.record_sent([Delivery(key, "bob@y.example", 0, Method.REQUEST)], T0)
    store.record_sent([Delivery(key, "ann@x.example", 1, Method.REQUEST)], T0 + timedelta(hours=1))
    store.record_answer(key, answer("ann@x.example", PartStat.ACCEPTED, T0 + timedelta(hours=2)))
    store.record_answer(key, answer("cid@y.example", PartStat.DECLINED, T0 + timedelta(hours=3)))
    offsite = store.put_event(make_event("ada@corp.example", "offsite"))
    store.record_sent([Delivery(offsite.key, "dan@z.example", 2, Method.REQUEST)], T0)
    store.record_answer(offsite.key, answer("dan@z.example", PartStat.TENTATIVE, T0, Channel.CALENDAR))
    cancelled = store.put_event(
        offsite.revised(status=EventStatus.CANCELLED, sequence=3, updated_at=T0 + timedelta(days=1))
    )
    store.record_sent([Delivery(cancelled.key, "dan@z.example", 3, Method.CANCEL)], T0 + timedelta(days=1))


def test_a_snapshot_has_one_row_per_event_invitation_and_answer(store, tmp_path) -> None:
    fill(store)
    out = tmp_path / "out"
    summary = snapshot.export_snapshot(store, FileBlobStore(out), now=NOW)
    assert summary.rows == {"events": 2, "invitations": 4, "answers": 3}
    events = {r["event_id"]: r for r in table(out, "events")}
    assert (events["offsite"]["status"], events["offsite"]["sequence"]) == ("cancelled", 3)
    invitations = sorted(
        (r["event_id"], r["attendee"], r["method"], r["sequence"], r["channel"])
        for r in table(out, "invitations")
    )
    assert invitations == [
        ("kickoff", "ann@x.example", "REQUEST", 1, "list"),
        ("kickoff", "bob@y.example", "REQUEST", 0, "list"),
        ("offsite", "dan@z.example", "CANCEL", 3, "calendar"),
        ("offsite", "dan@z.example", "REQUEST", 2, "calendar"),
    ]
    answers = sorted((r["event_id"], r["attendee"], r["answer"]) for r in table(out, "answers"))
    assert answers == [
        ("kickoff", "ann@x.example", "ACCEPTED"),
        ("kickoff", "cid@y.example", "DECLINED"),
        ("offsite", "dan@z.example", "TENTATIVE"),
    ]
    assert all(p.name == "part-0000.json.gz" for p in out.rglob("*.json.gz"))
    # The CANCEL is dated by the cancellation, the latest REQUEST by its own sending time.
    assert {p.parent.name for p in (out / "invitations").rglob("*.json.gz")} == {
        "dt=2031-05-17",
        "dt=2031-05-18",
    }


def test_attendees_are_read_page_by_page(store, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(snapshot, "ATTENDEE_PAGE", 3)
    event = store.put_event(make_event("ada@corp.example", "big"))
    emails = [f"p{n:02d}@x.example" for n in range(10)]
    store.record_sent([Delivery(event.key, e, 0, Method.REQUEST) for e in emails], T0)
    snapshot.export_snapshot(store, FileBlobStore(tmp_path / "out"), now=NOW)
    assert sorted(r["attendee"] for r in table(tmp_path / "out", "invitations")) == emails


def run_command(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="calsnack")
    export_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["export", *argv])
    code: int = args.func(args)
    return code


def test_the_command_replaces_an_earlier_export_and_keeps_other_files(store, tmp_path, capsys) -> None:
    fill(store)
    data, out = tmp_path / "data", tmp_path / "out"
    stale = out / "answers" / "dt=2020-01-01" / "part-0007.json.gz"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    keep = out / "answers" / "README.txt"
    keep.write_text("mine")
    assert run_command("--data-dir", str(data), "--out", str(out)) == 0
    assert "2 events, 4 invitations, 3 answers" in capsys.readouterr().out
    assert not stale.parent.exists()
    assert keep.read_text() == "mine"
    assert len(table(out, "answers")) == 3


def test_the_command_makes_every_table_folder_even_when_empty(store, tmp_path) -> None:
    store.put_event(make_event("ada@corp.example", "quiet"))
    out = tmp_path / "out"
    run_command("--data-dir", str(tmp_path / "data"), "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == ["answers", "events", "invitations"]
    assert list((out / "answers").iterdir()) == []


def test_the_command_needs_a_data_directory(tmp_path) -> None:
    with pytest.raises(UserError, match="no calsnack data directory"):
        run_command("--data-dir", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
