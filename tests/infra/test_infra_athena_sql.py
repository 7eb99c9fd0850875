"""The Athena views (infra/sql/*.sql) run on DuckDB over the same tables: the counts they give are
the ones `calsnack report` gives (latest answer wins; a No from someone never invited is only a
decline)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from infra.analytics import TABLES, VIEWS, view_sql

DUCKDB_TYPES = {"string": "VARCHAR", "int": "INTEGER"}

EVENTS = [
    # organizer, event_id, uid, status, sequence, summary, start, end, timezone, source, updated_at, dt
    (
        "ann@acme.test",
        "e1",
        "u1",
        "CONFIRMED",
        0,
        "Kickoff",
        "2025-03-01T10:00",
        "2025-03-01T11:00",
        "Europe/Paris",
        "csv",
        "2025-02-01T00:00:00Z",
        "2025-02-01",
    ),
    (
        "ann@acme.test",
        "e1",
        "u1",
        "CONFIRMED",
        1,
        "Kickoff (moved)",
        "2025-03-02T10:00",
        "2025-03-02T11:00",
        "Europe/Paris",
        "csv",
        "2025-02-02T00:00:00Z",
        "2025-02-02",
    ),
    (
        "ann@acme.test",
        "e2",
        "u2",
        "CANCELLED",
        1,
        "Offsite",
        "2025-04-01T09:00",
        "2025-04-01T17:00",
        "Europe/Paris",
        "calendar",
        "2025-02-03T00:00:00Z",
        "2025-02-03",
    ),
    (
        "bob@beta.test",
        "e3",
        "u3",
        "CONFIRMED",
        0,
        "Demo",
        "2025-05-01T15:00",
        "2025-05-01T16:00",
        "America/Chicago",
        "csv",
        "2025-02-04T00:00:00Z",
        "2025-02-04",
    ),
]
INVITATIONS = [
    # organizer, event_id, uid, attendee, attendee_domain, sequence, method, channel, sent_at, dt
    (
        "ann@acme.test",
        "e1",
        "u1",
        "alice@x.test",
        "x.test",
        0,
        "REQUEST",
        "csv",
        "2025-02-01T00:01:00Z",
        "2025-02-01",
    ),
    (
        "ann@acme.test",
        "e1",
        "u1",
        "Alice@X.test",
        "x.test",
        1,
        "REQUEST",
        "csv",
        "2025-02-02T00:01:00Z",
        "2025-02-02",
    ),
    (
        "ann@acme.test",
        "e1",
        "u1",
        "bea@y.test",
        "y.test",
        0,
        "REQUEST",
        "button",
        "2025-02-01T00:02:00Z",
        "2025-02-01",
    ),
    (
        "ann@acme.test",
        "e1",
        "u1",
        "cid@y.test",
        "y.test",
        0,
        "REQUEST",
        "csv",
        "2025-02-01T00:03:00Z",
        "2025-02-01",
    ),
    (
        "bob@beta.test",
        "e3",
        "u3",
        "dan@z.test",
        "z.test",
        0,
        "REQUEST",
        "button",
        "2025-02-04T00:01:00Z",
        "2025-02-04",
    ),
    # A retried stream batch repeats a row; a CANCEL invites nobody, whoever gets it.
    (
        "bob@beta.test",
        "e3",
        "u3",
        "dan@z.test",
        "z.test",
        0,
        "REQUEST",
        "button",
        "2025-02-04T00:01:00Z",
        "2025-02-04",
    ),
    (
        "ann@acme.test",
        "e2",
        "u2",
        "fay@v.test",
        "v.test",
        1,
        "CANCEL",
        "calendar",
        "2025-02-03T00:01:00Z",
        "2025-02-03",
    ),
]
ANSWERS = [
    # organizer, event_id, uid, attendee, attendee_domain, answer, channel, answered_at, comment, dt
    (
        "ann@acme.test",
        "e1",
        "u1",
        "alice@x.test",
        "x.test",
        "ACCEPTED",
        "button",
        "2025-02-01T01:00:00Z",
        "",
        "2025-02-01",
    ),
    (
        "ann@acme.test",
        "e1",
        "u1",
        "ALICE@x.test",
        "x.test",
        "DECLINED",
        "calendar",
        "2025-02-05T01:00:00Z",
        "",
        "2025-02-05",
    ),
    (
        "ann@acme.test",
        "e1",
        "u1",
        "bea@y.test",
        "y.test",
        "TENTATIVE",
        "button",
        "2025-02-01T02:00:00Z",
        "",
        "2025-02-01",
    ),
    (
        "ann@acme.test",
        "e1",
        "u1",
        "eve@w.test",
        "w.test",
        "DECLINED",
        "button",
        "2025-02-01T03:00:00Z",
        "",
        "2025-02-01",
    ),
    (
        "bob@beta.test",
        "e3",
        "u3",
        "dan@z.test",
        "z.test",
        "DECLINED",
        "calendar",
        "2025-02-04T01:00:00Z",
        "",
        "2025-02-04",
    ),
    (
        "bob@beta.test",
        "e3",
        "u3",
        "dan@z.test",
        "z.test",
        "ACCEPTED",
        "calendar",
        "2025-02-04T02:00:00Z",
        "",
        "2025-02-04",
    ),
]
ROWS = {"events": EVENTS, "invitations": INVITATIONS, "answers": ANSWERS}


@pytest.fixture(scope="module")
def database() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA calsnack")
    for table, columns in TABLES.items():
        definition = ", ".join(f'"{c}" {DUCKDB_TYPES[t]}' for c, t in {**columns, "dt": "string"}.items())
        connection.execute(f"CREATE TABLE calsnack.{table} ({definition})")
        placeholders = ", ".join("?" for _ in range(len(columns) + 1))
        connection.executemany(f"INSERT INTO calsnack.{table} VALUES ({placeholders})", ROWS[table])
    for view in VIEWS:
        connection.execute(f"CREATE OR REPLACE VIEW calsnack.{view} AS {view_sql(view)}")
    yield connection
    connection.close()


def rows(connection: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    cursor = connection.execute(query)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_by_event_counts_latest_answers(database: duckdb.DuckDBPyConnection) -> None:
    events = {r["event_id"]: r for r in rows(database, "SELECT * FROM calsnack.by_event")}
    assert set(events) == {"e1", "e2", "e3"}
    e1 = events["e1"]
    assert (e1["sequence"], e1["summary"], e1["status"]) == (1, "Kickoff (moved)", "confirmed")
    # alice: invited, Yes then No → declined; bea: Maybe; cid: no answer; eve: No, never invited.
    assert {k: e1[k] for k in ("invited", "accepted", "tentative", "declined", "needs_action")} == {
        "invited": 3,
        "accepted": 0,
        "tentative": 1,
        "declined": 2,
        "needs_action": 1,
    }
    assert events["e2"]["status"] == "cancelled"
    assert (events["e2"]["invited"], events["e2"]["declined"], events["e2"]["needs_action"]) == (0, 0, 0)
    e3 = events["e3"]
    assert (e3["invited"], e3["accepted"], e3["declined"], e3["needs_action"]) == (1, 1, 0, 0)


def test_by_organizer_adds_up_their_events(database: duckdb.DuckDBPyConnection) -> None:
    organizers = {r["organizer"]: r for r in rows(database, "SELECT * FROM calsnack.by_organizer")}
    ann = organizers["ann@acme.test"]
    assert (ann["events"], ann["cancelled"], ann["invited"], ann["declined"]) == (2, 1, 3, 2)
    assert organizers["bob@beta.test"]["accepted"] == 1


def test_by_domain_groups_by_the_organizer_domain(database: duckdb.DuckDBPyConnection) -> None:
    domains = {r["domain"]: r for r in rows(database, "SELECT * FROM calsnack.by_domain")}
    assert set(domains) == {"acme.test", "beta.test"}
    assert (domains["acme.test"]["organizers"], domains["acme.test"]["events"]) == (1, 2)


@pytest.mark.parametrize("view", VIEWS)
def test_view_sql_is_a_single_select(view: str) -> None:
    sql = view_sql(view)
    assert sql.upper().startswith(("SELECT", "WITH"))
    assert ";" not in sql
