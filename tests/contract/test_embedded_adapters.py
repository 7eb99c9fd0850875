"""Embedded-only behaviour the contract cannot express: opening a database an older version wrote."""

from __future__ import annotations

import sqlite3

from calsnack.adapters.embedded.store import SqliteStore
from calsnack.domain.model import Attendee, Delivery, Method, PartStat

from tests.contract.builders import T0

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
    store = SqliteStore(path)
    assert store.get_attendees("k", ["old@x.example"]) == {
        "old@x.example": Attendee("old@x.example", PartStat.NEEDS_ACTION, invited_sequence=0)
    }
    store.record_sent([Delivery("k", "old@x.example", 1, Method.REQUEST)], T0)
    assert store.get_attendees("k", ["old@x.example"])["old@x.example"].invited_at == T0
    # Opening it again (another process, a restart) finds the column and changes nothing.
    assert SqliteStore(path).get_attendees("k", ["old@x.example"])["old@x.example"].invited_sequence == 1
