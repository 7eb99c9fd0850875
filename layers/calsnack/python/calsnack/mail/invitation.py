"""Personal iMIP invitations and cancellations: one message per attendee, a million per batch.

`InvitationRenderer` builds one template per revision and then fills in each attendee's
bytes (`calsnack.mail.layout`); a CSV event's calendar is spliced from its stored text in
microseconds, a calendar client's is rebuilt with icalendar (`calsnack.mail.invitation_calendar`).
tests/reference.py builds the same message with icalendar and email alone, the oracle
tests/unit/mail/test_invitation.py holds every path to; bench/render_invitations.py measures both.
"""

from __future__ import annotations

import itertools
import secrets
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from calsnack.config import Settings
from calsnack.domain.addresses import wire_address
from calsnack.domain.model import Event, Method, PartStat
from calsnack.mail.headers import (
    SMTP_POLICY,
    SMTPUTF8_POLICY,
    address_headers,
    checked_url,
    policy_for,
    subject_header,
)
from calsnack.mail.invitation_calendar import (
    attendee_line,
    attendee_prefix,
    dtstamp_line,
    rebuilt_calendar,
    spliced_calendar,
)
from calsnack.mail.invitation_text import invitation_subject, invitation_texts, invitation_when
from calsnack.mail.layout import PLACEHOLDER_DATE, Layout, RevisionTemplate, base64_lines, crlf
from calsnack.ports import OutgoingMail

# Indexes of the personal values a message template is filled with, then of the event's own
# headers, which a message shape is bound to once per revision.
_TO, _MESSAGE_ID, _DATE, _UNSUBSCRIBE, _PLAIN, _HTML, _CALENDAR = range(7)
_FROM, _REPLY_TO, _SUBJECT = range(7, 10)


class InvitationRenderer:
    """Renders personal invitations from one template per revision.

    A template is the message's shape (headers and MIME parts, built by the email package
    with markers once per method and unsubscribe option) bound to the revision's own
    From, Reply-To and Subject, its texts and its calendar. A message is the template's bytes with the
    attendee's To, Message-ID, Date, List-Unsubscribe and re-encoded body parts filled in
    (the calendar gets its own DTSTAMP and a freshly folded ATTENDEE line).

    The calendar of a CSV event is its stored text with METHOD and the per-send lines
    spliced in; a client's calendar (recurrences, alarms, its own attendees) is rebuilt
    with icalendar. Keep one renderer per worker: templates live in a small LRU keyed by
    the event's revision and stored version. `clock` (aware datetimes) dates each message.
    """

    TEMPLATES = 32

    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self._clock = clock
        self._bounce = f"bounces@{settings.domain}"
        self._templates: OrderedDict[tuple[str, int, Method, int, str, bool, bool], RevisionTemplate] = (
            OrderedDict()
        )
        self._shapes: dict[tuple[Method, bool], Layout] = {}
        self._token = secrets.token_hex(8)
        self._ids = itertools.count()
        # `<{event key}.{renderer token}.{counter}@{domain}>`: unique per message, and a bounce
        # notification quoting it names the event (`calsnack.mail.message_id.event_key_of_message_id`).
        self._id_format = f"<%s.{secrets.token_hex(8)}.%x@{settings.domain}>".encode()
        self._second = (-1, b"", b"")

    def render(
        self,
        event: Event,
        email: str,
        method: Method,
        *,
        unsubscribe_url: str = "",
        landing_url: str = "",
        partstat: PartStat = PartStat.NEEDS_ACTION,
    ) -> OutgoingMail:
        """One attendee's message. Raises ValueError for an address or link a header cannot carry.

        `partstat` other than NEEDS-ACTION is the attendee's answer, kept in their copy of a
        quiet revision (sabre/vobject's broker keeps it too) and asking for no new answer.
        """
        address = email.strip()
        to = wire_address(address)
        checked_url(unsubscribe_url)
        checked_url(landing_url)
        template = self._template(event, method, bool(unsubscribe_url), bool(landing_url))
        date_header, dtstamp = self._now()
        prefix = template.attendee if partstat is PartStat.NEEDS_ACTION else attendee_prefix(method, partstat)
        calendar = template.calendar.fill((attendee_line(prefix, address), dtstamp))
        plain, html = template.bodies(landing_url)
        raw = template.message.fill(
            (
                to.encode(),
                self._id_format % (event.key.encode(), next(self._ids)),
                date_header,
                unsubscribe_url.encode(),
                plain,
                html,
                base64_lines(calendar),
            )
        )
        return OutgoingMail(raw=raw, sender=self._bounce, recipients=(to,))

    def _template(self, event: Event, method: Method, unsubscribe: bool, landing: bool) -> RevisionTemplate:
        # The language is in the stored version already; keyed apart all the same, so a template
        # can never speak another language than its event, however the event reached us.
        key = (event.key, event.sequence, method, event.version, event.language, unsubscribe, landing)
        template = self._templates.get(key)
        if template is None:
            template = self._build(event, method, unsubscribe, landing)
            self._templates[key] = template
            if len(self._templates) > self.TEMPLATES:
                self._templates.popitem(last=False)
        else:
            self._templates.move_to_end(key)
        return template

    def _build(self, event: Event, method: Method, unsubscribe: bool, landing: bool) -> RevisionTemplate:
        """One revision's template: its calendar, texts and headers bound into the message's shape."""
        url = self._url
        spliced = spliced_calendar(self.settings, event, method)
        calendar, attendee = (
            spliced if spliced is not None else rebuilt_calendar(self.settings, event, method, self._token)
        )
        when = invitation_when(event)
        plain, html = invitation_texts(self.settings, event, method, url if landing else "", when)
        utf8 = policy_for(event.organizer) is SMTPUTF8_POLICY
        sender, reply_to = address_headers(self.settings, event.organizer_name, event.organizer, utf8=utf8)
        message = self._shape(method, unsubscribe).bind(
            {
                _FROM: sender,
                _REPLY_TO: reply_to,
                _SUBJECT: subject_header(invitation_subject(event, method, when), utf8=utf8),
            }
        )
        return RevisionTemplate(
            message=message,
            calendar=calendar,
            attendee=attendee,
            plain=tuple(crlf(plain).split(url)),
            html=tuple(crlf(html).split(url)),
        )

    @property
    def _url(self) -> str:
        """The marker link: where the landing and unsubscribe links go."""
        return f"https://calsnack.invalid/{self._token}"

    def _shape(self, method: Method, unsubscribe: bool) -> Layout:
        """The message with every event-level and personal value a marker, built once by email."""
        key = (method, unsubscribe)
        shape = self._shapes.get(key)
        if shape is not None:
            return shape
        token = self._token
        attendee = f"{token}@calsnack.invalid"
        url = self._url
        message_id = f"<{token}.id@{self.settings.domain}>"
        headers = {name: f"{token}{name}@calsnack.invalid" for name in ("From", "Reply-To", "Subject")}
        message = invitation_message(
            method,
            sender=headers["From"],
            reply_to=headers["Reply-To"],
            subject=headers["Subject"],
            to=attendee,
            message_id=message_id,
            date=PLACEHOLDER_DATE,
            unsubscribe_url=url if unsubscribe else "",
            plain="-",
            html="-",
            calendar=b"-",
        )
        # The parts keep their headers (and Content-Transfer-Encoding); each attendee gets fresh payloads.
        body_markers = [f"{token}{name}" for name in ("PLAIN", "HTML", "CALENDAR", "ICS")]
        for part, marker in zip(
            (part for part in message.walk() if not part.is_multipart()), body_markers, strict=True
        ):
            part.set_payload(marker)
        raw = message.as_bytes(policy=SMTP_POLICY)

        plain_marker, html_marker, calendar_marker, ics_marker = (m.encode() for m in body_markers)
        slots = {
            f"From: {headers['From']}\r\n".encode(): _FROM,
            f"Reply-To: {headers['Reply-To']}\r\n".encode(): _REPLY_TO,
            f"Subject: {headers['Subject']}\r\n".encode(): _SUBJECT,
            attendee.encode(): _TO,
            message_id.encode(): _MESSAGE_ID,
            format_datetime(PLACEHOLDER_DATE).encode(): _DATE,
            plain_marker: _PLAIN,
            html_marker: _HTML,
            calendar_marker: _CALENDAR,
            ics_marker: _CALENDAR,
        }
        if unsubscribe:
            slots[url.encode()] = _UNSUBSCRIBE
        shape = Layout.of(raw, slots)
        self._shapes[key] = shape
        return shape

    def _now(self) -> tuple[bytes, bytes]:
        """The Date header and DTSTAMP line, formatted once a second rather than once a message."""
        second = int(self._clock().timestamp())
        cached = self._second
        if second != cached[0]:
            moment = datetime.fromtimestamp(second, UTC)
            cached = (second, format_datetime(moment).encode(), dtstamp_line(moment))
            self._second = cached
        return cached[1], cached[2]


def invitation_message(
    method: Method,
    *,
    sender: str | Address,
    reply_to: str | Address,
    subject: str,
    to: str,
    message_id: str,
    date: datetime,
    unsubscribe_url: str,
    plain: str,
    html: str,
    calendar: bytes,
) -> EmailMessage:
    """The layout every major client shows with native buttons (the one Google sends)."""
    message = EmailMessage()
    message["From"] = sender
    message["Reply-To"] = reply_to
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = message_id
    if unsubscribe_url:
        # Verbatim: email folds a URL longer than a line into RFC 2047 encoded-words, which no
        # client decodes in this header, so the one-click unsubscribe would silently vanish.
        message.set_raw("List-Unsubscribe", f"<{unsubscribe_url}>")
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Fixed encodings, so every attendee's parts can be encoded the same way without asking email.
    message.set_content(plain, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    message.add_alternative(
        calendar,
        maintype="text",
        subtype="calendar",
        params={"charset": "UTF-8", "method": method.value},
    )
    message.make_mixed()
    message.add_attachment(calendar, maintype="application", subtype="ics", filename="invite.ics")
    return message
