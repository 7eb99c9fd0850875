"""Every corpus file, one a case: real clients' mail is read, or turned down with a reason."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from calsnack.ical.read import (
    ATTACHED_FILE,
    BOUNCE,
    CalendarMail,
    ClientEvent,
    NoCalendar,
    read_calendar_text,
)
from icalendar import Calendar

from tests.unit.ical.conftest import BUNDLED, PERMISSIVE, SHARED, CorpusFile, corpus, manifest, read_file

#: Files whose METHOD column does not say the whole story, and what the reader does instead.
REFUSED = {
    # A bounce carries the invitation it failed to deliver; it is not one from the organizer.
    "apple/apple-ccs--dsn_failure_with_ics.eml": BOUNCE,
    # An event shared as a plain attachment, not a scheduling message (RFC 6047 §2.4).
    "thunderbird/attachment-not-imip-01.eml": ATTACHED_FILE,
    "misc/thunderbird--message-non-invite.eml": ATTACHED_FILE,
}
#: (mail method, event method) where they differ from the METHOD column.
METHODS = {
    # No METHOD in the calendar: the Content-Type's method=REQUEST says it.
    "misc/thunderbird--invite.eml": ("REQUEST", "REQUEST"),
    # Google sends its COUNTER under Content-Type method=REPLY.
    "google/counter-01.eml": ("REPLY", "COUNTER"),
}
#: The only non-standard properties passed on to attendees.
SHAREABLE_EXTENSIONS = {"X-GOOGLE-CONFERENCE", "X-ALT-DESC"}
ZONES = zoneinfo.available_timezones()
ICALENDAR_TESTS = Path(icalendar.__file__).parent / "tests"


def _cases() -> list[object]:
    cases: list[object] = [pytest.param(entry, id=entry.name) for entry in corpus()]
    if not SHARED.exists():
        reason = f"the AGPL part of the corpus is read from {SHARED}, which is absent outside the workspace"
        cases.append(pytest.param(None, id="shared-corpus", marks=pytest.mark.skip(reason=reason)))
    return cases


@pytest.mark.filterwarnings("ignore::icalendar.error.GloballyUniqueTZIDGuessed")
@pytest.mark.parametrize("entry", _cases())
def test_corpus_file(entry: CorpusFile) -> None:
    if entry.name in REFUSED or (entry.method in ("-", "NONE") and entry.name not in METHODS):
        with pytest.raises(NoCalendar) as refused:
            read_file(entry.path)
        reason = str(refused.value)
        assert reason.strip()
        assert entry.name not in REFUSED or reason == REFUSED[entry.name]
        return
    mail = read_file(entry.path)
    mail_method, event_method = METHODS.get(entry.name, (entry.method, entry.method))
    assert mail.method == mail_method
    assert mail.events
    assert len({event.uid for event in mail.events}) == len(mail.events)
    for event in mail.events:
        assert event.method == event_method
        assert_sane(event)


def assert_sane(event: ClientEvent) -> None:
    assert event.uid
    assert event.start.tzinfo is not None and event.end.tzinfo is not None
    assert event.start <= event.end
    assert event.timezone == "UTC" or event.timezone in ZONES
    # The reported zone is the one the start is expressed in.
    assert event.start.utcoffset() == event.start.astimezone(zoneinfo.ZoneInfo(event.timezone)).utcoffset()
    if event.dtstamp is not None:
        assert event.dtstamp.utcoffset() == timedelta(0)
    assert all("@" in address and partstat == partstat.upper() for address, partstat in event.attendees)
    assert_shareable(event.calendar, event.uid)


def assert_shareable(text: str, uid: str) -> None:
    """The calendar resent to attendees: parseable, in IANA zones, without anybody's private data."""
    calendar = Calendar.from_ical(text)
    assert "METHOD" not in calendar
    assert str(calendar["PRODID"]) == "-//calsnack//calsnack//EN"
    assert calendar.get_missing_tzids() == set()
    assert calendar.get_used_tzids() <= ZONES
    assert {timezone.tz_name for timezone in calendar.timezones} == calendar.get_used_tzids()
    assert calendar.events
    for vevent in calendar.events:
        assert str(vevent["UID"]) == uid
        # The organizer's own reminders travel on (issue 14); nothing in them names anybody.
        for alarm in vevent.subcomponents:
            assert alarm.name == "VALARM"
            assert str(alarm["ACTION"]) in {"DISPLAY", "AUDIO"}
            assert not set(alarm) & {"ATTENDEE", "ACKNOWLEDGED"}
            assert not {name for name in alarm if name.startswith("X-")}
        names = set(vevent)
        assert not names & {"ORGANIZER", "ATTENDEE"}
        assert {name for name in names if name.startswith("X-")} <= SHAREABLE_EXTENSIONS


def test_bundled_files_are_the_permissive_part_of_the_corpus() -> None:
    entries = manifest(BUNDLED)
    assert entries
    assert all(entry.license.startswith(PERMISSIVE) for entry in entries)
    on_disk = {
        str(path.relative_to(BUNDLED)) for path in BUNDLED.rglob("*") if path.suffix in (".eml", ".ics")
    }
    assert on_disk == {entry.name for entry in entries}


@pytest.mark.skipif(not SHARED.exists(), reason=f"{SHARED} is absent outside the workspace")
def test_bundled_files_are_byte_exact_copies() -> None:
    for entry in manifest(BUNDLED):
        assert (BUNDLED / entry.name).read_bytes() == (SHARED / entry.name).read_bytes(), entry.name


def _icalendar_cases() -> list[object]:
    paths = sorted(ICALENDAR_TESTS.rglob("*.ics")) if ICALENDAR_TESTS.exists() else []
    return [pytest.param(path, id=str(path.relative_to(ICALENDAR_TESTS))) for path in paths]


@pytest.mark.filterwarnings("ignore::icalendar.error.GloballyUniqueTZIDGuessed")
@pytest.mark.parametrize("path", _icalendar_cases())
@pytest.mark.parametrize("hint", [None, "REQUEST"], ids=["as-sent", "as-invitation"])
def test_icalendar_shipped_calendar(path: Path, hint: str | None) -> None:
    """icalendar's real-world and fuzzed calendars: read, or turned down, never a crash.

    Most carry no METHOD; read as an invitation they go through the whole reader.
    """
    outcome = read_or_refusal(path.read_bytes(), hint)
    if isinstance(outcome, str):
        assert outcome.strip()
        return
    for event in outcome.events:
        assert isinstance(event.start, datetime) and event.start <= event.end
        assert_shareable(event.calendar, event.uid)


def read_or_refusal(data: bytes, hint: str | None) -> CalendarMail | str:
    try:
        return read_calendar_text(data, hint)
    except NoCalendar as refused:
        return str(refused)
