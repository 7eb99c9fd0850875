"""CSV command rows as typed commands: a row becomes one of these before anything acts on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum


class CommandName(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    CANCEL = "CANCEL"
    INVITE = "INVITE"


@dataclass(frozen=True, slots=True)
class EventFields:
    """The event columns of a row; None means the cell was empty (UPDATE keeps the old value)."""

    date: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    timezone: str | None = None
    subject: str | None = None
    location: str | None = None
    meeting_url: str | None = None
    description: str | None = None
    #: The BCP 47 tag the invitations speak (`calsnack.i18n.language_tag`).
    language: str | None = None
    #: Minutes before the start for a display alarm (VALARM) in every invitation.
    reminder: int | None = None


@dataclass(frozen=True, slots=True)
class CommandRow:
    """One validated row. `row` is its number in the file, the header being row 1."""

    batch_id: str
    row: int
    command: CommandName
    event_id: str
    organizer: str = ""
    fields: EventFields = field(default_factory=EventFields)
    attendees: tuple[str, ...] = ()
    #: The row's own cells, echoed back if a later step refuses it.
    cells: tuple[str, ...] = ()

    @property
    def marker(self) -> str:
        """Orders rows of one batch: a re-delivered row compares equal and is skipped."""
        return f"{self.batch_id}:{self.row:09d}"
