"""Benchmark of personal invitations: `InvitationRenderer` against icalendar + email per message.

Two scenarios, each in one run:

- one event, N attendees (a big meeting): the renderer's per-revision template against
  the reference `compose_invitation` (tests/reference.py) per attendee, a fifth of the messages to non-ASCII addresses;
- N distinct events, one attendee each (the reminder market's CSV batch, where every row
  is its own event): `event_calendar` plus the render of a never-seen event, against the
  icalendar build of the calendar plus `compose_invitation`.

Then fast messages are parsed back with email and icalendar and checked, timed apart from
the rendering. Run: `.venv/bin/python -m bench.render_invitations [N]`.
"""

from __future__ import annotations

import email
import sys
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from email.utils import make_msgid
from typing import TypedDict

from calsnack.config import Settings
from calsnack.domain.addresses import wire_address
from calsnack.domain.model import Event, Method, Source, event_key
from calsnack.ical.write import event_calendar
from calsnack.links import Links
from calsnack.mail.invitation import InvitationRenderer
from calsnack.ports import utc_now
from icalendar import Calendar

from tests.reference import compose_invitation, icalendar_event_calendar

COUNT = 20_000
#: Messages rendered, then checked, at a time: all N at once would hold N messages in memory.
CHUNK = 1_000
#: In the distinct-events scenario the reference build and the parse-back run on every
#: tenth message: 2,000 samples give a steady mean and keep the run to a few minutes.
SAMPLE = 10
SETTINGS = Settings(
    domain="calsnack.example",
    base_url="https://calsnack.example",
    authserv_id="mx.calsnack.example",
    link_key=b"bench-key",
)
NON_ASCII = ("zoë.{n}@exämple.de", "用户{n}@例子.广告", "jürgen.{n}@example.com", "françois.{n}@société.fr")


def sample_event() -> Event:
    """A CSV event as the service stores it: zone, place, meeting link, a non-ASCII summary."""
    organizer = "ana.garcia@corp.example.com"
    start, end = datetime(2031, 6, 2, 14, 30), datetime(2031, 6, 2, 15, 45)
    summary = "Quarterly review – Q2 🎉"
    description = "Agenda:\n1. Numbers\n2. Plans\n3. Snacks"
    meeting_url = "https://meet.example.com/j/8675309?pwd=QuarterlyReview"
    return Event(
        key=event_key(organizer, "q2-review"),
        organizer=organizer,
        event_id="q2-review",
        uid=f"{event_key(organizer, 'q2-review')}@{SETTINGS.domain}",
        source=Source.CSV,
        organizer_name="Ana García",
        summary=summary,
        start=start,
        end=end,
        timezone="Europe/Madrid",
        all_day=False,
        calendar=event_calendar(
            start=start,
            end=end,
            timezone="Europe/Madrid",
            summary=summary,
            location="Room 4, Building B",
            description=description,
            meeting_url=meeting_url,
        ),
        location="Room 4, Building B",
        description=description,
        meeting_url=meeting_url,
        version=1,
    )


def addresses(count: int) -> list[str]:
    return [
        NON_ASCII[n // 5 % len(NON_ASCII)].format(n=n) if n % 5 == 0 else f"guest{n}@example{n % 50}.com"
        for n in range(count)
    ]


# The rows of a reminder batch: a few organizers, six zones, some places, notes and links.
ORGANIZERS = ("service@garage.example", "renewals@insurance.example", "dentist@clinic.example")
ZONES = ("America/Chicago", "Europe/Berlin", "Asia/Tokyo", "America/New_York", "Europe/London", "UTC")
SUBJECTS = (
    "Oil change reminder – {plate}",
    "Policy {plate} renewal due",
    "Kontrolltermin für {plate}",
    "車検のご案内 {plate}",
)
LOCATIONS = ("", "Garage Müller, Hauptstraße 5, 10115 Berlin", "", "Branch 12; counter 3")
DESCRIPTIONS = ("", "Please bring your registration papers.\nThe visit takes about 45 minutes.", "", "")
MEETINGS = ("", "", "https://meet.example.com/j/{n}?pwd=Reminder", "")


class Row(TypedDict):
    """What a CSV CREATE row carries, as `apply_command_rows` passes it to `event_calendar`."""

    start: datetime
    end: datetime
    timezone: str
    summary: str
    location: str
    description: str
    meeting_url: str


def row_fields(n: int) -> Row:
    start = datetime(2031, 1, 1, 8) + timedelta(days=n % 300, minutes=15 * (n % 40))
    return {
        "start": start,
        "end": start + timedelta(minutes=30 + 15 * (n % 3)),
        "timezone": ZONES[n % len(ZONES)],
        "summary": SUBJECTS[n % len(SUBJECTS)].format(plate=f"AB-{n:06d}"),
        "location": LOCATIONS[n % len(LOCATIONS)],
        "description": DESCRIPTIONS[n % len(DESCRIPTIONS)],
        "meeting_url": MEETINGS[n % len(MEETINGS)].format(n=n),
    }


def row_event(n: int, fields: Row, calendar: str) -> Event:
    organizer = ORGANIZERS[n % len(ORGANIZERS)]
    key = event_key(organizer, f"row-{n}")
    return Event(
        key=key,
        organizer=organizer,
        event_id=f"row-{n}",
        uid=f"{key}@{SETTINGS.domain}",
        source=Source.CSV,
        organizer_name="",  # a CSV row names no organizer
        summary=fields["summary"],
        start=fields["start"],
        end=fields["end"],
        timezone=fields["timezone"],
        all_day=False,
        calendar=calendar,
        location=fields["location"],
        description=fields["description"],
        meeting_url=fields["meeting_url"],
        version=1,
    )


def check(raw: bytes, address: str, event: Event) -> None:
    """What a receiving client relies on: its own address in To and ATTENDEE, the right event."""
    message = email.message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    assert str(message["To"]) == wire_address(address), message["To"]
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(part.get_content())
    assert calendar["METHOD"] == "REQUEST"
    (vevent,) = calendar.walk("VEVENT")
    assert vevent["UID"] == event.uid
    assert vevent["SUMMARY"] == event.summary
    assert str(vevent["ATTENDEE"]) == f"mailto:{address}"


def one_event(count: int) -> None:
    event = sample_event()
    links = Links.of(SETTINGS)
    landing = links.landing(event.key)
    people = addresses(count)
    # Links are the sender's work, not the renderer's: made before the clock starts.
    unsubscribe = [links.unsubscribe(a, event.organizer_domain) for a in people]

    started = time.perf_counter()
    InvitationRenderer(SETTINGS, utc_now).render(event, people[0], Method.REQUEST, landing_url=landing)
    first = time.perf_counter() - started

    renderer = InvitationRenderer(SETTINGS, utc_now)
    fast = naive = parse = 0.0
    size = 0
    for low in range(0, count, CHUNK):
        chunk = range(low, min(low + CHUNK, count))
        started = time.perf_counter()
        rendered = [
            renderer.render(
                event, people[n], Method.REQUEST, unsubscribe_url=unsubscribe[n], landing_url=landing
            ).raw
            for n in chunk
        ]
        fast += time.perf_counter() - started

        started = time.perf_counter()
        for n in chunk:
            compose_invitation(
                SETTINGS,
                event,
                people[n],
                Method.REQUEST,
                message_id=make_msgid(domain=SETTINGS.domain),
                date=datetime.now(UTC),
                unsubscribe_url=unsubscribe[n],
                landing_url=landing,
            )
        naive += time.perf_counter() - started

        started = time.perf_counter()
        for n, raw in zip(chunk, rendered, strict=True):
            check(raw, people[n], event)
        parse += time.perf_counter() - started
        size += sum(map(len, rendered))

    print(
        f"One event, {count:,} attendees ({len(range(0, count, 5)):,} non-ASCII addresses),"
        f" one core, Python {sys.version.split()[0]}"
    )
    print(f"{'':44} {'µs/message':>11} {'messages/s':>11}")
    for name, seconds in (
        ("InvitationRenderer (template + fill)", fast),
        ("icalendar + email per attendee", naive),
    ):
        print(f"{name:44} {seconds / count * 1e6:>11,.1f} {count / seconds:>11,.0f}")
    print(f"speed-up: {naive / fast:,.0f}x")
    print(
        f"first message of a fresh renderer (builds the message shape and the template): {first * 1e3:.1f} ms"
    )
    print(
        f"parse-back of every fast message (email + icalendar): {parse / count * 1e6:,.0f} µs/message, all OK"
    )
    print(f"average message: {size / count / 1e3:.1f} kB")


def distinct_events(count: int) -> None:
    links = Links.of(SETTINGS)
    people = addresses(count)
    fields = [row_fields(n) for n in range(count)]
    organizers = [ORGANIZERS[n % len(ORGANIZERS)] for n in range(count)]
    landing = [links.landing(row_event(n, fields[n], "").key) for n in range(count)]
    unsubscribe = [links.unsubscribe(people[n], organizers[n].partition("@")[2]) for n in range(count)]

    renderer = InvitationRenderer(SETTINGS, utc_now)
    write = render = reference = parse = 0.0
    size = 0
    sampled = 0
    for low in range(0, count, CHUNK):
        chunk = range(low, min(low + CHUNK, count))
        started = time.perf_counter()
        calendars = [event_calendar(**fields[n]) for n in chunk]
        write += time.perf_counter() - started
        events = [row_event(n, fields[n], calendar) for n, calendar in zip(chunk, calendars, strict=True)]
        started = time.perf_counter()
        rendered = [
            renderer.render(
                event, people[n], Method.REQUEST, unsubscribe_url=unsubscribe[n], landing_url=landing[n]
            ).raw
            for n, event in zip(chunk, events, strict=True)
        ]
        render += time.perf_counter() - started
        size += sum(map(len, rendered))

        samples = [
            (n, event, raw) for n, event, raw in zip(chunk, events, rendered, strict=True) if n % SAMPLE == 0
        ]
        sampled += len(samples)
        started = time.perf_counter()
        for n, _, _ in samples:
            plain = icalendar_event_calendar(**fields[n])
            compose_invitation(
                SETTINGS,
                row_event(n, fields[n], plain),
                people[n],
                Method.REQUEST,
                message_id=make_msgid(domain=SETTINGS.domain),
                date=datetime.now(UTC),
                unsubscribe_url=unsubscribe[n],
                landing_url=landing[n],
            )
        reference += time.perf_counter() - started

        started = time.perf_counter()
        for n, event, raw in samples:
            check(raw, people[n], event)
        parse += time.perf_counter() - started

    both = write + render
    print(
        f"Distinct events: {count:,} CSV events, one attendee each, one core, Python {sys.version.split()[0]}"
    )
    print(f"{'':44} {'µs/message':>11} {'messages/s':>11}")
    for name, seconds, messages in (
        ("event_calendar (direct writer)", write, count),
        ("render of a never-seen event", render, count),
        ("event_calendar + render", both, count),
        (f"icalendar + email (every {SAMPLE}th message)", reference, sampled),
    ):
        print(f"{name:44} {seconds / messages * 1e6:>11,.1f} {messages / seconds:>11,.0f}")
    print(f"speed-up: {reference / sampled / (both / count):,.0f}x")
    print(
        f"parse-back of every {SAMPLE}th fast message (email + icalendar):"
        f" {parse / sampled * 1e6:,.0f} µs/message, all {sampled:,} OK"
    )
    print(f"average message: {size / count / 1e3:.1f} kB")


def main(count: int = COUNT) -> None:
    one_event(count)
    print()
    distinct_events(count)


if __name__ == "__main__":
    main(int(sys.argv[1]) if sys.argv[1:] else COUNT)
