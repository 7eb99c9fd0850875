"""CSV events rendered from their stored text parse exactly like the plain icalendar + email build.

The reminder market sends a batch where every row is its own event, so the renderer
splices a CSV event's stored calendar and writes its Subject directly instead of
rebuilding both; these cases hold that path to `compose_invitation` over many varied events.
"""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from calsnack.domain.model import Event, Method, Source, event_key
from calsnack.ical.write import event_calendar
from calsnack.mail import headers, invitation_calendar
from calsnack.mail.invitation import InvitationRenderer
from calsnack.ports import utc_now
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reference import compose_invitation

from .test_invitation import LANDING, SETTINGS, UNSUBSCRIBE, assert_equivalent

SUMMARIES = (
    "Oil change reminder",
    "Policy renewal due: AB-1234567",
    "Réunion d'équipe – café crème",
    "四半期レビュー会議",
    "🎉 Launch party 🚀",
    "👨‍👩‍👧‍👦 Family dentist check-up",
    '<b>"Q&A"</b>; a, b: c\\d',
    "A very long summary that goes on " * 5,
    "Tire change for ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz at the garage",
    "Zoë's MOT",
    "x" * 61,
    "Ünïcödé Ünïcödé Ünïcödé Ünïcödé Ünïcödé Ünïcödé Ünïcödé Ünïcödé Ünïcödé",
    "Service — 2 items",
)
DESCRIPTIONS = (
    "",
    "Bring the numbers.\nAnd snacks.",
    "Line one, with a comma; and a semicolon\nLine two: a colon\n\nLine four \\ backslash",
    "Ihr Termin in der Werkstatt. Bitte bringen Sie den Fahrzeugschein mit. " * 20,
    "車検のご案内です。\n必要書類をご持参ください。" * 8,
)
LOCATIONS = ("", "Room 4", "Garage Müller, Hauptstraße 5; 10115 Berlin", "東京都千代田区1-1")
MEETINGS = (
    "",
    "https://meet.google.com/abc-defg-hij",
    "https://zoom.example/j/8675309?pwd=a,b;c",
    "https://teams.example/l/meetup-join/" + "x" * 150,
)
ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "UTC",
    "Australia/Lord_Howe",
    "America/Argentina/Buenos_Aires",
    "Asia/Kolkata",
)
ORGANIZERS = (
    ("alice@example.com", ""),
    ("service@garage.example", "Garage Müller"),
    ("jose@exämple.es", "José"),
    ("reminders@insurance.example", 'Eve "the boss" <e@x>'),
    ("a.very.long.organizer.address.for.reminders@subdomain.insurance-company.example", ""),
)


def csv_event(n: int, *, summary: str, description: str, location: str, meeting_url: str, zone: str) -> Event:
    """An event as `apply_command_rows` stores a CREATE row, then maybe updated or all-day."""
    organizer, organizer_name = ORGANIZERS[n % len(ORGANIZERS)]
    all_day = n % 6 == 5
    start = datetime(2025 + n % 3, 1 + n % 12, 1 + n % 28, n % 24, (n * 7) % 60)
    end = start + timedelta(minutes=15 + 45 * (n % 5), days=n % 11 == 10)
    key = event_key(organizer, f"row-{n}")
    return Event(
        key=key,
        organizer=organizer,
        event_id=f"row-{n}",
        uid=f"{key}@{SETTINGS.domain}",
        source=Source.CSV,
        organizer_name=organizer_name,
        summary=summary,
        start=start,
        end=end,
        timezone=zone,
        all_day=all_day,
        calendar=event_calendar(
            start=start,
            end=end,
            timezone=zone,
            summary=summary,
            location=location,
            description=description,
            meeting_url=meeting_url,
            all_day=all_day,
        ),
        location=location,
        description=description,
        meeting_url=meeting_url,
        sequence=(0, 0, 1, 4)[n % 4],
        version=1,
    )


def nth_event(n: int) -> Event:
    """The n-th combination: list lengths are coprime, so neighbours differ in every field."""
    return csv_event(
        n,
        summary=SUMMARIES[n % len(SUMMARIES)],
        description=DESCRIPTIONS[n % len(DESCRIPTIONS)],
        location=LOCATIONS[n % len(LOCATIONS)],
        meeting_url=MEETINGS[n % len(MEETINGS)],
        zone=ZONES[n % len(ZONES)],
    )


ADDRESSES = ("bob@example.com", "françois.dupré@exämple.fr", "用户@例子.广告", "o'brien+tag=x/y@example.com")
# One renderer for the numbered cases (each its own event): they share the message shapes it keeps.
RENDERER = InvitationRenderer(SETTINGS, utc_now)


def render_both(
    event: Event,
    address: str,
    method: Method,
    renderer: InvitationRenderer = RENDERER,
    *,
    unsubscribe_url: str = "",
    landing_url: str = "",
) -> tuple[bytes, bytes]:
    links = {"unsubscribe_url": unsubscribe_url, "landing_url": landing_url}
    fast = renderer.render(event, address, method, **links).raw
    slow = compose_invitation(
        SETTINGS, event, address, method, message_id="<x@calsnack.example>", date=datetime.now(UTC), **links
    )
    return fast, slow


@pytest.mark.parametrize("n", range(120))
def test_a_never_seen_csv_event_parses_like_the_plain_build(n: int) -> None:
    event = nth_event(n)
    method = Method.CANCEL if n % 7 == 3 else Method.REQUEST
    assert invitation_calendar.spliced_calendar(SETTINGS, event, method) is not None, "not the CSV path"
    unsubscribe, landing = [(UNSUBSCRIBE, LANDING), ("", LANDING), (UNSUBSCRIBE, ""), ("", "")][n % 4]
    fast, slow = render_both(
        event, ADDRESSES[n % len(ADDRESSES)], method, unsubscribe_url=unsubscribe, landing_url=landing
    )
    assert_equivalent(fast, slow)


def test_the_csv_path_neither_parses_nor_builds_with_icalendar(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("the CSV path must not rebuild the calendar")

    monkeypatch.setattr(invitation_calendar, "personal_calendar", refused)
    renderer = InvitationRenderer(SETTINGS, utc_now)
    for n in range(20):
        renderer.render(nth_event(n), "bob@example.com", Method.REQUEST, landing_url=LANDING)


def without(text: str, start: str, end: str) -> str:
    head, _, rest = text.partition(start)
    return head + rest.partition(end)[2]


ALARM = "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n"
OTHER_SHAPES = {
    "no-vtimezone": lambda text: without(text, "BEGIN:VTIMEZONE\r\n", "END:VTIMEZONE\r\n"),
    "alarm": lambda text: text.replace("END:VEVENT", ALARM + "END:VEVENT"),
    "own-uid": lambda text: text.replace("END:VEVENT", "UID:organizer-uid\r\nEND:VEVENT"),
    "status": lambda text: text.replace("END:VEVENT", "STATUS:TENTATIVE\r\nEND:VEVENT"),
    "lf-line-ends": lambda text: text.replace("\r\n", "\n"),
    "calscale": lambda text: text.replace("VERSION:2.0\r\n", "VERSION:2.0\r\nCALSCALE:GREGORIAN\r\n"),
    "two-vevents": lambda text: text.replace(
        "END:VCALENDAR",
        "BEGIN:VEVENT\r\nSUMMARY:other\r\nDTSTART:20250101T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR",
    ),
}


@pytest.mark.parametrize("method", list(Method))
@pytest.mark.parametrize("shape", OTHER_SHAPES)
def test_stored_text_of_another_shape_is_rebuilt_with_icalendar(shape: str, method: Method) -> None:
    event = nth_event(0)
    event = replace(event, calendar=OTHER_SHAPES[shape](event.calendar))
    assert invitation_calendar.spliced_calendar(SETTINGS, event, method) is None
    fast, slow = render_both(
        event, "bob@example.com", method, InvitationRenderer(SETTINGS, utc_now), landing_url=LANDING
    )
    assert_equivalent(fast, slow)


def test_a_calendar_clients_event_is_never_spliced() -> None:
    event = replace(nth_event(0), source=Source.CALENDAR)
    assert invitation_calendar.spliced_calendar(SETTINGS, event, Method.REQUEST) is None


printable = st.characters(exclude_categories=["Cc", "Cs"])
one_line = st.text(printable, max_size=120).map(str.strip)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(0, 10_000),
    summary=one_line.filter(bool),
    description=st.lists(st.text(printable, max_size=80), max_size=4).map("\n".join).map(str.strip),
    location=one_line,
    meeting_url=st.one_of(
        st.just(""), st.from_regex(r"https://[a-z]{1,10}\.example/[!#-;=?-Z^-~]{0,80}", fullmatch=True)
    ),
    zone=st.sampled_from(ZONES),
    method=st.sampled_from(Method),
)
def test_any_csv_event_parses_like_the_plain_build(
    n: int, summary: str, description: str, location: str, meeting_url: str, zone: str, method: Method
) -> None:
    event = csv_event(
        n, summary=summary, description=description, location=location, meeting_url=meeting_url, zone=zone
    )
    assert invitation_calendar.spliced_calendar(SETTINGS, event, method) is not None
    # A fresh renderer: examples reuse event keys, which a renderer takes for the same revision.
    renderer = InvitationRenderer(SETTINGS, utc_now)
    fast, slow = render_both(
        event, "bob@example.com", method, renderer, unsubscribe_url=UNSUBSCRIBE, landing_url=LANDING
    )
    assert_equivalent(fast, slow)


def subject_of(line: bytes) -> str:
    message = email.message_from_bytes(line + b"\r\n", policy=default)
    assert isinstance(message, EmailMessage)
    return str(message["Subject"])


# Words around the lengths where folding and encoding change: ASCII, accents, CJK, emoji, ZWJ.
words = st.text(st.sampled_from("aZ9-:@()é€中🎉\u200d"), min_size=1, max_size=70)
subjects = st.one_of(
    st.lists(words, min_size=1, max_size=12).map(" ".join),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=200),
)


@settings(max_examples=1000, deadline=None)
@given(subject=subjects, utf8=st.booleans())
def test_the_direct_subject_reads_back_exactly(subject: str, utf8: bool) -> None:
    """What the renderer writes reads back as the subject, and as email's own header when that does.

    email's fold (the reference) may lose a space between two encoded words (gh-144156);
    both may carry a leading space, where email puts a whole value on the line after the name.
    """
    policy = headers.SMTPUTF8_POLICY if utf8 else headers.SMTP_POLICY
    try:
        theirs = subject_of(headers.header_line("Subject", subject, policy))
    except ValueError:  # a line break email refuses; invitation_subject never writes one
        with pytest.raises(ValueError, match="linefeed"):
            headers.subject_header(subject, utf8=utf8)
        return
    line = headers.subject_header(subject, utf8=utf8)
    if line == headers.header_line("Subject", subject, policy):
        return  # email's own line: what invitation_subject never writes (control characters, "=?") goes to email
    ours = subject_of(line)
    assert ours in (subject, f" {subject}")
    if theirs in (subject, f" {subject}"):
        assert ours == theirs
    if line.isascii():
        assert all(len(physical) <= 78 for physical in line.split(b"\r\n")), line
