"""What an organizer's description becomes before it is published or forwarded (issue 13, point 8)."""

from __future__ import annotations

import pytest
from calsnack.ical.description import clean_description, html_text, published_html, sanitized_html
from calsnack.ical.read import read_calendar_text
from icalendar import Calendar

from tests.unit.ical.conftest import BUNDLED, read_file

FENCE = "-::~:~::~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~:~::~:~::-"
PRIVATE = (
    "https://calendar.google.com/calendar/event?action=VIEW&eid=NjVtMTdo"
    "&tok=MjEjYmVydGF0aGVib3RAZ21haWwuY29t&ctz=Europe%2FHelsinki&hl=sv&es=1"
)
# Google's English block as it writes it today.
GOOGLE_BLOCK = (
    f"{FENCE}\nJoin with Google Meet: https://meet.google.com/abc-defg-hij\n"
    "Or dial: (US) +1 555-0100 PIN: 123456#\n"
    "More phone numbers: https://tel.meet/abc-defg-hij?pin=123456\n\n"
    "Learn more about Meet at: https://support.google.com/a/users/answer/9282720\n\n"
    f"View your event at {PRIVATE}.\n\nPlease do not edit this section.\n{FENCE}"
)


def test_google_block_goes_and_its_meeting_link_stays() -> None:
    cleaned = clean_description(f"Agenda: budget.\n\n{GOOGLE_BLOCK}")
    assert cleaned.text == "Agenda: budget."
    assert cleaned.meeting_url == "https://meet.google.com/abc-defg-hij"
    assert cleaned.html == ""
    text, html = cleaned.forwarded()
    assert text == "Agenda: budget.\n\nJoin: https://meet.google.com/abc-defg-hij"
    assert html == ""
    for published in (text, cleaned.text):
        assert "tok=" not in published and "-::~" not in published and "support.google" not in published


def test_an_unclosed_block_goes_to_the_end() -> None:
    cleaned = clean_description(f"Notes\n{FENCE}\nJoin: https://meet.google.com/x-y-z\nPlease do not edit")
    assert cleaned.text == "Notes"
    assert cleaned.meeting_url == "https://meet.google.com/x-y-z"


def test_the_old_private_view_line_goes_without_a_block() -> None:
    # Google's 2012 invitations: the private link alone, as the whole description.
    private = "http://www.google.com/calendar/event?action=VIEW&eid=Yzc3&tok=MTgjd&ctz=Europe/Paris&hl=en"
    assert clean_description(f"View your event at {private}.").text == ""
    # A public calendar link without a token stays: it opens nothing private.
    public = "https://calendar.google.com/calendar/event?action=TEMPLATE&text=Lunch"
    assert clean_description(f"Add it: {public}").text == f"Add it: {public}"


def test_google_html_becomes_text_and_sanitized_html() -> None:
    described = (
        "This is a test. <b>Bold</b>. <i>Italic</i>.&nbsp;<br><br>Mail &lt;foo@example.com&gt; "
        '<a href="https://example.com/doc">the doc</a><img src="https://tracker.example/p.gif">'
        '<script>alert(1)</script><a href="javascript:alert(2)">x</a>'
    )
    cleaned = clean_description(described)
    assert (
        cleaned.text
        == "This is a test. Bold. Italic.\n\nMail <foo@example.com> the doc (https://example.com/doc)x"
    )
    assert "<b>Bold</b>" in cleaned.html and "<br>" in cleaned.html
    assert 'href="https://example.com/doc"' in cleaned.html
    for gone in ("<img", "<script", "alert(1)", "javascript:"):
        assert gone not in cleaned.html


def test_outlook_alt_desc_is_sanitized_and_the_text_stays_text() -> None:
    alt = (
        '<html><head><title>x</title><style>p{color:red}</style></head><body onload="evil()">'
        '<p class="MsoNormal">Bring <b>slides</b></p><iframe src="https://evil.example"></iframe></body></html>'
    )
    cleaned = clean_description("Bring slides", alt)
    assert cleaned.text == "Bring slides"
    assert cleaned.html == "<p>Bring <b>slides</b></p>"


def test_text_that_only_mentions_angle_brackets_is_not_html() -> None:
    cleaned = clean_description("Ask <ann@example.com>\nor 3 < 4")
    assert cleaned.text == "Ask <ann@example.com>\nor 3 < 4"
    assert cleaned.html == ""


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n\n- b"),
        ('<a href="https://x.example">https://x.example</a>', "https://x.example"),
        ("a&nbsp;&amp;&nbsp;b", "a & b"),
    ],
)
def test_html_text(html: str, text: str) -> None:
    assert html_text(html) == text


def test_sanitized_html_keeps_only_safe_links() -> None:
    assert sanitized_html('<a href="mailto:a@b.example">m</a>') == (
        '<a href="mailto:a@b.example" rel="noopener noreferrer nofollow">m</a>'
    )
    assert "data:" not in sanitized_html('<a href="data:text/html,x">d</a>')


def test_the_google_meet_invitation_is_forwarded_clean() -> None:
    """Google's own mail: HTML description, the block, `LOCATION:` empty."""
    event = read_file(BUNDLED / "google" / "thunderbird--meet-meeting-invite.eml").events[0]
    assert event.description == (
        "This is a test. Bold. Italic.\n\nWill discuss address for email <foo@example.com>"
        " and http://example.com?foo=bar."
    )
    assert event.meeting_url == "https://meet.google.com/pyb-ndcu-hhc"
    assert event.location == ""
    vevent = Calendar.from_ical(event.calendar).walk("VEVENT")[0]
    assert "LOCATION" not in vevent
    assert str(vevent["CONFERENCE"]) == "https://meet.google.com/pyb-ndcu-hhc"
    assert str(vevent["DESCRIPTION"]).endswith("Join: https://meet.google.com/pyb-ndcu-hhc")
    assert "<b>Bold</b>" in str(vevent["X-ALT-DESC"])
    assert vevent["X-ALT-DESC"].params["FMTTYPE"] == "text/html"
    for gone in ("tok=", "-::~", "Ändra inte"):
        assert gone not in event.calendar
    assert "<b>Bold</b>" in published_html(event.calendar, event.description)


def test_empty_text_properties_are_not_forwarded() -> None:
    text = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "METHOD:REQUEST", "BEGIN:VEVENT", "UID:empty@google.com", "DTSTAMP:20300101T000000Z",
        "DTSTART:20300102T100000Z", "DTEND:20300102T110000Z", "SUMMARY:Sync", "LOCATION:",
        "DESCRIPTION:", "COMMENT: ", "SEQUENCE:0", "END:VEVENT", "END:VCALENDAR", "",
    ])  # fmt: skip
    vevent = Calendar.from_ical(read_calendar_text(text).events[0].calendar).walk("VEVENT")[0]
    assert not {"LOCATION", "DESCRIPTION", "COMMENT"} & set(vevent)
    assert str(vevent["SUMMARY"]) == "Sync"


def test_pages_show_the_sanitized_html_or_the_text() -> None:
    from datetime import UTC, datetime

    from calsnack.api.pages import description_block
    from calsnack.domain.model import Event, Source

    client = read_file(BUNDLED / "google" / "thunderbird--meet-meeting-invite.eml").events[0]
    event = Event(
        key="k" * 32, organizer="o@example.com", event_id=client.uid, uid="u", source=Source.CALENDAR,
        organizer_name="", summary=client.summary, start=datetime(2030, 1, 1, tzinfo=UTC),
        end=datetime(2030, 1, 1, 1, tzinfo=UTC), timezone="UTC", all_day=False,
        calendar=client.calendar, description=client.description,
    )  # fmt: skip
    block = description_block(event)
    assert block.startswith('<div class="description">') and "<b>Bold</b>" in block
    assert "tok=" not in block
    plain = description_block(event.revised(calendar="", description="1 < 2\nb"))
    assert plain == '<div class="description">1 &lt; 2<br>\nb</div>'
    tagged = description_block(event.revised(calendar="", description="a <b>bold</b>\nb"))
    assert tagged == '<div class="description">a <b>bold</b><br>b</div>'
