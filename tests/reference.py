"""Reference implementations: the slow, obviously right builds the fast paths are checked against.

The product writes a CSV event's calendar text directly (`calsnack.ical.write.event_calendar`)
and renders personal invitations by splicing bytes (`calsnack.mail.invitation.InvitationRenderer`).
Here the same results are built the plain way, with icalendar components and the email
package and nothing clever: tests hold the fast paths to them (byte for byte, or parsed
alike) and bench/render_invitations.py measures what the fast paths save.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from calsnack.config import Settings
from calsnack.domain.addresses import wire_address
from calsnack.domain.model import Event, Method, PartStat
from calsnack.ical.alarms import reminder_description
from calsnack.ical.write import (
    PRODID,
    all_day_dates,
    event_zone,
    in_zone,
    is_meet,
    meeting_notes,
    vtimezone,
)
from calsnack.mail.headers import checked_url, policy_for, reply_to, sender
from calsnack.mail.invitation import invitation_message
from calsnack.mail.invitation_calendar import personal_calendar
from calsnack.mail.invitation_text import invitation_subject, invitation_texts, invitation_when
from icalendar import Alarm, Calendar, vUri
from icalendar import Event as VEvent


def compose_invitation(
    settings: Settings,
    event: Event,
    email: str,
    method: Method,
    *,
    message_id: str,
    date: datetime,
    unsubscribe_url: str = "",
    landing_url: str = "",
    partstat: PartStat = PartStat.NEEDS_ACTION,
) -> bytes:
    """One personal message built entirely by icalendar and the email package, per attendee.

    The oracle `InvitationRenderer.render` must parse identically to: no template, no
    splice, no cache. `date` is also the calendar's DTSTAMP; `partstat` is the attendee's
    answer where it still holds.
    """
    address = email.strip()
    to = wire_address(address)
    calendar = personal_calendar(settings, event, method, attendee=address, stamp=date, partstat=partstat)
    when = invitation_when(event)
    plain, html = invitation_texts(settings, event, method, checked_url(landing_url), when)
    message = invitation_message(
        method,
        sender=sender(settings, event.organizer_name, event.organizer),
        reply_to=reply_to(event.organizer_name, event.organizer),
        subject=invitation_subject(event, method, when),
        to=to,
        message_id=message_id,
        date=date,
        unsubscribe_url=checked_url(unsubscribe_url),
        plain=plain,
        html=html,
        calendar=calendar,
    )
    return message.as_bytes(policy=policy_for(to, event.organizer))


def icalendar_event_calendar(
    *,
    start: datetime,
    end: datetime,
    timezone: str,
    summary: str,
    location: str = "",
    description: str = "",
    meeting_url: str = "",
    all_day: bool = False,
    reminder: int | None = None,
) -> str:
    """`event_calendar` built with icalendar components: the oracle the direct writer must equal byte for byte."""
    vevent = VEvent()
    vevent.summary = summary
    if all_day:
        vevent.start, vevent.end = all_day_dates(start, end)
    else:
        zone = event_zone(timezone)
        vevent.start = in_zone(start, zone)
        vevent.end = in_zone(end, zone)
    # Location is what every client shows and links; a meeting without a place happens at its link.
    where = location or meeting_url
    if where:
        vevent.location = where
    notes = meeting_notes(description, meeting_url)
    if notes:
        vevent.description = notes
    if meeting_url:
        vevent.url = meeting_url
        # RFC 7986; a list keeps FEATURE a list (`Conference` would quote "AUDIO,VIDEO" into one value).
        vevent.add("CONFERENCE", vUri(meeting_url, params={"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"]}))
        if is_meet(meeting_url):
            # How Google's own invitations carry a Meet link; only for Meet, whose link it is.
            vevent.add("X-GOOGLE-CONFERENCE", meeting_url)
    if reminder is not None:
        vevent.add_component(reminder_alarm(reminder, summary))

    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add_component(vevent)
    if calendar.get_missing_tzids():  # UTC and all-day events need none
        calendar.subcomponents.insert(0, vtimezone(timezone, vevent.start.year, vevent.end.year))
    text: str = calendar.to_ical().decode("utf-8")
    return text


def reminder_alarm(minutes: int, summary: str) -> Alarm:
    """A `reminder` cell's alarm as an icalendar component: the oracle `reminder_text` is held to."""
    alarm = Alarm()
    alarm.add("ACTION", "DISPLAY")
    alarm.add("DESCRIPTION", reminder_description(summary))
    alarm.add("TRIGGER", -timedelta(minutes=minutes))
    return alarm
