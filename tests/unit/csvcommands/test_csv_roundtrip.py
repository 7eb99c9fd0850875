"""Property: any valid command rows, written by csv.writer, read back as the same commands."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from calsnack.domain.commands import CommandName, CommandRow, EventFields
from calsnack.ical.alarms import MAX_REMINDER
from calsnack.ical.zones import nonexistent_time
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from .sample import DOMAIN, HEADER, read

T = TypeVar("T")
ZONES = ("UTC", "Europe/Paris", "America/Chicago", "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns")

# Text as people type it: anything printable (commas, quotes, emoji, non-Latin scripts)
# without control characters; the reader strips surrounding whitespace, so the values do too.
printable = st.characters(blacklist_categories=("Cc", "Cs"))
one_line = st.text(printable, min_size=1, max_size=60).map(str.strip).filter(bool)
multi_line = (
    st.lists(st.text(printable, max_size=30), min_size=1, max_size=4)
    .map("\n".join)
    .map(str.strip)
    .filter(bool)
)
local_part = st.from_regex(r"[a-z0-9]([a-z0-9._+-]{0,20}[a-z0-9])?", fullmatch=True).filter(
    lambda s: ".." not in s
)
host = st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,5})?\.(example|org|co\.uk)", fullmatch=True)
address = st.builds(lambda local, domain: f"{local}@{domain}", local_part, host)
attendee_lists = st.lists(address, max_size=4, unique=True)
times = st.times().map(lambda t: time(t.hour, t.minute))
dates = st.dates(date(2026, 1, 1), date(2199, 12, 30))
reminders = st.integers(0, MAX_REMINDER)
urls = st.from_regex(r"https://meet\.example/[a-z0-9-]{1,20}", fullmatch=True)


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def exists(fields: EventFields) -> bool:
    """Whether no time of a row with its date and zone falls in a DST gap (such a row is refused)."""
    if fields.date is None or fields.timezone is None:
        return True
    zone = ZoneInfo(fields.timezone)
    start, end = fields.start_time, fields.end_time
    ends_next_day = start is not None and end is not None and end < start
    moments = [(fields.date, start), (fields.date + timedelta(days=int(ends_next_day)), end)]
    return all(
        nonexistent_time(datetime.combine(day, moment, tzinfo=zone)) is None
        for day, moment in moments
        if moment is not None
    )


def maybe(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


@st.composite
def command_rows(draw: st.DrawFn) -> tuple[list[str], CommandRow]:
    """The cells of one valid row, and the command it must become (its row number still 0)."""
    command = draw(st.sampled_from(CommandName))
    event_id = draw(one_line.filter(lambda s: len(s) <= 200))
    organizer = ""
    fields = EventFields()
    attendees: tuple[str, ...] = ()
    start, end = draw(st.lists(times, min_size=2, max_size=2, unique=True))
    if command is CommandName.CREATE:
        organizer = f"{draw(local_part)}@{DOMAIN}"
        fields = EventFields(
            date=draw(dates),
            start_time=start,
            end_time=end,
            timezone=draw(st.sampled_from(ZONES)),
            subject=draw(one_line),
            location=draw(maybe(one_line)),
            meeting_url=draw(maybe(urls)),
            description=draw(maybe(multi_line)),
            reminder=draw(maybe(reminders)),
        )
        assume(exists(fields))
        attendees = tuple(draw(attendee_lists))
    elif command is CommandName.UPDATE:
        fields = draw(
            st.builds(
                EventFields,
                date=maybe(dates),
                start_time=maybe(st.just(start)),
                end_time=maybe(st.just(end)),
                timezone=maybe(st.sampled_from(ZONES)),
                subject=maybe(one_line),
                location=maybe(one_line),
                meeting_url=maybe(urls),
                description=maybe(multi_line),
                language=maybe(st.sampled_from(["en", "de", "fr-CA", "es-MX"])),
                reminder=maybe(reminders),
            ).filter(lambda f: f != EventFields() and exists(f))
        )
    elif command is CommandName.INVITE:
        attendees = tuple(draw(attendee_lists.filter(bool)))
    values = {name: cell(getattr(fields, name)) for name in EventFields.__slots__}
    values.update(
        command=command.value, event_id=event_id, organizer=organizer, attendees=";".join(attendees)
    )
    cells = [values[column] for column in HEADER]
    return cells, CommandRow("b-1", 0, command, event_id, organizer, fields, attendees, tuple(cells))


@settings(deadline=None)
@given(
    rows=st.lists(command_rows(), min_size=1, max_size=8),
    bom=st.booleans(),
    newline=st.sampled_from(["\r\n", "\n"]),
)
def test_written_rows_read_back_equal(
    rows: list[tuple[list[str], CommandRow]], bom: bool, newline: str
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(HEADER)
    writer.writerows(cells for cells, _ in rows)
    data = (codecs.BOM_UTF8 if bom else b"") + out.getvalue().encode()

    results = read(data)

    assert results == [replace(command, row=number) for number, (_, command) in enumerate(rows, start=2)]
