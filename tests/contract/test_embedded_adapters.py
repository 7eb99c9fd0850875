"""Embedded-only behaviour the contract cannot express: opening a database an older version wrote,
and what an event row holds."""

from __future__ import annotations

import sqlite3

import pytest
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.domain.model import Attendee, Delivery, Event, Method, PartStat, Source
from calsnack.ical.derived import derived_calendar
from calsnack.ical.write import fields_calendar

from tests.contract.builders import T0, calendar_of, make_event

#: The attendees table as the first release created it, before `invited_at`.
OLD_ATTENDEES = """
CREATE TABLE attendees (
    event_key TEXT NOT NULL,
    email TEXT NOT NULL,
    partstat TEXT NOT NULL DEFAULT 'NEEDS-ACTION',
    answered_at TEXT,
    channel TEXT,
    invited_sequence INTEGER,
    cancel_sent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_key, email)
) WITHOUT ROWID;
INSERT INTO attendees (event_key, email, invited_sequence) VALUES ('k', 'old@x.example', 0);
"""


def test_a_database_from_before_invited_at_opens_and_gains_the_column(tmp_path):
    path = tmp_path / "calsnack.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_ATTENDEES)
    conn.close()
    store = SqliteStore(path, derived_calendar=derived_calendar)
    assert store.get_attendees("k", ["old@x.example"]) == {
        "old@x.example": Attendee("old@x.example", PartStat.NEEDS_ACTION, invited_sequence=0)
    }
    store.record_sent([Delivery("k", "old@x.example", 1, Method.REQUEST)], T0)
    assert store.get_attendees("k", ["old@x.example"])["old@x.example"].invited_at == T0
    # Opening it again (another process, a restart) finds the column and changes nothing.
    assert (
        SqliteStore(path, derived_calendar=derived_calendar)
        .get_attendees("k", ["old@x.example"])["old@x.example"]
        .invited_sequence
        == 1
    )


def _row_data(path, key):
    with sqlite3.connect(path) as conn:
        (data,) = conn.execute("SELECT data FROM events WHERE key = ?", (key,)).fetchone()
    conn.close()
    return data


def _stored_all_texts(event: Event) -> None:
    """The rule of a store that keeps every text (as the SQLite store did before `ical.derived`)."""
    return


def test_a_csv_events_calendar_is_stored_only_if_its_fields_do_not_rebuild_it(tmp_path):
    path = tmp_path / "calsnack.db"
    store = SqliteStore(path, derived_calendar=derived_calendar)
    rebuilt = make_event("ada@corp.example", "reminder-1")
    rebuilt = rebuilt.revised(calendar=fields_calendar(rebuilt))
    with_alarm = make_event("ada@corp.example", "reminder-2")
    with_alarm = with_alarm.revised(calendar=calendar_of(with_alarm, reminder=30))
    client = make_event("ada@corp.example", "meeting", source=Source.CALENDAR)
    for event, kept in ((rebuilt, False), (with_alarm, True), (client, True)):
        (stored,) = store.put_events([event])
        assert stored is not None
        assert ("BEGIN:VCALENDAR" in _row_data(path, event.key)) is kept
        assert store.get_event(event.key) == stored
        assert store.get_events([event.key]) == {event.key: stored}
        # A revision writes the row again, by the same rule (SEQUENCE is written per send).
        revised = store.put_event(stored.revised(sequence=stored.sequence + 1))
        assert ("BEGIN:VCALENDAR" in _row_data(path, event.key)) is kept
        assert store.get_event(event.key) == revised


def test_rows_written_with_their_text_read_as_they_are(tmp_path):
    """A database written before the calendar was left out (or by a store keeping every text)."""
    path = tmp_path / "calsnack.db"
    event = make_event("ada@corp.example", "reminder-1")
    event = event.revised(calendar=fields_calendar(event))
    (stored,) = SqliteStore(path, derived_calendar=_stored_all_texts).put_events([event])
    assert "BEGIN:VCALENDAR" in _row_data(path, event.key)
    assert SqliteStore(path, derived_calendar=derived_calendar).get_event(event.key) == stored


def test_a_row_without_a_calendar_its_fields_do_not_give_is_refused(tmp_path):
    path = tmp_path / "calsnack.db"
    event = make_event("ada@corp.example", "reminder-1")
    event = event.revised(calendar=fields_calendar(event))
    SqliteStore(path, derived_calendar=derived_calendar).put_events([event])
    with pytest.raises(ValueError, match="holds no calendar"):
        SqliteStore(path, derived_calendar=_stored_all_texts).get_event(event.key)
