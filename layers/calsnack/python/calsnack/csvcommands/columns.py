"""The command columns of CONTRACT §3 and the other names people give them in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterable

from calsnack.ical.alarms import MAX_REMINDER

#: The contract's column names, in the contract's order: reasons and refused rows name these.
COLUMNS: tuple[str, ...] = (
    "command",
    "event_id",
    "organizer",
    "date",
    "start_time",
    "end_time",
    "timezone",
    "subject",
    "location",
    "meeting_url",
    "description",
    "language",
    "reminder",
    "attendees",
)

#: A file without these cannot say what to do with which event, so it is refused as a whole.
REQUIRED_COLUMNS: tuple[str, ...] = ("command", "event_id")

# Header names people type, already in `header_key` form. Names that could mean two columns
# ("name", "event", "from", "to", "meeting") are left out on purpose: a wrong guess would
# apply the wrong data.
_ALIASES: dict[str, tuple[str, ...]] = {
    "command": ("command", "commands", "action", "cmd", "operation"),
    "event_id": ("eventid", "id", "eventkey", "eventref"),
    "organizer": (
        "organizer",
        "organiser",
        "organizeremail",
        "organiseremail",
        "organizeraddress",
        "host",
        "hostemail",
    ),
    "date": ("date", "startdate", "eventdate", "day"),
    "start_time": ("starttime", "timestart", "start", "begin", "begins"),
    "end_time": ("endtime", "timeend", "timestop", "stoptime", "end", "ends", "stop", "finish", "until"),
    "timezone": ("timezone", "tz", "tzid", "zone", "timezonename"),
    "subject": ("subject", "title", "summary", "eventtitle", "eventname", "eventsubject"),
    "location": ("location", "place", "venue", "where", "room"),
    "meeting_url": (
        "meetingurl",
        "meetinglink",
        "googlemeet",
        "googlemeetlink",
        "meet",
        "meetlink",
        "zoom",
        "zoomlink",
        "zoomurl",
        "teams",
        "teamslink",
        "microsoftteams",
        "link",
        "url",
        "joinurl",
        "joinlink",
        "videolink",
        "conferenceurl",
        "conferencelink",
    ),
    "description": ("description", "desc", "details", "notes", "note", "body", "agenda"),
    "language": ("language", "lang", "locale", "invitationlanguage"),
    "reminder": ("reminder", "reminderminutes", "remindminutesbefore", "reminderminutesbefore", "alarm"),
    "attendees": (
        "attendees",
        "attendee",
        "attendeeemail",
        "attendeeemails",
        "emails",
        "email",
        "invitees",
        "invitee",
        "guests",
        "guest",
        "participants",
        "recipients",
    ),
}

ALIASES: dict[str, str] = {alias: column for column, names in _ALIASES.items() for alias in names}

_NOISE = str.maketrans("", "", " _-.\t")


def header_key(name: str) -> str:
    """ "Time Start", "time_start" and "TIME-START" are one name to the people who type them."""
    return name.strip().lower().translate(_NOISE)


def column_of(name: str) -> str | None:
    """The contract column a header cell means, or None for a column the service ignores."""
    return ALIASES.get(header_key(name))


class DuplicateColumn(ValueError):
    """Two header cells mean the same column: which one holds the data is anybody's guess."""

    def __init__(self, column: str, first: str, second: str) -> None:
        super().__init__(
            f'The columns "{first}" and "{second}" both mean {column}; '
            "keep one of them and send the file again."
        )
        self.column = column


def map_header(header: Iterable[str]) -> dict[str, int]:
    """Each contract column present in the header, with its position; unknown columns are left out."""
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    for index, name in enumerate(header):
        column = column_of(name)
        if column is None:
            continue
        if column in positions:
            raise DuplicateColumn(column, names[column], name.strip())
        positions[column] = index
        names[column] = name.strip()
    return positions


def reminder_minutes(cell: str) -> int | None:
    """A `reminder` cell as minutes before the start; raises ValueError with the reason for the sender.

    Whole minutes only: "15" is a reminder, "15m", "0.5" or "-10" are typing mistakes the
    sender should see rather than an alarm at a time nobody asked for.
    """
    value = cell.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        minutes = int(value)
        if minutes > MAX_REMINDER:
            raise ValueError(
                f"the reminder of {minutes} minutes is more than four weeks ({MAX_REMINDER} minutes)"
                " before the start"
            )
        return minutes
    shown = f'"{value[:40]}…"' if len(value) > 40 else f'"{value}"'
    if value.startswith("-") and value[1:].isascii() and value[1:].isdigit():
        raise ValueError(f"the reminder {shown} is negative: give the minutes before the start, such as 15")
    raise ValueError(f"the reminder {shown} is not a whole number of minutes before the start, such as 15")
