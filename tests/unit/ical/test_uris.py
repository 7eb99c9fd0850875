"""Only http(s) links reach attendees' calendars (issue 17.11): what a client's event carries is filtered.

A CSV's meeting_url is refused unless it is an https link (tests/unit/csvcommands/test_csv_rows.py).
"""

from __future__ import annotations

import pytest
from calsnack.ical.read import read_calendar_text
from calsnack.ical.uris import is_web_url
from icalendar import Calendar

from tests.unit.ical.conftest import vcalendar

HOSTILE = (
    "javascript:alert(document.domain)",
    "JavaScript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "file:///etc/passwd",
    "vbscript:msgbox",
    "ms-msdt:/id PCWDiagnostic",
    "https:///no-host",
    "https://example.org/a b",
)


@pytest.mark.parametrize(
    "link", ["https://meet.google.com/abc-defg-hij", "http://example.org/x?y=1", "HTTPS://Zoom.us/j/1"]
)
def test_web_links_are_web_links(link: str) -> None:
    assert is_web_url(link)


@pytest.mark.parametrize("link", [*HOSTILE, "", "meet.google.com/abc", "https://example.org/\x00"])
def test_anything_else_is_not(link: str) -> None:
    assert not is_web_url(link)


def _forwarded(*lines: str) -> Calendar:
    ics = vcalendar(
        "\n".join(
            ("BEGIN:VEVENT", "UID:evt-1@example.org", "DTSTAMP:20240601T120000Z", "DTSTART:20340301T120000Z",
             "SUMMARY:Kick-off", *lines, "END:VEVENT")
        )
    )  # fmt: skip
    (event,) = read_calendar_text(ics).events
    return Calendar.from_ical(event.calendar)


@pytest.mark.parametrize("link", HOSTILE[:6])
def test_a_client_events_foreign_links_are_not_forwarded(link: str) -> None:
    (kept,) = _forwarded(
        f"URL:{link}",
        f"X-GOOGLE-CONFERENCE:{link}",
        f"CONFERENCE;VALUE=URI;FEATURE=VIDEO:{link}",
        f"ATTACH:{link}",
        f"IMAGE;VALUE=URI;DISPLAY=BADGE:{link}",
    ).events
    assert not {"URL", "X-GOOGLE-CONFERENCE", "CONFERENCE", "ATTACH", "IMAGE"} & set(kept)
    assert link.lower() not in kept.to_ical().decode().lower()


def test_a_client_events_web_links_still_go_along() -> None:
    (kept,) = _forwarded(
        "URL:https://example.org/agenda",
        "X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij",
        "CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://meet.google.com/abc-defg-hij",
        "ATTACH;FMTTYPE=application/pdf:http://example.org/slides.pdf",
        "URL:javascript:alert(1)",
    ).events
    assert str(kept["URL"]) == "https://example.org/agenda"
    assert str(kept["X-GOOGLE-CONFERENCE"]) == "https://meet.google.com/abc-defg-hij"
    assert str(kept["CONFERENCE"]) == "https://meet.google.com/abc-defg-hij"
    assert str(kept["ATTACH"]) == "http://example.org/slides.pdf"
