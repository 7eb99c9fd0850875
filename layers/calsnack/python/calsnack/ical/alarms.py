"""Reminders (VALARM): the one a CSV row's `reminder` column asks for, and the organizer's own.

An alarm travels in the event's calendar text, so both stores keep it with the event and
every send (first invitation, update, REFRESH) carries it without further bookkeeping.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Final

from icalendar import Alarm, Calendar, Component

from calsnack.ical.lines import text_line

#: The longest reminder a row may ask for: four weeks before the start. More is a typing mistake
#: (minutes given as seconds, a year in the wrong column) that would wake people up for nothing.
MAX_REMINDER: Final = 4 * 7 * 24 * 60

#: What an organizer's alarm may carry to attendees (RFC 5545 §3.6.6). People (ATTENDEE), the
#: organizer's own acknowledgement (RFC 9074 ACKNOWLEDGED) and client internals (X-*) stay behind.
_ALARM_PROPERTIES: Final = frozenset({"ACTION", "TRIGGER", "DESCRIPTION", "SUMMARY", "DURATION", "REPEAT"})
#: Alarms that only notify on the device: an EMAIL alarm would mail the people it names.
_SHARED_ACTIONS: Final = frozenset({"DISPLAY", "AUDIO"})


def reminder_description(summary: str) -> str:
    """RFC 5545 requires DESCRIPTION on a display alarm, and nothing sent carries an empty one."""
    return " ".join(summary.split()) or "Reminder"


@lru_cache(maxsize=256)
def _trigger(minutes: int) -> str:
    """The TRIGGER value exactly as icalendar writes it, so both calendar writers agree byte for byte."""
    probe = Alarm()
    probe.add("TRIGGER", -timedelta(minutes=minutes))
    return str(probe.content_line("TRIGGER", probe["TRIGGER"])).removeprefix("TRIGGER:")


def reminder_text(minutes: int, summary: str) -> str:
    """The VALARM lines of a `reminder` cell, as icalendar renders them (ACTION, DESCRIPTION,
    TRIGGER: its alphabetical order; tests/reference.py builds the same alarm with icalendar)."""
    return (
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\n"
        + text_line("DESCRIPTION", reminder_description(summary))
        + f"TRIGGER:{_trigger(minutes)}\r\nEND:VALARM\r\n"
    )


def reminder_of(calendar_text: str) -> int | None:
    """The minutes of the display alarm a CSV event's calendar carries, if any.

    An UPDATE row with an empty `reminder` cell keeps the event's reminder; the stored
    calendar is where it lives.
    """
    if "BEGIN:VALARM" not in calendar_text:
        return None
    for alarm in Calendar.from_ical(calendar_text).walk("VALARM"):
        trigger = getattr(alarm.get("TRIGGER"), "dt", None)
        if isinstance(trigger, timedelta) and trigger <= timedelta(0):
            return int(-trigger.total_seconds()) // 60
    return None


def organizer_alarms(event: Component, summary: str) -> list[Component]:
    """The organizer's display and audio alarms of one VEVENT, cleaned for attendees' calendars.

    Clients (Google, Outlook, Thunderbird) put the organizer's reminder in the invitation; it
    is kept, as the organizer meant it for the event. Apple's default alarm is that device's
    setting, not the organizer's choice, so it stays behind like every e-mail alarm.
    """
    kept: list[Component] = []
    for alarm in event.subcomponents:
        if alarm.name != "VALARM" or str(alarm.get("ACTION", "")).upper() not in _SHARED_ACTIONS:
            continue
        if str(alarm.get("X-APPLE-DEFAULT-ALARM", "")).upper() == "TRUE" or "TRIGGER" not in alarm:
            continue
        clean = Alarm()
        for name, value in alarm.items():
            if name.upper() not in _ALARM_PROPERTIES:
                continue
            for single in value if isinstance(value, list) else [value]:
                if not isinstance(single, str) or single.strip():
                    clean.add(name, single, encode=False)
        if str(clean["ACTION"]).upper() == "DISPLAY" and "DESCRIPTION" not in clean:
            clean.add("DESCRIPTION", reminder_description(summary))
        kept.append(clean)
    return kept
