"""The work-queue port on SQLite, with the SQS semantics the workers rely on.

Visibility timeout, a receive count with dead-lettering after `max_receives`, FIFO
message groups (one message of a group in flight at a time, in order) and a
deduplication window, so the embedded worker loop exercises the same failure paths as
Lambda's SQS event source.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from calsnack.adapters.embedded.sqlite import SqliteDatabase
from calsnack.ports import QueueMessage

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    group_id TEXT,
    body TEXT NOT NULL,
    sent_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt TEXT
);
CREATE INDEX IF NOT EXISTS messages_visible ON messages (queue, visible_at);
CREATE INDEX IF NOT EXISTS messages_group ON messages (queue, group_id, id);
CREATE TABLE IF NOT EXISTS dedup (
    queue TEXT NOT NULL, dedup_id TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (queue, dedup_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY, queue TEXT NOT NULL, group_id TEXT, body TEXT NOT NULL,
    receive_count INTEGER NOT NULL, dead_at REAL NOT NULL
);
"""

#: Visible messages that may be taken now: a FIFO group's oldest message only (its columns, then
#: queue, now, limit).
_TAKEABLE = (
    "SELECT {} FROM messages m WHERE queue = ? AND visible_at <= ? AND (group_id IS NULL OR NOT EXISTS"
    " (SELECT 1 FROM messages o WHERE o.queue = m.queue AND o.group_id = m.group_id AND o.id < m.id))"
    " ORDER BY id LIMIT ?"
)

#: SQS keeps deduplication ids for five minutes.
DEDUP_WINDOW = 300.0


@dataclass(frozen=True, slots=True)
class Received:
    message_id: str
    receipt: str
    body: str
    group: str | None
    receive_count: int
    sent_at: float


class SqliteQueue:
    """Implements `calsnack.ports.WorkQueue`, plus the receive side Lambda's event source plays."""

    def __init__(self, path: Path, *, max_receives: int = 5, clock: Callable[[], float] = time.time) -> None:
        self.db = SqliteDatabase(path, SCHEMA)
        self.max_receives = max_receives
        self.clock = clock
        self._listeners: list[Callable[[str], None]] = []

    def on_send(self, listener: Callable[[str], None]) -> None:
        """Wake in-process workers at once instead of waiting for their next poll."""
        self._listeners.append(listener)

    def send(self, queue: str, messages: Sequence[QueueMessage]) -> None:
        now = self.clock()
        with self.db.write() as db:
            db.execute("DELETE FROM dedup WHERE at < ?", (now - DEDUP_WINDOW,))
            for m in messages:
                if m.dedup_id is not None:
                    cur = db.execute(
                        "INSERT OR IGNORE INTO dedup (queue, dedup_id, at) VALUES (?, ?, ?)",
                        (str(queue), m.dedup_id, now),
                    )
                    if cur.rowcount != 1:
                        continue
                db.execute(
                    "INSERT INTO messages (queue, group_id, body, sent_at, visible_at) VALUES (?, ?, ?, ?, ?)",
                    (str(queue), m.group, m.body, now, now),
                )
        for listener in self._listeners:
            listener(queue)

    def receive(self, queue: str, max_messages: int, visibility_timeout: float) -> list[Received]:
        """Take up to `max_messages` visible messages; a group's messages come one at a time, in order."""
        now = self.clock()
        out: list[Received] = []
        # Every worker of every process polls: looking first, outside a transaction, keeps an
        # empty queue (or one whose groups are all in flight) from taking the write lock.
        if self.db.connection().execute(_TAKEABLE.format("1"), (str(queue), now, 1)).fetchone() is None:
            return out
        with self.db.write() as db:
            rows = db.execute(_TAKEABLE.format("*"), (str(queue), now, max_messages)).fetchall()
            for row in rows:
                if row["receive_count"] >= self.max_receives:
                    db.execute(
                        "INSERT INTO dead_letters (id, queue, group_id, body, receive_count, dead_at)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (row["id"], str(queue), row["group_id"], row["body"], row["receive_count"], now),
                    )
                    db.execute("DELETE FROM messages WHERE id = ?", (row["id"],))
                    continue
                receipt = uuid.uuid4().hex
                db.execute(
                    "UPDATE messages SET visible_at = ?, receive_count = receive_count + 1, receipt = ? WHERE id = ?",
                    (now + visibility_timeout, receipt, row["id"]),
                )
                out.append(
                    Received(
                        str(row["id"]),
                        receipt,
                        row["body"],
                        row["group_id"],
                        row["receive_count"] + 1,
                        row["sent_at"],
                    )
                )
        return out

    def ack(self, receipts: Sequence[str]) -> None:
        with self.db.write() as db:
            db.executemany("DELETE FROM messages WHERE receipt = ?", [(r,) for r in receipts])

    def release(self, receipts: Sequence[str], delay: float = 0.0) -> None:
        """Make failed messages visible again after `delay` (their receive count stays)."""
        now = self.clock()
        with self.db.write() as db:
            db.executemany(
                "UPDATE messages SET visible_at = ?, receipt = NULL WHERE receipt = ?",
                [(now + delay, r) for r in receipts],
            )

    def recover(self) -> int:
        """Make every in-flight message visible again: called at start-up, when no worker can still
        hold one, so work a killed process had taken resumes at once instead of after its timeout."""
        with self.db.write() as db:
            cur = db.execute(
                "UPDATE messages SET visible_at = ?, receipt = NULL WHERE receipt IS NOT NULL",
                (self.clock(),),
            )
            return int(cur.rowcount)

    def depth(self, queue: str) -> int:
        row = (
            self.db.connection()
            .execute("SELECT COUNT(*) FROM messages WHERE queue = ?", (str(queue),))
            .fetchone()
        )
        return int(row[0])

    def next_visible_in(self, queue: str) -> float | None:
        """Seconds until some message of `queue` becomes visible (None: the queue is empty)."""
        row = (
            self.db.connection()
            .execute("SELECT MIN(visible_at) FROM messages WHERE queue = ?", (str(queue),))
            .fetchone()
        )
        return None if row[0] is None else max(0.0, row[0] - self.clock())

    def dead_letters(self, queue: str) -> list[str]:
        rows = self.db.connection().execute(
            "SELECT body FROM dead_letters WHERE queue = ? ORDER BY id", (str(queue),)
        )
        return [r["body"] for r in rows]

    def redrive(self, queue: str) -> int:
        """Put every dead letter of `queue` back, with a fresh receive count (after a fix)."""
        now = self.clock()
        with self.db.write() as db:
            rows = db.execute(
                "SELECT * FROM dead_letters WHERE queue = ? ORDER BY id", (str(queue),)
            ).fetchall()
            for row in rows:
                db.execute(
                    "INSERT INTO messages (queue, group_id, body, sent_at, visible_at) VALUES (?, ?, ?, ?, ?)",
                    (str(queue), row["group_id"], row["body"], now, now),
                )
            db.execute("DELETE FROM dead_letters WHERE queue = ?", (str(queue),))
        return len(rows)
