"""receive_mail against hostile mail: strangers cost no calendar parsing, one mail cannot become many events."""

from __future__ import annotations

import uuid

import pytest
from calsnack.ical import read
from calsnack.ports import Services

from tests.harness import deliver
from tests.mailfactory import DOMAIN, calendar_mail, calendar_text, invitation, reply
from tests.unit.usecases.conftest import Outbox

ORGANIZER = "olga@example.test"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every calendar text the use cases read."""
    seen: list[str] = []
    original = read.read_calendar_text

    def counting(text: str | bytes, method_hint: str | None = None) -> read.CalendarMail:
        seen.append(text if isinstance(text, str) else text.decode("utf-8", "replace"))
        return original(text, method_hint)

    monkeypatch.setattr(read, "read_calendar_text", counting)
    return seen


@pytest.mark.parametrize("route", ["snack", "batch", "rsvp"])
def test_unauthenticated_mail_is_never_parsed(services: Services, parses: list[str], route: str) -> None:
    uid = f"{uuid.uuid4().hex}@{DOMAIN}"
    message = reply(uid, "eve@example.test", "ACCEPTED") if route == "rsvp" else invitation(uid)
    outcome = deliver(services, route, message, sender="eve@example.test", verdict="fail")
    assert outcome == "unauthenticated"
    assert parses == []


def test_a_reply_from_an_authenticated_attendee_is_still_read(services: Services, parses: list[str]) -> None:
    uid = f"{uuid.uuid4().hex}@{DOMAIN}"
    assert (
        deliver(services, "rsvp", reply(uid, "yann@example.test", "ACCEPTED"), sender="yann@example.test")
        == "reply"
    )
    assert len(parses) == 1


def _many_events(count: int) -> str:
    one = calendar_text("REQUEST", "x", organizer=ORGANIZER)
    head, _, rest = one.partition("BEGIN:VEVENT")
    event = "BEGIN:VEVENT" + rest.rpartition("END:VCALENDAR")[0]
    events = "".join(event.replace("UID:x", f"UID:{n}-{uuid.uuid4().hex}@example.test") for n in range(count))
    return head + events + "END:VCALENDAR\r\n"


def test_a_mail_of_a_thousand_events_is_refused_with_a_reason(services: Services, outbox: Outbox) -> None:
    mail = calendar_mail(ORGANIZER, f"snack@{DOMAIN}", _many_events(1_000), "REQUEST")
    assert deliver(services, "snack", mail, sender=ORGANIZER) == "invitation"
    [answer] = outbox.to(ORGANIZER)
    body = answer.get_body(("plain",)).get_content()
    assert f"at most {read.MAX_EVENTS}" in body and "1000 events" in body
    assert services.store.events_by_organizer(ORGANIZER) == []


def test_events_up_to_the_cap_are_all_read() -> None:
    assert len(read.read_calendar_text(_many_events(read.MAX_EVENTS)).events) == read.MAX_EVENTS
    with pytest.raises(read.NoCalendar, match=f"at most {read.MAX_EVENTS}"):
        read.read_calendar_text(_many_events(read.MAX_EVENTS + 1))


def test_components_past_the_cap_are_refused_before_any_is_read() -> None:
    alarms = "".join(
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n" for _ in range(1_000)
    )
    text = calendar_text("REQUEST", "u@example.test", organizer=ORGANIZER).replace(
        "END:VEVENT", alarms + "END:VEVENT"
    )
    with pytest.raises(read.NoCalendar, match=f"more than {read.MAX_COMPONENTS} parts"):
        read.read_calendar_text(text)
    nested = "BEGIN:X-A\r\n" * 3_000 + "END:X-A\r\n" * 3_000
    deep = calendar_text("REQUEST", "u@example.test", organizer=ORGANIZER).replace(
        "END:VEVENT", nested + "END:VEVENT"
    )
    with pytest.raises(read.NoCalendar, match="parts"):
        read.read_calendar_text(deep)
