"""Benchmark of personal invitations: `InvitationRenderer` against icalendar + email per attendee.

Both render the same N messages (a fifth of them to non-ASCII addresses) in one run; then
every fast message is parsed back with email and icalendar and checked, timed apart from
the rendering. Run: `.venv/bin/python -m bench.render_invitations [N]`.
"""

from __future__ import annotations

import email
import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from email.utils import make_msgid

from calsnack.config import Settings
from calsnack.domain.model import Event, Method, Source, event_key
from calsnack.ical.write import event_calendar
from calsnack.links import Links
from calsnack.mail.invitation import InvitationRenderer, compose_invitation, wire_address
from icalendar import Calendar

COUNT = 20_000
#: Messages rendered, then checked, at a time: all N at once would hold N messages in memory.
CHUNK = 1_000
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
    assert str(vevent["ATTENDEE"]) == f"mailto:{address}"


def main(count: int = COUNT) -> None:
    event = sample_event()
    links = Links(SETTINGS.link_key, SETTINGS.base_url, SETTINGS.domain)
    landing = links.landing(event.key)
    people = addresses(count)
    # Links are the sender's work, not the renderer's: made before the clock starts.
    unsubscribe = [links.unsubscribe(a, event.organizer_domain) for a in people]

    started = time.perf_counter()
    InvitationRenderer(SETTINGS).render(event, people[0], Method.REQUEST, landing_url=landing)
    first = time.perf_counter() - started

    renderer = InvitationRenderer(SETTINGS)
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
        f"Personal invitations: {count:,} messages ({len(range(0, count, 5)):,} to non-ASCII addresses),"
        f" one core, Python {sys.version.split()[0]}"
    )
    print(f"{'':38} {'µs/message':>11} {'messages/s':>11}")
    for name, seconds in (
        ("InvitationRenderer (template + fill)", fast),
        ("icalendar + email per attendee", naive),
    ):
        print(f"{name:38} {seconds / count * 1e6:>11,.1f} {count / seconds:>11,.0f}")
    print(f"speed-up: {naive / fast:,.0f}x")
    print(f"first message of a revision (builds its template): {first * 1e3:.1f} ms")
    print(
        f"parse-back of every fast message (email + icalendar): {parse / count * 1e6:,.0f} µs/message, all OK"
    )
    print(f"average message: {size / count / 1e3:.1f} kB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if sys.argv[1:] else COUNT)
