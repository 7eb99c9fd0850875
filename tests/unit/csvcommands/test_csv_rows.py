"""One row at a time: every refusal with its column, and the rows that must pass."""

from __future__ import annotations

from datetime import date, time

import pytest
from calsnack.domain.commands import CommandName, CommandRow, EventFields
from calsnack.domain.model import RowError

from .sample import CREATE, batch, read, row_of

UPDATE = {"command": "UPDATE", "event_id": "ev-1"}
INVITE = {"command": "INVITE", "event_id": "ev-1"}
MANY = ";".join(f"p{n}@example.org" for n in range(1001))

# (case, cells, column, start of the reason); one problem a case.
REFUSALS = [
    ("command missing", {**CREATE, "command": ""}, "command", "the command is missing"),
    ("command unknown", {**CREATE, "command": "DELETE"}, "command", 'unknown command "DELETE": use CREATE'),
    ("event_id missing", {**CREATE, "event_id": " "}, "event_id", "the event_id is missing"),
    ("event_id too long", {**CREATE, "event_id": "e" * 201}, "event_id", "the event_id is longer than 200"),
    ("event_id two lines", {**CREATE, "event_id": "ev\n1"}, "event_id", "the event_id must be on one line"),
    ("organizer missing", {**CREATE, "organizer": ""}, "organizer", "organizer is required for CREATE"),
    ("organizer no address", {**CREATE, "organizer": "ana"}, "organizer", '"ana" is not an email address'),
    (
        "organizer display name",
        {**CREATE, "organizer": "Ana <ana@corp.example>"},
        "organizer",
        '"Ana <ana@corp.example>" is not an email address: give the bare address',
    ),
    (
        "organizer other domain",
        {**CREATE, "organizer": "ana@evil.example"},
        "organizer",
        "the organizer must be an address in corp.example",
    ),
    (
        "organizer subdomain",
        {**CREATE, "organizer": "ana@eu.corp.example"},
        "organizer",
        "the organizer must be an address in corp.example",
    ),
    ("date missing", {**CREATE, "date": ""}, "date", "date is required for CREATE"),
    (
        "date US style",
        {**CREATE, "date": "03/04/2030"},
        "date",
        '"03/04/2030" is not a date: write YYYY-MM-DD',
    ),
    ("date compact", {**CREATE, "date": "20300304"}, "date", '"20300304" is not a date'),
    ("date impossible", {**CREATE, "date": "2030-02-30"}, "date", '"2030-02-30" is not a valid date'),
    ("date year typo", {**CREATE, "date": "0203-03-04"}, "date", '"0203-03-04" is out of range'),
    ("start missing", {**CREATE, "start_time": ""}, "start_time", "start_time is required for CREATE"),
    (
        "start 12-hour",
        {**CREATE, "start_time": "9:00 AM"},
        "start_time",
        '"9:00 AM" is not a time: write HH:MM',
    ),
    ("start hour 25", {**CREATE, "start_time": "25:00"}, "start_time", '"25:00" is not a time'),
    ("start with dot", {**CREATE, "start_time": "9.30"}, "start_time", '"9.30" is not a time'),
    ("start 24:00", {**CREATE, "start_time": "24:00"}, "start_time", '"24:00" is not a time'),
    (
        "end 24:00 after 00:00",
        {**CREATE, "start_time": "00:00", "end_time": "24:00"},
        "end_time",
        "an event from",
    ),
    ("end missing", {**CREATE, "end_time": ""}, "end_time", "end_time is required for CREATE"),
    ("end minute 60", {**CREATE, "end_time": "10:60"}, "end_time", '"10:60" is not a time'),
    ("end equals start", {**CREATE, "end_time": "9:00"}, "end_time", "end_time equals start_time"),
    ("timezone missing", {**CREATE, "timezone": ""}, "timezone", "timezone is required for CREATE"),
    ("timezone Local", {**CREATE, "timezone": "Local"}, "timezone", '"Local" is not an IANA time zone name'),
    ("timezone localtime", {**CREATE, "timezone": "localtime"}, "timezone", '"localtime" is not an IANA'),
    ("timezone Windows", {**CREATE, "timezone": "Eastern Standard Time"}, "timezone", '"Eastern Standard'),
    ("timezone path", {**CREATE, "timezone": "../../etc/passwd"}, "timezone", '"../../etc/passwd" is not'),
    ("subject missing", {**CREATE, "subject": ""}, "subject", "subject is required for CREATE"),
    ("subject too long", {**CREATE, "subject": "s" * 256}, "subject", "the subject is longer than 255"),
    ("subject two lines", {**CREATE, "subject": "a\r\nb"}, "subject", "the subject must be on one line"),
    ("subject bell", {**CREATE, "subject": "a\x07b"}, "subject", "the subject contains a control character"),
    ("location NUL", {**CREATE, "location": "a\x00b"}, "location", "the location contains a control"),
    (
        "start in a DST gap",
        {
            **CREATE,
            "date": "2027-03-14",
            "start_time": "02:30",
            "end_time": "04:00",
            "timezone": "America/Chicago",
        },
        "start_time",
        "2027-03-14 02:30 does not exist in America/Chicago: the clocks skip it",
    ),
    (
        "end in a DST gap",
        {
            **CREATE,
            "date": "2027-03-14",
            "start_time": "01:00",
            "end_time": "02:15",
            "timezone": "America/Chicago",
        },
        "end_time",
        "2027-03-14 02:15 does not exist in America/Chicago",
    ),
    (
        "end in the next day's gap",
        {
            **CREATE,
            "date": "2027-03-13",
            "start_time": "23:00",
            "end_time": "02:00",
            "timezone": "America/Chicago",
        },
        "end_time",
        "2027-03-14 02:00 does not exist",
    ),
    ("location too long", {**CREATE, "location": "l" * 501}, "location", "the location is longer than 500"),
    (
        "description too long",
        {**CREATE, "description": "d" * 8001},
        "description",
        "the description is longer",
    ),
    (
        "description NUL",
        {**CREATE, "description": "a\x00b"},
        "description",
        "the description contains a control",
    ),
    (
        "url javascript",
        {**CREATE, "meeting_url": "javascript:alert(1)"},
        "meeting_url",
        "the meeting_url must be",
    ),
    (
        "url plain http",
        {**CREATE, "meeting_url": "http://zoom.us/j/1"},
        "meeting_url",
        "the meeting_url must be",
    ),
    (
        "url user part",
        {**CREATE, "meeting_url": "https://zoom.us@evil.example/"},
        "meeting_url",
        "the meeting_url",
    ),
    (
        "url with space",
        {**CREATE, "meeting_url": "https://zoom.us/j/1 2"},
        "meeting_url",
        "the meeting_url must",
    ),
    ("url no host", {**CREATE, "meeting_url": "https:///path"}, "meeting_url", "the meeting_url must be"),
    (
        "url too long",
        {**CREATE, "meeting_url": "https://a.b/" + "u" * 2048},
        "meeting_url",
        "the meeting_url is",
    ),
    ("attendee no address", {**CREATE, "attendees": "bob"}, "attendees", '"bob" is not an email address'),
    (
        "attendees with commas",
        {**CREATE, "attendees": "bob@example.org, carol@example.org"},
        "attendees",
        '"bob@example.org, carol@example.org" is not an email address: separate addresses with ";"',
    ),
    (
        "attendee display name",
        {**CREATE, "attendees": "Bob <bob@x.org>"},
        "attendees",
        '"Bob <bob@x.org>" is not an email address: give the bare address',
    ),
    (
        "attendee double dot",
        {**CREATE, "attendees": "bob..b@example.org"},
        "attendees",
        '"bob..b@example.org"',
    ),
    ("attendee long local", {**CREATE, "attendees": "b" * 65 + "@example.org"}, "attendees", '"bbbbbbb'),
    (
        "attendee second bad",
        {**CREATE, "attendees": "bob@example.org;carol@"},
        "attendees",
        '"carol@" is not',
    ),
    ("attendees too many", {**CREATE, "attendees": MANY}, "attendees", "more than 1000 attendees in one row"),
    (
        "over already",
        {**CREATE, "date": "2025-06-01", "timezone": "Europe/Paris"},
        "end_time",
        "the event is",
    ),
    ("over long ago", {**CREATE, "date": "2001-01-01"}, "end_time", "the event is already over"),
    (
        "over overnight",
        {
            **CREATE,
            "date": "2025-05-31",
            "start_time": "23:00",
            "end_time": "01:00",
            "timezone": "Asia/Tokyo",
        },
        "end_time",
        "the event is already over",
    ),
    ("invite nobody", {**INVITE, "attendees": " ; "}, "attendees", "attendees is required for INVITE"),
    ("invite bad address", {**INVITE, "attendees": "bob@@example.org"}, "attendees", '"bob@@example.org"'),
    ("update nothing", UPDATE, "command", "nothing to update: every event column is empty"),
    (
        "update attendees",
        {**UPDATE, "attendees": "bob@example.org"},
        "command",
        "nothing to update: every event",
    ),
    ("update bad date", {**UPDATE, "date": "tomorrow"}, "date", '"tomorrow" is not a date'),
    (
        "update equal times",
        {**UPDATE, "start_time": "10:00", "end_time": "10:00"},
        "end_time",
        "end_time equals",
    ),
    (
        "update into the past",
        {**UPDATE, "date": "2024-01-01", "start_time": "10:00", "end_time": "11:00", "timezone": "UTC"},
        "end_time",
        "the event is already over",
    ),
]


@pytest.mark.parametrize(
    ("cells", "column", "reason"), [case[1:] for case in REFUSALS], ids=[c[0] for c in REFUSALS]
)
def test_refused_row(cells: dict[str, str], column: str, reason: str) -> None:
    (result,) = read(batch([row_of(cells)]))

    assert isinstance(result, RowError)
    assert (result.row, result.column) == (2, column)
    assert result.reason.startswith(reason)
    assert result.cells == tuple(row_of(cells))


def test_a_create_row_becomes_a_command() -> None:
    (row,) = read(batch([row_of(CREATE)]))

    assert row == CommandRow(
        batch_id="b-1",
        row=2,
        command=CommandName.CREATE,
        event_id="ev-1",
        organizer="ana@corp.example",
        fields=EventFields(
            date=date(2030, 3, 4),
            start_time=time(9, 0),
            end_time=time(10, 0),
            timezone="Europe/Paris",
            subject="Planning",
            location="Room B12",
            meeting_url="https://meet.google.com/abc-defg-hij",
            description="Bring the numbers.",
        ),
        attendees=("bob@example.org",),
        cells=tuple(row_of(CREATE)),
    )


# (case, cells, what the command must carry); rows that look odd but are what the contract allows.
ACCEPTED = [
    ("update end only", {**UPDATE, "end_time": "18:30"}, {"end_time": time(18, 30)}),
    ("update timezone only", {**UPDATE, "timezone": "america/chicago"}, {"timezone": "America/Chicago"}),
    (
        "cancel ignores organizer",
        {"command": "cancel", "event_id": "ev-1", "organizer": "x@evil.example"},
        {},
    ),
    ("invite ignores subject", {**INVITE, "subject": "ignored", "attendees": "bob@example.org"}, {}),
    ("end 24:00", {**CREATE, "start_time": "22:00", "end_time": "24:00"}, {"end_time": time(0, 0)}),
    ("one-digit hour", {**CREATE, "start_time": "7:05"}, {"start_time": time(7, 5)}),
    (
        "overnight not over",
        {
            **CREATE,
            "date": "2025-05-31",
            "start_time": "23:00",
            "end_time": "13:00",
            "timezone": "America/Los_Angeles",
        },
        {"end_time": time(13, 0)},
    ),
    (
        "later today",
        {**CREATE, "date": "2025-06-01", "timezone": "America/Chicago"},
        {"date": date(2025, 6, 1)},
    ),
    ("subject 255", {**CREATE, "subject": "s" * 255}, {"subject": "s" * 255}),
    ("subject tab", {**CREATE, "subject": "a\tb"}, {"subject": "a\tb"}),
    ("subject padded", {**CREATE, "subject": "\u00a0 Planning \t"}, {"subject": "Planning"}),
    (
        "the repeated hour of autumn",
        {
            **CREATE,
            "date": "2027-11-07",
            "start_time": "01:30",
            "end_time": "02:30",
            "timezone": "America/Chicago",
        },
        {"start_time": time(1, 30)},
    ),
    ("description CRLF", {**CREATE, "description": "a\r\nb\rc"}, {"description": "a\nb\nc"}),
    (
        "location on lines",
        {**CREATE, "location": "Acme Inc.\r\n12 Main St, Suite 3\nSpringfield"},
        {"location": "Acme Inc.\n12 Main St, Suite 3\nSpringfield"},
    ),
    (
        "teams link",
        {**CREATE, "meeting_url": "HTTPS://teams.microsoft.com/l/meetup-join/19%3a?x=1#y"},
        {"meeting_url": "HTTPS://teams.microsoft.com/l/meetup-join/19%3a?x=1#y"},
    ),
    (
        "url with port",
        {**CREATE, "meeting_url": "https://x.example:8443/r"},
        {"meeting_url": "https://x.example:8443/r"},
    ),
    (
        "empty optional cells",
        {**CREATE, "location": " ", "meeting_url": "", "description": ""},
        {"location": None, "meeting_url": None, "description": None},
    ),
]


@pytest.mark.parametrize(("cells", "fields"), [case[1:] for case in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_accepted_row(cells: dict[str, str], fields: dict[str, object]) -> None:
    (result,) = read(batch([row_of(cells)]))

    assert isinstance(result, CommandRow)
    for name, value in fields.items():
        assert getattr(result.fields, name) == value


def test_update_keeps_empty_cells_empty() -> None:
    (row,) = read(batch([row_of({**UPDATE, "subject": "New title"})]))

    assert isinstance(row, CommandRow)
    assert row.fields == EventFields(subject="New title")
    assert row.organizer == ""


def test_attendees_are_normalised_and_deduplicated_in_order() -> None:
    cells = {
        **INVITE,
        "attendees": " Carol@Example.org;bob@example.org;;mailto:CAROL@example.org; dave@x.example ;",
    }
    (row,) = read(batch([row_of(cells)]))

    assert isinstance(row, CommandRow)
    assert row.attendees == ("carol@example.org", "bob@example.org", "dave@x.example")


def test_a_thousand_attendees_fit_in_a_row() -> None:
    addresses = [f"p{n}@example.org" for n in range(1000)]
    (row,) = read(batch([row_of({**INVITE, "attendees": ";".join(addresses)})]))

    assert isinstance(row, CommandRow)
    assert row.attendees == tuple(addresses)


def test_the_longest_valid_address_passes() -> None:
    address = "l" * 64 + "@" + "d" * 63 + "." + "d" * 63 + "." + "e" * 61
    assert len(address) == 254
    (row,) = read(batch([row_of({**INVITE, "attendees": address})]))

    assert isinstance(row, CommandRow)
    assert row.attendees == (address,)


def test_organizer_case_is_ignored() -> None:
    (row,) = read(batch([row_of({**CREATE, "organizer": " Ana@CORP.example "})]))

    assert isinstance(row, CommandRow)
    assert row.organizer == "ana@corp.example"


def test_one_bad_row_leaves_the_others() -> None:
    rows = [row_of(CREATE), row_of({**CREATE, "command": "?"}), row_of({**UPDATE, "subject": "x"})]
    results = read(batch(rows))

    assert [type(result).__name__ for result in results] == ["CommandRow", "RowError", "CommandRow"]
    assert [result.row for result in results] == [2, 3, 4]
