"""A CSV event with a reminder is still rendered on the fast path, byte for byte as icalendar would."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace

import pytest
from calsnack.domain.model import Method
from calsnack.mail import invitation_calendar
from calsnack.mail.invitation import InvitationRenderer
from calsnack.ports import utc_now
from icalendar import Calendar

from tests.contract.builders import calendar_of

from .test_distinct_events import nth_event, render_both
from .test_invitation import LANDING, SETTINGS, assert_equivalent


def with_reminder(n: int, minutes: int):
    event = nth_event(n)
    text = calendar_of(event, reminder=minutes)
    return replace(event, calendar=text)


@pytest.mark.parametrize("method", list(Method))
@pytest.mark.parametrize(("n", "minutes"), [(n, (0, 15, 90, 1440, 40320)[n % 5]) for n in range(24)])
def test_a_reminder_is_spliced_and_equals_the_icalendar_build(n: int, minutes: int, method: Method) -> None:
    event = with_reminder(n, minutes)
    assert invitation_calendar.spliced_calendar(SETTINGS, event, method) is not None, "not the fast path"
    fast, slow = render_both(
        event, "bob@example.com", method, InvitationRenderer(SETTINGS, utc_now), landing_url=LANDING
    )
    assert_equivalent(fast, slow)
    calendar = next(
        p for p in invitation_parts(fast) if p.get_content_type() == "text/calendar"
    ).get_content()
    (vevent,) = Calendar.from_ical(calendar).walk("VEVENT")
    (alarm,) = vevent.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert -alarm["TRIGGER"].dt.total_seconds() == minutes * 60
    assert "ATTENDEE" in vevent and "ORGANIZER" in vevent


def invitation_parts(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default).walk()
