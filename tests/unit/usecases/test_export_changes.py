"""The stream exporter's use case: which changes make which rows, and how a batch is written."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from calsnack.adapters.embedded.blobs import FileBlobStore
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.analytics.files import read_rows
from calsnack.domain.model import Attendee, Channel, EventStatus, PartStat
from calsnack.ical.derived import derived_calendar
from calsnack.usecases.export_changes import (
    AttendeeChanged,
    ChangeExport,
    EventChanged,
    Unexported,
    UnknownEvent,
)

from tests.contract.builders import T0, make_event

EVENT = make_event("ada@corp.example", "kickoff", version=1)
AT = T0 + timedelta(hours=2)
DAY = "2031-05-17"


class CountingStore(SqliteStore):
    def __init__(self, path: Path) -> None:
        super().__init__(path, derived_calendar=derived_calendar)
        self.reads = 0

    def get_event(self, key: str):
        self.reads += 1
        return super().get_event(key)


@pytest.fixture
def store(tmp_path: Path) -> CountingStore:
    store = CountingStore(tmp_path / "db.sqlite")
    store.put_event(EVENT.revised(version=0))
    return store


@pytest.fixture
def sink(tmp_path: Path) -> FileBlobStore:
    return FileBlobStore(tmp_path / "out")


def table(sink: FileBlobStore, name: str) -> list[dict]:
    return [r for p in sorted((sink.root / name).glob("dt=*/*.json.gz")) for r in read_rows(p.read_bytes())]


def person(**changes: object) -> Attendee:
    return replace(Attendee(email="bea@guests.example"), **changes)  # type: ignore[arg-type]


def changed(position: int, old: Attendee | None, new: Attendee) -> AttendeeChanged:
    return AttendeeChanged(position=str(position), at=AT, event_key=EVENT.key, old=old, new=new)


def test_event_writes_make_rows_only_when_the_table_would_change(store, sink) -> None:
    export = ChangeExport(store, sink)
    revised = EVENT.revised(sequence=3, status=EventStatus.CANCELLED, updated_at=AT)
    export.add(EventChanged("1", AT, None, EVENT))
    export.add(EventChanged("2", AT, EVENT, EVENT.revised(snack_sent=False, applied_row="b:9")))
    export.add(EventChanged("3", AT, EVENT, revised))
    summary = export.write()
    assert summary.rows == {"events": 2}
    assert [(r["sequence"], r["status"]) for r in table(sink, "events")] == [
        (2, "confirmed"),
        (3, "cancelled"),
    ]
    assert summary.files == (f"events/dt={DAY}/1-3-0000.json.gz",)


def test_attendee_writes_make_invitation_and_answer_rows(store, sink) -> None:
    export = ChangeExport(store, sink)
    sent0 = person(invited_sequence=0, invited_at=T0)
    yes = replace(
        sent0, partstat=PartStat.ACCEPTED, answered_at=T0 + timedelta(minutes=1), channel=Channel.BUTTON
    )
    sent1 = replace(yes, invited_sequence=1, invited_at=T0 + timedelta(minutes=2))
    cancelled = replace(sent1, cancel_sent=True)
    export.add(changed(1, None, sent0))  # the first invitation
    export.add(changed(2, sent0, sent0))  # a re-delivered send: same revision, nothing new
    export.add(changed(3, sent0, yes))  # an answer
    export.add(changed(4, yes, sent1))  # the next revision sent
    export.add(changed(5, sent1, cancelled))  # the cancellation
    export.add(changed(6, cancelled, cancelled))
    summary = export.write()
    assert summary.rows == {"invitations": 3, "answers": 1}
    invitations = table(sink, "invitations")
    assert [(r["method"], r["sequence"], r["channel"]) for r in invitations] == [
        ("REQUEST", 0, "list"),
        ("REQUEST", 1, "button"),
        ("CANCEL", 2, "button"),  # at the event's revision
    ]
    assert all((r["organizer"], r["event_id"]) == ("ada@corp.example", "kickoff") for r in invitations)
    assert invitations[2]["sent_at"] == "2031-05-17T11:30:00.000000Z"  # the stream record's time
    [answer] = table(sink, "answers")
    assert (answer["attendee"], answer["answer"], answer["channel"]) == (
        "bea@guests.example",
        "ACCEPTED",
        "button",
    )


def test_an_answer_made_in_the_same_write_as_the_first_invitation(store, sink) -> None:
    """A Yes click records the answer first; an item may still appear with both at once."""
    export = ChangeExport(store, sink)
    both = person(
        invited_sequence=0,
        invited_at=T0,
        partstat=PartStat.TENTATIVE,
        answered_at=T0,
        channel=Channel.CALENDAR,
    )
    export.add(changed(1, None, both))
    assert export.write().rows == {"invitations": 1, "answers": 1}


def test_an_invitation_without_a_sending_time_is_dated_by_the_write(store, sink) -> None:
    export = ChangeExport(store, sink)
    export.add(changed(1, None, person(invited_sequence=0)))
    export.write()
    [row] = table(sink, "invitations")
    assert row["sent_at"] == "2031-05-17T11:30:00.000000Z"


def test_the_event_is_read_once_per_batch(store, sink) -> None:
    export = ChangeExport(store, sink)
    for n in range(5):
        export.add(changed(n, None, person(email=f"p{n}@guests.example", invited_sequence=0, invited_at=T0)))
    assert store.reads == 1
    # An event revision in the batch is used as it is, without a read.
    other = make_event("ada@corp.example", "other", version=1)
    export.add(EventChanged("9", AT, None, other))
    export.add(AttendeeChanged("10", AT, other.key, None, person(invited_sequence=0, invited_at=T0)))
    assert store.reads == 1


def test_an_attendee_of_an_unknown_event_fails_its_change(store, sink) -> None:
    export = ChangeExport(store, sink)
    with pytest.raises(UnknownEvent):
        export.add(AttendeeChanged("1", AT, "0" * 32, None, person(invited_sequence=0)))


def test_only_changes_before_the_first_failure_are_written(store, sink) -> None:
    """Lambda retries a stream batch from its first failed record: later rows would be written twice."""
    export = ChangeExport(store, sink)
    export.add(Unexported("100"))
    export.add(changed(101, None, person(email="a@x.example", invited_sequence=0, invited_at=T0)))
    # 102 failed (never added); 103 succeeded but is retried with it.
    export.add(changed(103, None, person(email="c@x.example", invited_sequence=0, invited_at=T0)))
    summary = export.write(failed=["102"])
    assert summary.files == (f"invitations/dt={DAY}/100-101-0000.json.gz",)
    assert [r["attendee"] for r in table(sink, "invitations")] == ["a@x.example"]


def test_a_failure_first_writes_nothing(store, sink) -> None:
    export = ChangeExport(store, sink)
    export.add(changed(1, None, person(invited_sequence=0, invited_at=T0)))
    assert export.write(failed=["1"]).files == ()
    assert not sink.root.exists() or list(sink.root.iterdir()) == []


def test_a_retried_batch_rewrites_its_own_files(store, sink) -> None:
    def run() -> dict[str, bytes]:
        export = ChangeExport(store, sink)
        export.add(EventChanged("7", AT, None, EVENT))
        export.add(changed(8, None, person(invited_sequence=0, invited_at=T0)))
        return {key: (sink.root / key).read_bytes() for key in export.write().files}

    first = run()
    assert run() == first
    assert len(list(sink.root.rglob("*.json.gz"))) == 2
