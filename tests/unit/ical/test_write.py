"""The calendar object of a CSV event: one VEVENT, its VTIMEZONE, nothing that differs per send.

`event_calendar` writes the text directly; every case here that compares it with
`icalendar_event_calendar` (tests/reference.py, the icalendar build) asks for the same bytes, not just the same
parse, so whatever holds for icalendar's output holds for the fast one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from calsnack.ical.alarms import MAX_REMINDER, reminder_of
from calsnack.ical.lines import fold
from calsnack.ical.write import all_day_dates, event_calendar
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event, Timezone
from icalendar.parser.string import _foldline

from tests.reference import icalendar_event_calendar


def vevent_of(text: str) -> Event:
    (vevent,) = Calendar.from_ical(text).walk("VEVENT")
    assert isinstance(vevent, Event)
    return vevent


def test_a_timed_event_is_one_vevent_in_its_zone_without_per_send_properties() -> None:
    text = event_calendar(
        start=datetime(2025, 6, 2, 14, 30),
        end=datetime(2025, 6, 2, 15, 45),
        timezone="Europe/Berlin",
        summary="Quarterly review",
        location="Room 4",
        description="Bring the numbers.",
    )
    calendar = Calendar.from_ical(text)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//calsnack//calsnack//EN"
    assert "METHOD" not in calendar
    assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE", "VEVENT"]
    vevent = vevent_of(text)
    for name in ("UID", "DTSTAMP", "SEQUENCE", "ORGANIZER", "ATTENDEE", "METHOD"):
        assert name not in vevent
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert vevent.start == datetime(2025, 6, 2, 14, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert vevent.end == datetime(2025, 6, 2, 15, 45, tzinfo=ZoneInfo("Europe/Berlin"))
    assert (vevent["SUMMARY"], vevent["LOCATION"], vevent["DESCRIPTION"]) == (
        "Quarterly review",
        "Room 4",
        "Bring the numbers.",
    )
    for name in ("URL", "CONFERENCE", "X-GOOGLE-CONFERENCE"):
        assert name not in vevent
    assert calendar.get_missing_tzids() == set()
    assert text.count("\n") == text.count("\r\n")
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75


@pytest.mark.parametrize(
    ("zone", "start", "end"),
    [
        ("Europe/Berlin", datetime(2025, 7, 1, 9), datetime(2025, 7, 1, 10)),
        ("Europe/Berlin", datetime(2025, 12, 31, 22), datetime(2026, 4, 1, 1)),
        ("America/New_York", datetime(2025, 3, 9, 1), datetime(2025, 3, 9, 4)),
        ("Australia/Sydney", datetime(2025, 1, 15, 9), datetime(2025, 6, 15, 9)),
        ("Asia/Kolkata", datetime(2025, 5, 1, 9), datetime(2025, 5, 1, 10)),
    ],
)
def test_the_vtimezone_agrees_with_zoneinfo_over_the_event(zone: str, start: datetime, end: datetime) -> None:
    """Clients without the IANA database (Outlook) use the VTIMEZONE itself: it must give the same offsets."""
    (vtimezone,) = Calendar.from_ical(event_calendar(start=start, end=end, timezone=zone, summary="x")).walk(
        "VTIMEZONE"
    )
    assert isinstance(vtimezone, Timezone)
    assert vtimezone["TZID"] == zone
    described = vtimezone.to_tz()
    for moment in (start, end):
        assert (
            moment.replace(tzinfo=described).utcoffset() == moment.replace(tzinfo=ZoneInfo(zone)).utcoffset()
        )


def test_aware_times_are_shown_in_the_events_zone() -> None:
    vevent = vevent_of(
        event_calendar(
            start=datetime(2025, 6, 2, 12, 30, tzinfo=UTC),
            end=datetime(2025, 6, 2, 13, 30, tzinfo=UTC),
            timezone="Europe/Berlin",
            summary="x",
        )
    )
    assert vevent["DTSTART"].to_ical() == b"20250602T143000"
    assert vevent.start == datetime(2025, 6, 2, 12, 30, tzinfo=UTC)


def test_utc_needs_no_vtimezone() -> None:
    text = event_calendar(
        start=datetime(2025, 6, 2, 12), end=datetime(2025, 6, 2, 13), timezone="UTC", summary="x"
    )
    assert "VTIMEZONE" not in text
    assert "DTSTART:20250602T120000Z" in text


@pytest.mark.parametrize(
    ("start", "end", "first", "after"),
    [
        (datetime(2025, 6, 2), datetime(2025, 6, 3), date(2025, 6, 2), date(2025, 6, 3)),
        (datetime(2025, 6, 2), datetime(2025, 6, 2), date(2025, 6, 2), date(2025, 6, 3)),
        (datetime(2025, 6, 2), datetime(2025, 6, 4), date(2025, 6, 2), date(2025, 6, 4)),
        (datetime(2025, 6, 2, 9), datetime(2025, 6, 4, 17), date(2025, 6, 2), date(2025, 6, 5)),
        (datetime(2025, 6, 2, 9), datetime(2025, 6, 1), date(2025, 6, 2), date(2025, 6, 3)),
    ],
)
def test_all_day_events_use_dates_and_an_exclusive_end(
    start: datetime, end: datetime, first: date, after: date
) -> None:
    assert all_day_dates(start, end) == (first, after)
    text = event_calendar(start=start, end=end, timezone="Europe/Berlin", summary="x", all_day=True)
    assert f"DTSTART;VALUE=DATE:{first:%Y%m%d}\r\n" in text
    assert f"DTEND;VALUE=DATE:{after:%Y%m%d}\r\n" in text
    assert "VTIMEZONE" not in text


def test_a_meeting_link_is_location_url_conference_and_a_description_line() -> None:
    url = "https://zoom.example/j/123?pwd=abc"
    vevent = vevent_of(
        event_calendar(
            start=datetime(2025, 6, 2, 9),
            end=datetime(2025, 6, 2, 10),
            timezone="Europe/Berlin",
            summary="x",
            description="Agenda below.",
            meeting_url=url,
        )
    )
    assert vevent["LOCATION"] == url
    assert vevent["URL"] == url
    assert vevent["DESCRIPTION"] == f"Agenda below.\n\nJoin: {url}"
    assert vevent["CONFERENCE"] == url
    assert vevent["CONFERENCE"].params["VALUE"] == "URI"
    assert vevent["CONFERENCE"].params["FEATURE"] == ["AUDIO", "VIDEO"]
    assert "X-GOOGLE-CONFERENCE" not in vevent


def test_a_place_stays_the_location_and_meet_links_get_googles_property() -> None:
    url = "https://meet.google.com/abc-defg-hij"
    vevent = vevent_of(
        event_calendar(
            start=datetime(2025, 6, 2, 9),
            end=datetime(2025, 6, 2, 10),
            timezone="Europe/Berlin",
            summary="x",
            location="Room 4",
            meeting_url=url,
        )
    )
    assert vevent["LOCATION"] == "Room 4"
    assert vevent["DESCRIPTION"] == f"Join: {url}"
    assert vevent["X-GOOGLE-CONFERENCE"] == url


@pytest.mark.parametrize(
    "text",
    [
        "Réunion d'équipe – café crème",
        "四半期レビュー会議 🎉🚀",
        'commas, semicolons; colons: backslash \\ quotes "x"',
        "two\nlines",
        "long " * 40,
    ],
)
def test_text_survives_escaping_and_folding(text: str) -> None:
    vevent = vevent_of(
        event_calendar(
            start=datetime(2025, 6, 2, 9),
            end=datetime(2025, 6, 2, 10),
            timezone="Europe/Berlin",
            summary=text,
            location=text,
            description=text,
        )
    )
    assert (vevent["SUMMARY"], vevent["LOCATION"], vevent["DESCRIPTION"]) == (text, text, text)


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        event_calendar(
            start=datetime(2025, 6, 2, 9), end=datetime(2025, 6, 2, 10), timezone="Mars/Olympus", summary="x"
        )


def both(**fields: Any) -> tuple[str, str]:
    return event_calendar(**fields), icalendar_event_calendar(**fields)


MEET = "https://meet.google.com/abc-defg-hij"
ZOOM = "https://zoom.example/j/123?pwd=a,b;c&x=\\y"
LONG = "Ünïcödé and ASCII, mixed; with \\ backslashes ^ carets " * 12
# Each character class placed across the 74-octet fold point: a fold never splits it.
AT_THE_FOLD = [f"{'x' * n}{tail}" for n in range(60, 75) for tail in ("é", "€", "🎉", "\\", "^", ",", "\n")]
TEXTS = [
    "",
    "Quarterly review",
    "Réunion d'équipe – café crème",
    "四半期レビュー会議 🎉🚀",
    "👨‍👩‍👧‍👦 family 🇩🇪 flags",
    'commas, semicolons; colons: backslash \\ quotes "x"',
    "C:\\New folder\\notes",
    "two\nlines\r\nwindows\rmac",
    "tab\there",
    "long " * 40,
    LONG,
    *AT_THE_FOLD,
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_direct_writer_writes_icalendars_bytes_for_any_text(text: str) -> None:
    fast, reference = both(
        start=datetime(2025, 6, 2, 9),
        end=datetime(2025, 6, 2, 10),
        timezone="Europe/Berlin",
        summary=text,
        location=text,
        description=text,
    )
    assert fast == reference


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"location": "Room 4"},
        {"description": "Agenda below."},
        {"meeting_url": ZOOM},
        {"meeting_url": MEET, "location": "Room 4", "description": "Agenda"},
        {"meeting_url": "https://meet.google.com/" + "x" * 200},
        {"all_day": True},
        {"all_day": True, "meeting_url": MEET},
        {"timezone": "UTC"},
        {"timezone": "Etc/UTC"},
        {"timezone": "Zulu"},
        {"timezone": "Etc/GMT+5"},
        {"timezone": "America/Argentina/ComodRivadavia"},
        {"timezone": "Asia/Kolkata"},
        {"timezone": "Australia/Lord_Howe"},
        {"timezone": "Pacific/Chatham", "end": datetime(2026, 1, 2, 10)},
        {"start": datetime(2025, 6, 2, 12, 30, 15, 999, tzinfo=UTC)},
        {"start": datetime(2025, 6, 2, 12, 30, tzinfo=timezone(timedelta(hours=-7)))},
        {"start": datetime(2025, 12, 31, 23), "end": datetime(2027, 1, 1, 1)},
    ],
    ids=repr,
)
def test_the_direct_writer_writes_icalendars_bytes_for_any_event(fields: dict[str, Any]) -> None:
    event: dict[str, Any] = {
        "start": datetime(2025, 6, 2, 9),
        "end": datetime(2025, 6, 2, 10, 30),
        "timezone": "Europe/Berlin",
        "summary": "Oil change",
    }
    fast, reference = both(**(event | fields))
    assert fast == reference


def test_a_meeting_link_with_a_line_break_is_refused_like_icalendar_does() -> None:
    event: dict[str, Any] = {
        "start": datetime(2025, 6, 2, 9),
        "end": datetime(2025, 6, 2, 10),
        "timezone": "Europe/Berlin",
        "summary": "x",
        "meeting_url": "https://x.example/a\nb",
    }
    with pytest.raises(ValueError, match="CR or LF"):
        event_calendar(**event)
    with pytest.raises(ValueError, match="CR or LF"):
        icalendar_event_calendar(**event)


# Anything but surrogates, which UTF-8 cannot carry.
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Etc/UTC", "Australia/Lord_Howe")


@settings(max_examples=300, deadline=None)
@given(
    summary=any_text,
    location=any_text,
    description=any_text,
    # Printable ASCII without space, quote or brackets (urlsplit refuses unbalanced ones).
    meeting_url=st.one_of(st.just(""), st.from_regex(r"https://[!#-Z^-~\\]{1,120}", fullmatch=True)),
    zone=st.sampled_from(ZONES),
    start=st.datetimes(datetime(2024, 1, 1), datetime(2030, 12, 31)),
    length=st.timedeltas(timedelta(0), timedelta(days=3)),
    all_day=st.booleans(),
)
def test_the_direct_writer_writes_icalendars_bytes(
    summary: str,
    location: str,
    description: str,
    meeting_url: str,
    zone: str,
    start: datetime,
    length: timedelta,
    all_day: bool,
) -> None:
    fast, reference = both(
        start=start,
        end=start + length,
        timezone=zone,
        summary=summary,
        location=location,
        description=description,
        meeting_url=meeting_url,
        all_day=all_day,
    )
    assert fast == reference


@settings(max_examples=500, deadline=None)
@given(st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=400))
def test_lines_fold_exactly_as_icalendar_folds_them(line: str) -> None:
    assert fold(line) == _foldline(line)


@pytest.mark.parametrize("minutes", [0, 15, 90, 1440, 10080, MAX_REMINDER])
@pytest.mark.parametrize("summary", ["Oil change", "Service, tyres; and a long subject " * 3, "   "])
def test_a_reminder_is_a_display_alarm_written_as_icalendar_writes_it(minutes: int, summary: str) -> None:
    given: dict[str, Any] = {
        "start": datetime(2030, 3, 4, 9, 0),
        "end": datetime(2030, 3, 4, 9, 30),
        "timezone": "Europe/Paris",
        "summary": summary,
        "reminder": minutes,
    }
    text = event_calendar(**given)
    assert text == icalendar_event_calendar(**given)
    (alarm,) = vevent_of(text).walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == -timedelta(minutes=minutes)
    # RFC 5545 requires a display alarm's DESCRIPTION; nothing sent carries an empty one.
    assert str(alarm["DESCRIPTION"]) == (" ".join(summary.split()) or "Reminder")
    assert reminder_of(text) == minutes
    assert reminder_of(event_calendar(**{**given, "reminder": None})) is None
