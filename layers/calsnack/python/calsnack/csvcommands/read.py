"""Streaming CSV → command rows (CONTRACT §3): the batch splitter reads a sender's file with this.

The file is never held in memory: bytes are decoded chunk by chunk (`transcode`) and rows are
checked and yielded one at a time, so a million-row batch costs what a ten-row one does.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from operator import itemgetter
from typing import BinaryIO, Final
from zoneinfo import ZoneInfo, available_timezones

from calsnack.csvcommands.columns import (
    COLUMNS,
    REQUIRED_COLUMNS,
    DuplicateColumn,
    map_header,
    reminder_minutes,
)
from calsnack.csvcommands.transcode import NotText, transcoded_text
from calsnack.domain.addresses import ASCII_ADDRESS_PATTERN, MAX_LOCAL, domain_of, is_address, parse_address
from calsnack.domain.commands import CommandName, CommandRow, EventFields
from calsnack.domain.model import RowError
from calsnack.i18n import language_tag
from calsnack.ical.zones import nonexistent_time, offset_changes

MAX_EVENT_ID: Final = 200
MAX_SUBJECT: Final = 255
MAX_LOCATION: Final = 500
MAX_DESCRIPTION: Final = 8000
MAX_URL: Final = 2048
MAX_ATTENDEES: Final = 1000
#: Years outside this range are typing mistakes, and would overflow date arithmetic downstream.
YEARS: Final = range(1900, 2200)


class BatchRefused(ValueError):
    """The whole file is unusable; str() is a message for the sender, saying what to fix.

    Raised for a file that is not CSV text, has no header or no `command`/`event_id` column,
    or whose encoding breaks off part-way (then after the rows before that point).
    """


class _Refuse(Exception):
    """One cell makes its row unusable; becomes the row's `RowError`."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


#: A whole attendees cell of ASCII addresses, checked in one call (the grammar's own pattern).
_ADDRESS_LIST = re.compile(rf"{ASCII_ADDRESS_PATTERN}(?:\s*+;\s*+{ASCII_ADDRESS_PATTERN})*+")
# An https link with a host and no user part ("https://good.example@evil.example" misleads).
_URL = re.compile(r"https://[^\s/?#@\\<>\"]+(?:[/?#][^\s<>\"\\]*)?", re.IGNORECASE)
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_COMMANDS: dict[str, CommandName] = {
    spelling: name
    for name in CommandName
    for spelling in (name.value, name.value.lower(), name.value.title())
}

# Every valid "H:MM" and "HH:MM": one dict lookup parses and validates a time.
_TIMES: dict[str, time] = {
    text: time(hour, minute)
    for hour in range(24)
    for minute in range(60)
    for text in (f"{hour:02d}:{minute:02d}", f"{hour}:{minute:02d}")
}
# "24:00" ends a day in many spreadsheets; as an end time it is the next day's 00:00.
_END_TIMES: dict[str, time] = {**_TIMES, "24:00": time(0, 0)}

_ONE_DAY: Final = timedelta(days=1)
# No time zone is more than 14 hours from UTC: a local date two days off today's UTC date is
# decided without looking at the zone.
_SURE_DAYS: Final = timedelta(days=2)


@cache
def _zone_names() -> dict[str, str]:
    """IANA names by their lower-case spelling; the system's own "localtime" is no IANA zone."""
    return {name.lower(): name for name in available_timezones() if name not in {"localtime", "Factory"}}


def _quote(value: str) -> str:
    return f'"{value[:80]}…"' if len(value) > 80 else f'"{value}"'


_NO_FIELDS: Final = EventFields()


class _RowChecker:
    """The per-row rules of CONTRACT §3 for one batch; the first problem found refuses the row."""

    def __init__(
        self, positions: dict[str, int], width: int, *, batch_id: str, sender_domain: str, now: datetime
    ) -> None:
        self._batch_id = batch_id
        self._domain = sender_domain.strip().lower()
        # Rows are padded with empty cells: a short row reads "" and an absent column reads the
        # pad's last cell (index -1), so picking the columns is one C call per row.
        self._pad = [""] * (width + 1)
        self._pick = itemgetter(*(positions.get(column, -1) for column in COLUMNS))
        self._now = now
        self._organizers: dict[str, str] = {}
        today = now.astimezone(UTC).date()
        self._surely_future = today + _SURE_DAYS
        self._surely_past = today - _SURE_DAYS

    def check(self, number: int, cells: list[str]) -> CommandRow | RowError | None:
        """The row as a command, or why not; None for a row with nothing in it."""
        (
            command_cell,
            event_id_cell,
            organizer_cell,
            date_cell,
            start_cell,
            end_cell,
            timezone_cell,
            subject_cell,
            location_cell,
            url_cell,
            description_cell,
            language_cell,
            reminder_cell,
            attendees_cell,
        ) = self._pick(cells + self._pad)
        command = _COMMANDS.get(command_cell)
        if command is None and not "".join(cells).strip():
            return None
        organizer = ""
        attendees: tuple[str, ...] = ()
        fields = _NO_FIELDS
        try:
            if command is None:
                command = _command(command_cell)
            event_id = _text(event_id_cell, "event_id", MAX_EVENT_ID)
            if event_id is None:
                raise _Refuse("event_id", "the event_id is missing")
            if command is CommandName.INVITE:
                attendees = _attendees(attendees_cell)
                if not attendees:
                    raise _Refuse("attendees", "attendees is required for INVITE")
                if language_cell:
                    fields = EventFields(language=_language(language_cell))
            elif command is not CommandName.CANCEL:
                create = command is CommandName.CREATE
                if create:
                    organizer = self._organizer(organizer_cell)
                # Positional, in the order of EventFields, for the same reason as CommandRow below;
                # optional cells are mostly empty, and skipping their calls saves as much again.
                fields = EventFields(
                    _date(date_cell, create),
                    _time(start_cell, "start_time", _TIMES, create),
                    _time(end_cell, "end_time", _END_TIMES, create),
                    _zone(timezone_cell, create),
                    _text(subject_cell, "subject", MAX_SUBJECT, required=create),
                    # A street address spans lines (CONTRACT §3); TEXT keeps them (RFC 5545 §3.3.11).
                    _text(location_cell, "location", MAX_LOCATION, one_line=False) if location_cell else None,
                    _url(url_cell) if url_cell else None,
                    _text(description_cell, "description", MAX_DESCRIPTION, one_line=False)
                    if description_cell
                    else None,
                    _language(language_cell) if language_cell else None,
                    _reminder(reminder_cell) if reminder_cell else None,
                )
                if fields.start_time is not None and fields.start_time == fields.end_time:
                    raise _Refuse("end_time", _same_times(end_cell))
                if create:
                    attendees = _attendees(attendees_cell)
                elif fields == _NO_FIELDS:
                    hint = " (to add attendees, use INVITE)" if attendees_cell.strip() else ""
                    raise _Refuse("command", f"nothing to update: every event column is empty{hint}")
                _check_exists(fields)
                if self._over(fields):
                    raise _Refuse("end_time", "the event is already over")
        except _Refuse as refusal:
            return RowError(number, refusal.column, refusal.reason, tuple(cells))
        # Positional (batch_id, row, command, event_id, organizer, fields, attendees, cells): a frozen
        # dataclass takes keywords noticeably slower, and this runs a million times a batch.
        return CommandRow(
            self._batch_id, number, command, event_id, organizer, fields, attendees, tuple(cells)
        )

    def _organizer(self, cell: str) -> str:
        # A batch has few organizers and many rows each: remember the good ones, within bounds.
        address = self._organizers.get(cell)
        if address is not None:
            return address
        if not cell.strip():
            raise _Refuse("organizer", "organizer is required for CREATE")
        address = _address(cell, "organizer")
        if domain_of(address) != self._domain:
            raise _Refuse("organizer", f"the organizer must be an address in {self._domain}")
        if len(self._organizers) >= 1024:
            self._organizers.clear()
        self._organizers[cell] = address
        return address

    def _over(self, fields: EventFields) -> bool:
        """Whether the row's whole time span is given and already past (an UPDATE may give it too)."""
        day, start, end, zone = fields.date, fields.start_time, fields.end_time, fields.timezone
        if day is None or start is None or end is None or zone is None:
            return False
        last_day = day if end > start else day + _ONE_DAY
        if last_day >= self._surely_future:
            return False
        if last_day <= self._surely_past:
            return True
        return datetime.combine(last_day, end, tzinfo=ZoneInfo(zone)) <= self._now


def _check_exists(fields: EventFields) -> None:
    """Refuse a start or end the zone skips (a DST gap); an UPDATE missing a part is checked
    when it is applied, against the event's own date, time and zone."""
    day, zone = fields.date, fields.timezone
    if day is None or zone is None or not (offset_changes(day, zone) or offset_changes(day + _ONE_DAY, zone)):
        return
    for column, moment in (("start_time", fields.start_time), ("end_time", fields.end_time)):
        if moment is None:
            continue
        last_day = (
            day + _ONE_DAY
            if column == "end_time" and fields.start_time and moment < fields.start_time
            else day
        )
        if (
            reason := nonexistent_time(datetime.combine(last_day, moment, tzinfo=ZoneInfo(zone)))
        ) is not None:
            raise _Refuse(column, reason)


def _same_times(end_cell: str) -> str:
    # "Earlier than start means the next day" (CONTRACT §3), so an equal end is no day later.
    if end_cell.strip() == "24:00":
        return "an event from 00:00 to 24:00 would last no time: end it at 23:59"
    return "end_time equals start_time: the event would last no time"


def _command(cell: str) -> CommandName:
    value = cell.strip()
    if not value:
        raise _Refuse("command", "the command is missing")
    command = _COMMANDS.get(value.upper())
    if command is None:
        raise _Refuse("command", f"unknown command {_quote(value)}: use CREATE, UPDATE, CANCEL or INVITE")
    return command


def _text(cell: str, column: str, limit: int, *, required: bool = False, one_line: bool = True) -> str | None:
    value = cell.strip()
    if not value:
        if required:
            raise _Refuse(column, f"{column} is required for CREATE")
        return None
    if len(value) > limit:
        raise _Refuse(column, f"the {column} is longer than {limit} characters")
    if one_line:
        if _CONTROL_ONE_LINE.search(value):
            if "\n" in value or "\r" in value:
                raise _Refuse(column, f"the {column} must be on one line")
            raise _Refuse(column, f"the {column} contains a control character")
    else:
        if _CONTROL_MULTI_LINE.search(value):
            raise _Refuse(column, f"the {column} contains a control character")
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _date(cell: str, required: bool) -> date | None:
    value = cell.strip()
    if not value:
        if required:
            raise _Refuse("date", "date is required for CREATE")
        return None
    # fromisoformat alone also takes "20250101" and week dates; the contract says YYYY-MM-DD.
    if len(value) != 10 or value[4] != "-" or value[7] != "-" or not value.isascii():
        raise _Refuse("date", f"{_quote(value)} is not a date: write YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise _Refuse("date", f"{_quote(value)} is not a valid date") from None
    if day.year not in YEARS:
        raise _Refuse("date", f"{_quote(value)} is out of range: the year must be {YEARS[0]}–{YEARS[-1]}")
    return day


def _time(cell: str, column: str, spellings: dict[str, time], required: bool) -> time | None:
    parsed = spellings.get(cell)
    if parsed is not None:
        return parsed
    value = cell.strip()
    if not value:
        if required:
            raise _Refuse(column, f"{column} is required for CREATE")
        return None
    parsed = spellings.get(value)
    if parsed is None:
        raise _Refuse(column, f"{_quote(value)} is not a time: write HH:MM, 24-hour")
    return parsed


def _zone(cell: str, required: bool) -> str | None:
    value = cell.strip()
    if not value:
        if required:
            raise _Refuse("timezone", "timezone is required for CREATE")
        return None
    name = _zone_names().get(value.lower())
    if name is None:
        raise _Refuse("timezone", f"{_quote(value)} is not an IANA time zone name such as America/Chicago")
    return name


def _language(cell: str) -> str | None:
    if not cell.strip():
        return None
    try:
        return language_tag(cell)
    except ValueError as exc:
        raise _Refuse("language", str(exc)) from None


def _reminder(cell: str) -> int | None:
    try:
        return reminder_minutes(cell)
    except ValueError as exc:
        raise _Refuse("reminder", str(exc)) from None


def _url(cell: str) -> str | None:
    value = cell.strip()
    if not value:
        return None
    if len(value) > MAX_URL:
        raise _Refuse("meeting_url", f"the meeting_url is longer than {MAX_URL} characters")
    if not _URL.fullmatch(value):
        raise _Refuse("meeting_url", f"the meeting_url must be an https:// link, not {_quote(value)}")
    return value


def _address(text: str, column: str) -> str:
    address = parse_address(text)
    if address is not None:
        return address
    value = text.strip()
    hint = ""
    if "<" in value:
        hint = ": give the bare address, without a name"
    elif column == "attendees" and ("," in value or " " in value) and value.count("@") > 1:
        hint = ': separate addresses with ";"'
    raise _Refuse(column, f"{_quote(value)} is not an email address{hint}")


def _attendees(cell: str) -> tuple[str, ...]:
    value = cell.strip().lower()
    if not value:
        return ()
    if _ADDRESS_LIST.fullmatch(value):
        addresses = [part.strip() for part in value.split(";")]
        # A cell no longer than a local part may be cannot break any length limit.
        if len(value) > MAX_LOCAL and not all(map(is_address, addresses)):
            addresses = [_address(part, "attendees") for part in addresses]
    else:
        # Unusual spelling (mailto:, empty entries) or a bad address: one by one, to name it.
        addresses = [_address(part, "attendees") for part in cell.split(";") if part.strip()]
    found = dict.fromkeys(addresses)
    if len(found) > MAX_ATTENDEES:
        raise _Refuse(
            "attendees",
            f"more than {MAX_ATTENDEES} attendees in one row: split them over several INVITE rows",
        )
    return tuple(found)


class CommandReader(Iterator[CommandRow | RowError]):
    """The rows of one batch file, in file order; `header` is the header row as the sender wrote it.

    Made by `read_commands`, which reads the header at once, so a file without usable columns
    is refused before anything is queued. Iterating may still raise `BatchRefused` when the
    file stops being readable part-way (an encoding that breaks off, a quote that never
    closes); the rows before that point have been yielded by then.
    """

    def __init__(
        self,
        records: Iterator[list[str]],
        *,
        batch_id: str,
        sender_domain: str,
        now: datetime,
        end: _End | None = None,
    ) -> None:
        #: Number of the last record read; the header is row 1 and blank rows count.
        self.row = 0
        self._end = end
        self._records = self._numbered(records)
        self.header, positions = self._read_header()
        checker = _RowChecker(
            positions, len(self.header), batch_id=batch_id, sender_domain=sender_domain, now=now
        )
        self._rows = self._checked(checker)

    def __iter__(self) -> Iterator[CommandRow | RowError]:
        # The generator itself, so a for loop runs without a Python-level __next__ call a row.
        return self._rows

    def __next__(self) -> CommandRow | RowError:
        return next(self._rows)

    def _numbered(self, records: Iterator[list[str]]) -> Iterator[list[str]]:
        """The file's records, counted; one that cannot be read refuses the batch from its row on."""
        try:
            for cells in records:
                if self._end is not None and self._end.reached:
                    raise BatchRefused(_UNCLOSED_QUOTE.format(row=self.row + 1))
                self.row += 1
                yield cells
        except NotText as exc:
            raise BatchRefused(f"Row {self.row + 1} {exc}.") from None
        except csv.Error as exc:
            raise BatchRefused(_csv_problem(self.row + 1, exc)) from None

    def _checked(self, checker: _RowChecker) -> Iterator[CommandRow | RowError]:
        check = checker.check
        for cells in self._records:
            if any(cells):
                result = check(self.row, cells)
                if result is not None:
                    yield result

    def _read_header(self) -> tuple[tuple[str, ...], dict[str, int]]:
        try:
            cells = next(self._records)
            while not "".join(cells).strip():
                cells = next(self._records)
        except StopIteration:
            raise BatchRefused(
                "The file is empty: send a CSV file whose first row names the columns."
            ) from None
        except BatchRefused:
            # Unreadable from the first row on: a workbook, a PDF or other binary data.
            raise BatchRefused(_NOT_CSV) from None
        header = tuple(cells)
        if any(_CONTROL_MULTI_LINE.search(name) for name in header):
            raise BatchRefused(_NOT_CSV)
        try:
            positions = map_header(header)
        except DuplicateColumn as exc:
            raise BatchRefused(str(exc)) from None
        missing = [column for column in REQUIRED_COLUMNS if column not in positions]
        if missing:
            raise BatchRefused(_missing_columns(missing, header, self.row))
        return header, positions


class _End:
    """The end of the file's lines, noticed: csv asks past the last line only inside an open quote.

    `csv.reader` ends a record at every line end except inside a quoted cell, where it reads on;
    a record it returns after asking past the last line was therefore cut off by the end of the
    file. Chained after the lines, this marks that moment at no cost per line.
    """

    reached = False

    def __iter__(self) -> _End:
        return self

    def __next__(self) -> str:
        self.reached = True
        raise StopIteration


_UNCLOSED_QUOTE: Final = (
    'Row {row} opens a quote (") in a cell and never closes it, so the rest of the file would be read'
    ' as that one cell; close the quote (a quote inside a cell is written twice: "") and send the file again.'
)

_NOT_CSV: Final = (
    'The file is not CSV text (a spreadsheet workbook?); save it as "CSV UTF-8" and send it again.'
)


def _csv_problem(row: int, exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return (
            f"Row {row} has a cell longer than {csv.field_size_limit()} characters; most likely a quote"
            ' (") opens a cell and never closes, so the rest of the file reads as one cell.'
        )
    return f"Row {row} cannot be read as CSV: {exc}."


def _missing_columns(missing: list[str], header: tuple[str, ...], row: int) -> str:
    names = " and ".join(f'"{column}"' for column in missing)
    noun = "column" if len(missing) == 1 else "columns"
    message = (
        f"The header (row {row}) has no {names} {noun}; the first row must name the columns: "
        + ", ".join(COLUMNS)
    )
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "semicolons" if ";" in header[0] else "tabs"
        message += f". The columns seem to be separated by {separator}; separate them with commas"
    return message + "."


def read_commands(
    stream: BinaryIO, *, batch_id: str, sender_domain: str, now: datetime | None = None
) -> CommandReader:
    """Read a batch file (CONTRACT §3) as it arrives; raises `BatchRefused` if its header is unusable.

    `now` (timezone-aware; default: the current time) decides which rows describe an event already over.
    """
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    end = _End()
    return CommandReader(
        csv.reader(itertools.chain(transcoded_text(stream), end)),
        batch_id=batch_id,
        sender_domain=sender_domain,
        now=now,
        end=end,
    )
