"""The store port on SQLite: events, attendees, ledger markers, batch progress, API keys and
suppressions in one file."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

from calsnack.adapters.embedded.sqlite import SqliteDatabase
from calsnack.adapters.timestamps import instant
from calsnack.domain.addresses import normalize_address
from calsnack.domain.model import (
    Answer,
    ApiKey,
    Attendee,
    BatchStatus,
    Channel,
    Counts,
    Delivery,
    Event,
    EventStatus,
    Method,
    OccurrenceAnswer,
    PartStat,
    RowError,
    Source,
)
from calsnack.domain.unsubscribe import sender_scopes
from calsnack.ports import Conflict

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    key TEXT PRIMARY KEY,
    organizer TEXT NOT NULL,
    domain TEXT NOT NULL,
    event_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_by_organizer ON events (organizer, event_id);
CREATE INDEX IF NOT EXISTS events_by_domain ON events (domain, event_id, organizer);
CREATE TABLE IF NOT EXISTS attendees (
    event_key TEXT NOT NULL,
    email TEXT NOT NULL,
    partstat TEXT NOT NULL DEFAULT 'NEEDS-ACTION',
    answered_at TEXT,
    channel TEXT,
    invited_sequence INTEGER,
    cancel_sent INTEGER NOT NULL DEFAULT 0,
    invited_at TEXT,
    bounced INTEGER NOT NULL DEFAULT 0,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_key, email)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attendees_by_partstat ON attendees (event_key, partstat, email);
CREATE TABLE IF NOT EXISTS occurrence_answers (
    event_key TEXT NOT NULL,
    occurrence TEXT NOT NULL,
    email TEXT NOT NULL,
    partstat TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_key, occurrence, email)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger (key TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    sender TEXT NOT NULL,
    domain TEXT NOT NULL,
    message_id TEXT NOT NULL,
    header TEXT NOT NULL DEFAULT '[]',
    created_at TEXT,
    rows_total INTEGER NOT NULL DEFAULT 0,
    rows_applied INTEGER NOT NULL DEFAULT 0,
    rows_refused INTEGER NOT NULL DEFAULT 0,
    invitations_queued INTEGER NOT NULL DEFAULT 0,
    invitations_sent INTEGER NOT NULL DEFAULT 0,
    invitations_failed INTEGER NOT NULL DEFAULT 0,
    parsed INTEGER NOT NULL DEFAULT 0,
    reported INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batch_chunks (
    batch_id TEXT NOT NULL, chunk TEXT NOT NULL, PRIMARY KEY (batch_id, chunk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batch_errors (
    batch_id TEXT NOT NULL, row INTEGER NOT NULL, col TEXT NOT NULL, reason TEXT NOT NULL,
    cells TEXT NOT NULL, PRIMARY KEY (batch_id, row)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash TEXT PRIMARY KEY,
    domain TEXT NOT NULL,
    created_at TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    revoked INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS api_keys_by_domain ON api_keys (domain, created_at, key_hash);
CREATE TABLE IF NOT EXISTS suppressions (
    email TEXT NOT NULL,
    scope TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (email, scope)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rate_hits (
    key TEXT NOT NULL, window_start INTEGER NOT NULL, hits INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
) WITHOUT ROWID;
"""

#: Columns added after the first release: (table, column, declaration). A database made by an
#: older version lacks them, and CREATE TABLE IF NOT EXISTS leaves an existing table alone.
_ADDED_COLUMNS = (
    ("attendees", "invited_at", "TEXT"),
    ("attendees", "bounced", "INTEGER NOT NULL DEFAULT 0"),
    ("attendees", "comment", "TEXT NOT NULL DEFAULT ''"),
)

#: Host parameters one IN (...) list binds; SQLite's default limit is 999 before 3.32.
_IN_CHUNK = 500

_DATETIME_FIELDS = ("start", "end", "origin_stamp", "created_at", "updated_at", "sequence_raised_at")
_EVENT_FIELDS = tuple(f.name for f in fields(Event))
#: Every CREATE row writes an event and every send reads one: the field names are listed once,
#: and one encoder serves all (json.dumps builds a new one per call when given options).
_to_json = json.JSONEncoder(ensure_ascii=False).encode
_from_json = json.JSONDecoder().decode

#: The calendar text an event's fields give, None where they give none (`ical.derived`): the
#: domain's rule, handed in by the composition root, for which calendars need not be stored.
DerivedCalendar = Callable[[Event], str | None]


def event_to_json(event: Event, derived: DerivedCalendar) -> str:
    """The event as one JSON object; a calendar text that `derived` gives for the event's
    fields is left out, to be rebuilt on reading.

    A CSV event's text (its VTIMEZONE, place and note) is two thirds of the row: without it
    every CREATE writes and every send reads a third of the bytes, so the write transactions
    that serialize serve's processes hold the lock for less.
    """
    data: dict[str, Any] = {name: getattr(event, name) for name in _EVENT_FIELDS}
    for name in _DATETIME_FIELDS:
        if (value := data[name]) is not None:
            data[name] = value.isoformat()
    if derived(event) == event.calendar:
        del data["calendar"]
    return _to_json(data)


def event_from_json(text: str, version: int, derived: DerivedCalendar) -> Event:
    """The event a row holds; a calendar the row leaves out is the one `derived` gives."""
    data = _from_json(text)
    for name in _DATETIME_FIELDS:
        if data.get(name):
            data[name] = datetime.fromisoformat(data[name])
    data["source"] = Source(data["source"])
    data["status"] = EventStatus(data["status"])
    data["version"] = version
    if "calendar" in data:
        return Event(**data)
    event = Event(**data, calendar="")
    calendar = derived(event)
    if calendar is None:
        raise ValueError(f"event row {event.key} holds no calendar and its fields give none")
    return event.revised(calendar=calendar)


def _attendee(row: Any) -> Attendee:
    return Attendee(
        email=row["email"],
        partstat=PartStat(row["partstat"]),
        answered_at=datetime.fromisoformat(row["answered_at"]) if row["answered_at"] else None,
        channel=Channel(row["channel"]) if row["channel"] else None,
        invited_sequence=row["invited_sequence"],
        cancel_sent=bool(row["cancel_sent"]),
        invited_at=datetime.fromisoformat(row["invited_at"]) if row["invited_at"] else None,
        comment=row["comment"],
    )


def _api_key(row: Any) -> ApiKey:
    return ApiKey(
        key_hash=row["key_hash"],
        domain=row["domain"],
        created_at=datetime.fromisoformat(row["created_at"]),
        label=row["label"],
        revoked=bool(row["revoked"]),
    )


class SqliteStore:
    """Implements `calsnack.ports.Store`; safe to share between threads and processes.

    `derived_calendar` is the domain's rule for which calendar texts an event's fields give
    (`ical.derived`): those are not stored, and are rebuilt on reading. Rows written before
    (or by a store given another rule) keep their text and read as they are.
    """

    def __init__(self, path: Path, *, derived_calendar: DerivedCalendar) -> None:
        self._derived = derived_calendar
        self.db = SqliteDatabase(path, SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """Bring a database written by an older version up to the current schema.

        Checked and altered inside one write transaction, so two processes opening the same
        old file at once do not both try to add the column.
        """
        with self.db.write() as db:
            for table, column, declaration in _ADDED_COLUMNS:
                present = {r["name"] for r in db.execute(f"PRAGMA table_info({table})")}
                if column not in present:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")

    # -- events --------------------------------------------------------------------------
    def get_event(self, key: str) -> Event | None:
        row = (
            self.db.connection().execute("SELECT data, version FROM events WHERE key = ?", (key,)).fetchone()
        )
        return event_from_json(row["data"], row["version"], self._derived) if row else None

    def get_events(self, keys: Iterable[str]) -> dict[str, Event]:
        wanted = sorted(set(keys))
        found: dict[str, Event] = {}
        conn = self.db.connection()
        for i in range(0, len(wanted), _IN_CHUNK):
            part = wanted[i : i + _IN_CHUNK]
            rows = conn.execute(
                f"SELECT key, data, version FROM events WHERE key IN ({','.join('?' * len(part))})",  # noqa: S608
                part,
            )
            found.update((r["key"], event_from_json(r["data"], r["version"], self._derived)) for r in rows)
        return found

    def put_event(self, event: Event) -> Event:
        if event.version == 0:
            (stored,) = self._insert([event])
            if stored is None:
                raise Conflict(f"event {event.key} exists already")
            return stored
        stored = event.revised(version=event.version + 1)
        with self.db.write() as db:
            cur = db.execute(
                "UPDATE events SET data = ?, version = ? WHERE key = ? AND version = ?",
                (event_to_json(stored, self._derived), stored.version, event.key, event.version),
            )
            if cur.rowcount != 1:
                raise Conflict(f"event {event.key} changed since version {event.version}")
        return stored

    def put_events(self, events: Sequence[Event]) -> list[Event | None]:
        if any(e.version != 0 for e in events):
            raise ValueError("put_events creates events: every version must be 0")
        return self._insert(events)

    def _insert(self, events: Sequence[Event]) -> list[Event | None]:
        """New events in one transaction; None where the key is taken."""
        stored = [e.revised(version=1) for e in events]
        rows = [
            (
                e.key,
                normalize_address(e.organizer),
                e.organizer_domain,
                e.event_id,
                event_to_json(e, self._derived),
            )
            for e in stored
        ]
        out: list[Event | None] = []
        if not rows:
            return out
        with self.db.write() as db:
            # Which keys are taken, asked once, then the rest in one executemany: a chunk's
            # hundred rows cost two statements, not a hundred. Nobody writes in between.
            taken = self._taken(db, [row[0] for row in rows])
            fresh = []
            for row, event in zip(rows, stored, strict=True):
                if row[0] in taken:
                    out.append(None)
                else:
                    taken.add(row[0])
                    fresh.append(row)
                    out.append(event)
            db.executemany(
                "INSERT INTO events (key, organizer, domain, event_id, version, data) VALUES (?, ?, ?, ?, 1, ?)",
                fresh,
            )
        return out

    @staticmethod
    def _taken(db: sqlite3.Connection, keys: Sequence[str]) -> set[str]:
        taken: set[str] = set()
        for i in range(0, len(keys), _IN_CHUNK):
            part = keys[i : i + _IN_CHUNK]
            rows = db.execute(
                f"SELECT key FROM events WHERE key IN ({','.join('?' * len(part))})",  # noqa: S608
                part,
            )
            taken.update(r[0] for r in rows)
        return taken

    def _events(self, where: str, args: tuple[str, ...]) -> list[Event]:
        rows = self.db.connection().execute(
            f"SELECT data, version FROM events WHERE {where} ORDER BY organizer, event_id",  # noqa: S608
            args,
        )
        return [event_from_json(r["data"], r["version"], self._derived) for r in rows]

    def events_by_organizer(self, organizer: str) -> list[Event]:
        return self._events("organizer = ?", (normalize_address(organizer),))

    def events_by_domain(self, domain: str) -> list[Event]:
        return self._events("domain = ?", (domain.lower(),))

    def events_of_batch(self, domain: str, batch_id: str, limit: int) -> list[Event]:
        # The domain index is in (event_id, organizer) order, so SQLite stops at `limit`; only
        # those events are decoded in Python. `instr` on the JSON text is a cheap exact
        # pre-filter (a string value cannot hold the unescaped quotes), json_extract the test.
        marker = f"{batch_id}:"
        rows = self.db.connection().execute(
            "SELECT data, version FROM events WHERE domain = ? AND instr(data, ?) > 0"
            " AND substr(json_extract(data, '$.applied_row'), 1, ?) = ?"
            " ORDER BY event_id, organizer LIMIT ?",
            (
                domain.lower(),
                f'"applied_row": {json.dumps(marker, ensure_ascii=False)[:-1]}',
                len(marker),
                marker,
                limit,
            ),
        )
        return [event_from_json(r["data"], r["version"], self._derived) for r in rows]

    def find_by_event_id(self, domain: str, event_id: str) -> list[Event]:
        return self._events("domain = ? AND event_id = ?", (domain.lower(), event_id))

    def all_events(self) -> Iterator[Event]:
        """Read in pages by key, so a long export never holds one read transaction open
        (which would keep the WAL from being checkpointed while `serve` writes)."""
        conn = self.db.connection()
        after = ""
        while True:
            rows = conn.execute(
                "SELECT key, data, version FROM events WHERE key > ? ORDER BY key LIMIT 500", (after,)
            ).fetchall()
            if not rows:
                return
            for r in rows:
                yield event_from_json(r["data"], r["version"], self._derived)
            after = rows[-1]["key"]

    # -- attendees -----------------------------------------------------------------------
    def get_attendees(self, event_key: str, emails: Iterable[str]) -> dict[str, Attendee]:
        wanted = sorted({normalize_address(e) for e in emails})
        found: dict[str, Attendee] = {}
        conn = self.db.connection()
        for i in range(0, len(wanted), _IN_CHUNK):
            part = wanted[i : i + _IN_CHUNK]
            marks = ",".join("?" * len(part))
            rows = conn.execute(
                f"SELECT * FROM attendees WHERE event_key = ? AND email IN ({marks})",  # noqa: S608
                (event_key, *part),
            )
            found.update((r["email"], _attendee(r)) for r in rows)
        return found

    def attendees_of(self, wanted: Mapping[str, Iterable[str]]) -> dict[str, dict[str, Attendee]]:
        found: dict[str, dict[str, Attendee]] = {key: {} for key in wanted}
        # One term an event, `(event_key = ? AND email IN (...))`, ORed: SQLite probes the
        # primary key once per address. (A row-value IN scans the table; one term a pair made
        # a webinar's 200 addresses of one event 20 times slower than one IN list.)
        terms: list[tuple[str, list[str]]] = []
        for key, emails in wanted.items():
            addresses = sorted({normalize_address(e) for e in emails})
            terms += [
                (key, addresses[i : i + _IN_CHUNK - 1]) for i in range(0, len(addresses), _IN_CHUNK - 1)
            ]
        conn = self.db.connection()
        while terms:
            sql: list[str] = []
            params: list[str] = []
            while terms and len(params) + 1 + len(terms[-1][1]) <= _IN_CHUNK:
                key, part = terms.pop()
                sql.append(f"(event_key = ? AND email IN ({','.join('?' * len(part))}))")
                params += [key, *part]
            rows = conn.execute("SELECT * FROM attendees WHERE " + " OR ".join(sql), params)  # noqa: S608
            for r in rows:
                found[r["event_key"]][r["email"]] = _attendee(r)
        return found

    def record_answer(self, event_key: str, answer: Answer) -> bool:
        email = normalize_address(answer.email)
        # An answer for one occurrence has a table of its own: `attendees`, which the fan-out
        # and the counts read, keeps the series answer.
        table, keys, values = (
            ("occurrence_answers", "event_key, occurrence, email", (event_key, answer.occurrence, email))
            if answer.occurrence
            else ("attendees", "event_key, email", (event_key, email))
        )
        marks = ", ".join("?" * (len(values) + 4))
        with self.db.write() as db:
            cur = db.execute(
                # Only the two fixed table names above are formatted in; every value is bound.
                f"INSERT INTO {table} ({keys}, partstat, answered_at, channel, comment) VALUES ({marks})"  # noqa: S608
                f" ON CONFLICT ({keys}) DO UPDATE SET partstat = excluded.partstat,"
                " answered_at = excluded.answered_at, channel = excluded.channel, comment = excluded.comment"
                f" WHERE {table}.answered_at IS NULL OR {table}.answered_at < excluded.answered_at",
                (*values, answer.partstat.value, instant(answer.at), answer.channel.value, answer.comment),
            )
            return cur.rowcount == 1

    def occurrence_answers(self, event_key: str) -> list[OccurrenceAnswer]:
        rows = self.db.connection().execute(
            "SELECT * FROM occurrence_answers WHERE event_key = ? ORDER BY occurrence, email", (event_key,)
        )
        return [
            OccurrenceAnswer(
                email=r["email"],
                occurrence=r["occurrence"],
                partstat=PartStat(r["partstat"]),
                answered_at=datetime.fromisoformat(r["answered_at"]),
                channel=Channel(r["channel"]),
                comment=r["comment"],
            )
            for r in rows
        ]

    def record_sent(self, deliveries: Sequence[Delivery], at: datetime) -> None:
        sent_at = instant(at)
        requests = [
            (d.event_key, normalize_address(d.email), d.sequence, sent_at)
            for d in deliveries
            if d.method is Method.REQUEST
        ]
        cancels = [(d.event_key, normalize_address(d.email)) for d in deliveries if d.method is Method.CANCEL]
        with self.db.write() as db:
            db.executemany(
                # invited_at moves with the revision: an older or repeated record keeps both.
                "INSERT INTO attendees (event_key, email, invited_sequence, invited_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (event_key, email) DO UPDATE SET invited_sequence = excluded.invited_sequence,"
                " invited_at = excluded.invited_at WHERE attendees.invited_sequence IS NULL"
                " OR attendees.invited_sequence < excluded.invited_sequence",
                requests,
            )
            db.executemany(
                "INSERT INTO attendees (event_key, email, cancel_sent) VALUES (?, ?, 1)"
                " ON CONFLICT (event_key, email) DO UPDATE SET cancel_sent = 1",
                cancels,
            )

    def record_bounce(self, event_key: str, email: str, at: datetime) -> bool:
        # `at` is not kept: the report counts bounced people, the suppression list keeps when.
        with self.db.write() as db:
            cur = db.execute(
                "UPDATE attendees SET bounced = 1 WHERE event_key = ? AND email = ? AND bounced = 0",
                (event_key, normalize_address(email)),
            )
            return cur.rowcount == 1

    def attendees(
        self, event_key: str, partstats: frozenset[PartStat] | None, after: str, limit: int
    ) -> list[Attendee]:
        conn = self.db.connection()
        if partstats is None:
            rows = conn.execute(
                "SELECT * FROM attendees WHERE event_key = ? AND email > ? ORDER BY email LIMIT ?",
                (event_key, after, limit),
            )
        else:
            marks = ",".join("?" * len(partstats))
            rows = conn.execute(
                "SELECT * FROM attendees WHERE event_key = ? AND email > ?"  # noqa: S608 — only bound parameters
                f" AND partstat IN ({marks}) ORDER BY email LIMIT ?",
                (event_key, after, *sorted(p.value for p in partstats), limit),
            )
        return [_attendee(r) for r in rows]

    def counts(self, event_key: str) -> Counts:
        row = (
            self.db.connection()
            .execute(
                "SELECT COUNT(invited_sequence) AS invited,"
                " SUM(partstat = 'ACCEPTED') AS accepted, SUM(partstat = 'TENTATIVE') AS tentative,"
                " SUM(partstat = 'DECLINED') AS declined,"
                " SUM(invited_sequence IS NOT NULL AND partstat = 'NEEDS-ACTION') AS needs_action,"
                " SUM(channel = 'button') AS button_answers, SUM(channel = 'calendar') AS calendar_answers,"
                " SUM(cancel_sent) AS cancellations_sent, SUM(bounced) AS bounced"
                " FROM attendees WHERE event_key = ?",
                (event_key,),
            )
            .fetchone()
        )
        return Counts(**{k: int(row[k] or 0) for k in row.keys()})  # noqa: SIM118

    # -- ledger --------------------------------------------------------------------------
    def done(self, key: str) -> bool:
        return (
            self.db.connection().execute("SELECT 1 FROM ledger WHERE key = ?", (key,)).fetchone() is not None
        )

    def mark_done(self, key: str) -> bool:
        with self.db.write() as db:
            return db.execute("INSERT OR IGNORE INTO ledger (key) VALUES (?)", (key,)).rowcount == 1

    # -- batches -------------------------------------------------------------------------
    def create_batch(self, status: BatchStatus) -> None:
        with self.db.write() as db:
            db.execute(
                "INSERT OR IGNORE INTO batches (batch_id, sender, domain, message_id, header, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    status.batch_id,
                    status.sender,
                    status.domain,
                    status.message_id,
                    json.dumps(list(status.header), ensure_ascii=False),
                    status.created_at.isoformat() if status.created_at else None,
                ),
            )

    def get_batch(self, batch_id: str, *, errors: bool = True) -> BatchStatus | None:
        conn = self.db.connection()
        row = conn.execute("SELECT * FROM batches WHERE batch_id = ?", (batch_id,)).fetchone()
        if row is None:
            return None
        refused = list(self.refused_rows(batch_id)) if errors else []
        return BatchStatus(
            batch_id=row["batch_id"],
            sender=row["sender"],
            domain=row["domain"],
            message_id=row["message_id"],
            rows_total=row["rows_total"],
            rows_applied=row["rows_applied"],
            rows_refused=row["rows_refused"],
            invitations_queued=row["invitations_queued"],
            invitations_sent=row["invitations_sent"],
            invitations_failed=row["invitations_failed"],
            parsed=bool(row["parsed"]),
            reported=bool(row["reported"]),
            created_at=datetime.fromisoformat(row["created_at"]) if row["created_at"] else None,
            header=tuple(json.loads(row["header"])),
            errors=refused,
        )

    def refused_rows(self, batch_id: str) -> Iterator[RowError]:
        """In row order, a page of rows at a time from one cursor."""
        cursor = self.db.connection().execute(
            "SELECT row, col, reason, cells FROM batch_errors WHERE batch_id = ? ORDER BY row", (batch_id,)
        )
        while page := cursor.fetchmany(500):
            for r in page:
                yield RowError(r["row"], r["col"], r["reason"], tuple(json.loads(r["cells"])))

    def _add_errors(self, db: Any, batch_id: str, errors: Sequence[RowError]) -> int:
        cur = db.executemany(
            "INSERT OR IGNORE INTO batch_errors (batch_id, row, col, reason, cells) VALUES (?, ?, ?, ?, ?)",
            [
                (batch_id, e.row, e.column, e.reason, json.dumps(list(e.cells), ensure_ascii=False))
                for e in errors
            ],
        )
        return int(cur.rowcount)

    def batch_parsed(self, batch_id: str, rows_total: int, errors: Sequence[RowError]) -> None:
        with self.db.write() as db:
            cur = db.execute(
                "UPDATE batches SET parsed = 1, rows_total = ? WHERE batch_id = ? AND parsed = 0",
                (rows_total, batch_id),
            )
            if cur.rowcount == 1:
                added = self._add_errors(db, batch_id, errors)
                db.execute(
                    "UPDATE batches SET rows_refused = rows_refused + ? WHERE batch_id = ?", (added, batch_id)
                )

    def batch_progress(
        self,
        batch_id: str,
        chunk: str,
        *,
        applied: int = 0,
        refused: Sequence[RowError] = (),
        queued: int = 0,
        sent: int = 0,
        failed: int = 0,
    ) -> bool:
        with self.db.write() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO batch_chunks (batch_id, chunk) VALUES (?, ?)", (batch_id, chunk)
            )
            if cur.rowcount != 1:
                return False
            self._add_errors(db, batch_id, refused)
            db.execute(
                "UPDATE batches SET rows_applied = rows_applied + ?, rows_refused = rows_refused + ?,"
                " invitations_queued = invitations_queued + ?, invitations_sent = invitations_sent + ?,"
                " invitations_failed = invitations_failed + ? WHERE batch_id = ?",
                (applied, len(refused), queued, sent, failed, batch_id),
            )
            return True

    def claim_batch_report(self, batch_id: str) -> bool:
        with self.db.write() as db:
            cur = db.execute(
                "UPDATE batches SET reported = 1 WHERE batch_id = ? AND reported = 0 AND parsed = 1"
                " AND rows_applied + rows_refused >= rows_total",
                (batch_id,),
            )
            return cur.rowcount == 1

    # -- API keys ------------------------------------------------------------------------
    def put_api_key(self, key: ApiKey) -> None:
        with self.db.write() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO api_keys (key_hash, domain, created_at, label, revoked)"
                " VALUES (?, ?, ?, ?, ?)",
                (key.key_hash, key.domain.lower(), instant(key.created_at), key.label, int(key.revoked)),
            )
            if cur.rowcount != 1:
                raise Conflict(f"API key {key.key_hash[:8]}… exists already")

    def get_api_key(self, key_hash: str) -> ApiKey | None:
        row = (
            self.db.connection().execute("SELECT * FROM api_keys WHERE key_hash = ?", (key_hash,)).fetchone()
        )
        return _api_key(row) if row else None

    def revoke_api_key(self, key_hash: str) -> bool:
        with self.db.write() as db:
            cur = db.execute(
                "UPDATE api_keys SET revoked = 1 WHERE key_hash = ? AND revoked = 0", (key_hash,)
            )
            return cur.rowcount == 1

    def api_keys(self, domain: str) -> list[ApiKey]:
        rows = self.db.connection().execute(
            "SELECT * FROM api_keys WHERE domain = ? ORDER BY created_at, key_hash", (domain.lower(),)
        )
        return [_api_key(r) for r in rows]

    # -- suppressions --------------------------------------------------------------------
    def suppress(self, email: str, scope: str, reason: str, at: datetime) -> bool:
        with self.db.write() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO suppressions (email, scope, reason, at) VALUES (?, ?, ?, ?)",
                (normalize_address(email), scope.lower(), reason, instant(at)),
            )
            return cur.rowcount == 1

    def suppressed(self, emails: Iterable[str], sender: str) -> set[str]:
        wanted = sorted({normalize_address(e) for e in emails})
        scopes = ("*", *sorted(sender_scopes(sender)))
        found: set[str] = set()
        conn = self.db.connection()
        for i in range(0, len(wanted), _IN_CHUNK):
            part = wanted[i : i + _IN_CHUNK]
            marks = ",".join("?" * len(part))
            rows = conn.execute(
                f"SELECT DISTINCT email FROM suppressions WHERE email IN ({marks})"  # noqa: S608
                f" AND scope IN ({','.join('?' * len(scopes))})",
                (*part, *scopes),
            )
            found.update(r["email"] for r in rows)
        return found

    # -- rate limits ---------------------------------------------------------------------
    def count_hit(self, key: str, window_seconds: int, at: datetime) -> int:
        start = int(at.timestamp()) // window_seconds * window_seconds
        key = f"{key}/{window_seconds}"
        with self.db.write() as db:
            # A key's past windows go as its next hit comes: the table holds live windows only.
            db.execute("DELETE FROM rate_hits WHERE key = ? AND window_start < ?", (key, start))
            row = db.execute(
                "INSERT INTO rate_hits (key, window_start, hits) VALUES (?, ?, 1)"
                " ON CONFLICT (key, window_start) DO UPDATE SET hits = hits + 1 RETURNING hits",
                (key, start),
            ).fetchone()
            return int(row[0])
