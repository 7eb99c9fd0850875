"""Personal iMIP invitations and cancellations: one message per attendee, a million per batch.

`compose_invitation` builds a message the plain way, with icalendar and the email
package. `InvitationRenderer` builds one template per revision and then fills in each
attendee's bytes; a CSV event's template is spliced from its stored calendar text in
microseconds, a calendar client's is rebuilt with icalendar (bench/render_invitations.py
measures both; tests/unit/mail/test_invitation.py proves every path parses the same).
"""

from __future__ import annotations

import binascii
import itertools
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8, EmailPolicy
from email.utils import format_datetime
from functools import cache, lru_cache
from html import escape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, vCalAddress
from icalendar import Event as VEvent

from calsnack.config import Settings
from calsnack.domain.model import Event, Method, PartStat, Source
from calsnack.ical.alarms import organizer_alarms
from calsnack.ical.description import published_html
from calsnack.ical.lines import text_line
from calsnack.ical.write import PRODID, all_day_dates
from calsnack.ports import OutgoingMail

# RFC 5322 dot-atoms, non-ASCII allowed (RFC 6532): what can stand bare in a header and a mailto URI.
_ATOM = r"[^\s\x00-\x1f\x7f()<>\[\]:;@\\,.\"]+"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*")
# Printable ASCII but space, quote and angle brackets: safe in `<...>` headers and in href="...".
_URL = re.compile(r"[!#-;=?-~]{1,900}")
# An ATTENDEE content line with its folded continuation lines.
_ATTENDEE_LINE = re.compile(rb"(?m)^ATTENDEE[;:](?:[^\r\n]|\r\n[ \t])*\r\n")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# What the organizer's object may carry but a send sets for its revision and its one attendee.
_PER_SEND = ("UID", "SEQUENCE", "DTSTAMP", "ORGANIZER", "ATTENDEE")
# A moment no real message carries, so its rendering can be found and replaced.
_PLACEHOLDER_DATE = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
# Headers stored with `set_raw` are written as they are; all others are folded as usual.
_SMTP: EmailPolicy[EmailMessage] = SMTP.clone(refold_source="none")
_SMTPUTF8: EmailPolicy[EmailMessage] = SMTPUTF8.clone(refold_source="none")

# Indexes of the personal values a message template is filled with, then of the event's own
# headers, which a message shape is bound to once per revision.
_TO, _MESSAGE_ID, _DATE, _UNSUBSCRIBE, _PLAIN, _HTML, _CALENDAR = range(7)
_FROM, _REPLY_TO, _SUBJECT = range(7, 10)
_ATTENDEE, _DTSTAMP = range(2)

# How `event_calendar` starts and ends the text it stores for a CSV event.
_CSV_HEAD = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\n"
_CSV_TAIL = "END:VEVENT\r\nEND:VCALENDAR\r\n"
# Lines a spliced VEVENT must not hold: a send sets them, or icalendar would drop or move them.
_NOT_SPLICED = re.compile(
    r"^(?:BEGIN|END|METHOD|UID|SEQUENCE|DTSTAMP|ORGANIZER|ATTENDEE|STATUS|RECURRENCE-ID)[;:]",
    re.MULTILINE | re.IGNORECASE,
)
# The alarm `reminder_text` writes, as icalendar writes it back: anything else is rebuilt.
_CSV_REMINDER = re.compile(
    r"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:[^\r\n]*(?:\r\n [^\r\n]*)*\r\nTRIGGER:-?P[0-9WDTHMS]+\r\nEND:VALARM\r\n"
)
_NOT_A_ZONE = re.compile(r"^BEGIN:(?!(?:VTIMEZONE|STANDARD|DAYLIGHT)\r\n)", re.MULTILINE)
_TZID = re.compile(r";TZID=([^;:\r\n]*)")
# The Subject written directly: lines of at most 78 characters; RFC 2047 encoded words of at
# most 42 UTF-8 octets (68 characters with their frame, so any one fits after "Subject: ");
# plain words longer than 60 characters are encoded too, so they can be cut.
_LINE = 78
_WORD_OCTETS = 42
_PLAIN_WORD = 60
# What it may not hold: something a reader could take for an encoded word, runs of spaces,
# control characters and what Python counts as line breaks (email refuses those).
_NOT_DIRECT = re.compile(r"=\?|  |[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


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
    """One personal message built entirely by icalendar and the email package.

    It is the reference `InvitationRenderer.render` must parse identically to. `date` is
    also the calendar's DTSTAMP; `partstat` is the attendee's answer where it still holds.
    """
    address = email.strip()
    to = wire_address(address)
    calendar = _calendar(settings, event, method, attendee=address, stamp=date, partstat=partstat)
    when = _when(event)
    plain, html = _texts(settings, event, method, _checked_url(landing_url), when)
    message = _message(
        method,
        sender=_sender(settings, event.organizer_name, event.organizer),
        reply_to=_reply_to(event.organizer_name, event.organizer),
        subject=_subject(event, method, when),
        to=to,
        message_id=message_id,
        date=date,
        unsubscribe_url=_checked_url(unsubscribe_url),
        plain=plain,
        html=html,
        calendar=calendar,
    )
    return message.as_bytes(policy=_policy(to, event.organizer))


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
    the event's revision and stored version.
    """

    TEMPLATES = 32

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._bounce = f"bounces@{settings.domain}"
        self._templates: OrderedDict[tuple[str, int, Method, int, bool, bool], _Template] = OrderedDict()
        self._shapes: dict[tuple[Method, bool], _Layout] = {}
        self._token = secrets.token_hex(8)
        self._ids = itertools.count()
        # `<{event key}.{renderer token}.{counter}@{domain}>`: unique per message, and a bounce
        # notification quoting it names the event (`calsnack.mail.message_id.event_key_of_message_id`).
        self._id_format = f"<%s.{secrets.token_hex(8)}.%x@{settings.domain}>".encode()
        self._clock = (-1, b"", b"")

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
        _checked_url(unsubscribe_url)
        _checked_url(landing_url)
        template = self._template(event, method, bool(unsubscribe_url), bool(landing_url))
        date_header, dtstamp = self._now()
        prefix = (
            template.attendee if partstat is PartStat.NEEDS_ACTION else _attendee_prefix(method, partstat)
        )
        calendar = template.calendar.fill((_fold(prefix + address.encode()), dtstamp))
        plain, html = template.bodies(landing_url)
        raw = template.message.fill(
            (
                to.encode(),
                self._id_format % (event.key.encode(), next(self._ids)),
                date_header,
                unsubscribe_url.encode(),
                plain,
                html,
                _base64(calendar),
            )
        )
        return OutgoingMail(raw=raw, sender=self._bounce, recipients=(to,))

    def _template(self, event: Event, method: Method, unsubscribe: bool, landing: bool) -> _Template:
        key = (event.key, event.sequence, method, event.version, unsubscribe, landing)
        template = self._templates.get(key)
        if template is None:
            template = self._build(event, method, unsubscribe, landing)
            self._templates[key] = template
            if len(self._templates) > self.TEMPLATES:
                self._templates.popitem(last=False)
        else:
            self._templates.move_to_end(key)
        return template

    def _build(self, event: Event, method: Method, unsubscribe: bool, landing: bool) -> _Template:
        """One revision's template: its calendar, texts and headers bound into the message's shape."""
        url = self._url
        spliced = _spliced_calendar(self.settings, event, method)
        calendar, attendee = spliced if spliced is not None else self._rebuilt_calendar(event, method)
        when = _when(event)
        plain, html = _texts(self.settings, event, method, url if landing else "", when)
        utf8 = _policy(event.organizer) is _SMTPUTF8
        sender, reply_to = _address_headers(self.settings, event.organizer_name, event.organizer, utf8=utf8)
        message = self._shape(method, unsubscribe).bind(
            {
                _FROM: sender,
                _REPLY_TO: reply_to,
                _SUBJECT: _subject_header(_subject(event, method, when), utf8=utf8),
            }
        )
        return _Template(
            message=message,
            calendar=calendar,
            attendee=attendee,
            plain=tuple(_crlf(plain).split(url)),
            html=tuple(_crlf(html).split(url)),
        )

    @property
    def _url(self) -> str:
        """The marker link: where the landing and unsubscribe links go."""
        return f"https://calsnack.invalid/{self._token}"

    def _rebuilt_calendar(self, event: Event, method: Method) -> tuple[_Layout, bytes]:
        """A client's calendar rebuilt with icalendar for a marker attendee, cut at ATTENDEE and DTSTAMP."""
        token = self._token
        attendee = f"{token}@calsnack.invalid"
        calendar = _calendar(self.settings, event, method, attendee=attendee, stamp=_PLACEHOLDER_DATE)
        attendee_lines = {_unfold(line) for line in _ATTENDEE_LINE.findall(calendar)}
        if len(attendee_lines) != 1:
            raise RuntimeError("icalendar rendered the ATTENDEE line differently across VEVENTs")
        prefix, found, rest = attendee_lines.pop().partition(attendee.encode())
        if not found or rest != b"\r\n":
            raise RuntimeError("icalendar did not render the attendee address as the end of its line")
        attendee_marker = f"{token}ATTENDEE\r\n".encode()
        calendar = _ATTENDEE_LINE.sub(attendee_marker, calendar)
        dtstamp_line = b"DTSTAMP:" + _stamp(_PLACEHOLDER_DATE)
        return _Layout.of(calendar, {attendee_marker: _ATTENDEE, dtstamp_line: _DTSTAMP}), prefix

    def _shape(self, method: Method, unsubscribe: bool) -> _Layout:
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
        message = _message(
            method,
            sender=headers["From"],
            reply_to=headers["Reply-To"],
            subject=headers["Subject"],
            to=attendee,
            message_id=message_id,
            date=_PLACEHOLDER_DATE,
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
        raw = message.as_bytes(policy=_SMTP)

        plain_marker, html_marker, calendar_marker, ics_marker = (m.encode() for m in body_markers)
        slots = {
            f"From: {headers['From']}\r\n".encode(): _FROM,
            f"Reply-To: {headers['Reply-To']}\r\n".encode(): _REPLY_TO,
            f"Subject: {headers['Subject']}\r\n".encode(): _SUBJECT,
            attendee.encode(): _TO,
            message_id.encode(): _MESSAGE_ID,
            format_datetime(_PLACEHOLDER_DATE).encode(): _DATE,
            plain_marker: _PLAIN,
            html_marker: _HTML,
            calendar_marker: _CALENDAR,
            ics_marker: _CALENDAR,
        }
        if unsubscribe:
            slots[url.encode()] = _UNSUBSCRIBE
        shape = _Layout.of(raw, slots)
        self._shapes[key] = shape
        return shape

    def _now(self) -> tuple[bytes, bytes]:
        """The Date header and DTSTAMP line, formatted once a second rather than once a message."""
        clock = self._clock
        second = int(time.time())
        if second != clock[0]:
            moment = datetime.fromtimestamp(second, UTC)
            clock = (second, format_datetime(moment).encode(), b"DTSTAMP:" + _stamp(moment))
            self._clock = clock
        return clock[1], clock[2]


@dataclass(frozen=True, slots=True)
class _Layout:
    """Rendered bytes cut at their markers: static runs, and which value goes where."""

    runs: tuple[bytes, ...]
    slots: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, rendered: bytes, markers: dict[bytes, int]) -> _Layout:
        pattern = re.compile(b"|".join(re.escape(p) for p in sorted(markers, key=len, reverse=True)))
        runs: list[bytes] = []
        slots: list[tuple[int, int]] = []
        position = 0
        for match in pattern.finditer(rendered):
            runs.append(rendered[position : match.start()])
            slots.append((len(runs), markers[match.group()]))
            runs.append(b"")
            position = match.end()
        runs.append(rendered[position:])
        missing = set(markers.values()) - {index for _, index in slots}
        if missing:
            # A marker was folded or encoded: filling would silently drop personal data.
            raise RuntimeError(f"markers {sorted(missing)} not found in the rendered template")
        return cls(tuple(runs), tuple(slots))

    def bind(self, values: dict[int, bytes]) -> _Layout:
        """The layout with some slots filled for good, their bytes merged into the static runs."""
        runs = list(self.runs)
        open_slots = []
        for position, index in self.slots:
            if index in values:
                runs[position] = values[index]
            else:
                open_slots.append((position, index))
        merged: list[bytes] = []
        slots: list[tuple[int, int]] = []
        start = 0
        for position, index in open_slots:
            merged.append(b"".join(runs[start:position]))
            slots.append((len(merged), index))
            merged.append(b"")
            start = position + 1
        merged.append(b"".join(runs[start:]))
        return _Layout(tuple(merged), tuple(slots))

    def fill(self, values: Sequence[bytes]) -> bytes:
        runs = list(self.runs)
        for position, index in self.slots:
            runs[position] = values[index]
        return b"".join(runs)


@dataclass(slots=True)
class _Template:
    message: _Layout
    calendar: _Layout
    #: The unfolded ATTENDEE line up to the address, as icalendar renders it.
    attendee: bytes
    #: The text and HTML bodies (CRLF line ends) cut where the landing URL goes.
    plain: tuple[str, ...]
    html: tuple[str, ...]
    #: The last landing URL with its encoded bodies, replaced in one assignment.
    _last: tuple[str, bytes, bytes] | None = None

    def bodies(self, landing_url: str) -> tuple[bytes, bytes]:
        """Quoted-printable text and HTML; callers pass the same landing URL for a whole event, so keep the last."""
        last = self._last
        if last is None or last[0] != landing_url:
            last = (
                landing_url,
                _quoted_printable(landing_url.join(self.plain)),
                _quoted_printable(escape(landing_url).join(self.html)),
            )
            self._last = last
        return last[1], last[2]


def _spliced_calendar(settings: Settings, event: Event, method: Method) -> tuple[_Layout, bytes] | None:
    """A CSV event's calendar as its stored text plus METHOD and the per-send lines, or None.

    What `_calendar` would build, without parsing: `event_calendar` wrote the text, so it
    is one VEVENT (and the VTIMEZONE it uses) in icalendar's own spelling and holds none
    of the lines a send sets. Anything else (a client's calendar, text of another shape)
    gets None and is rebuilt with icalendar.
    """
    text = event.calendar
    if event.source is not Source.CSV or not (text.startswith(_CSV_HEAD) and text.endswith(_CSV_TAIL)):
        return None
    zones, found, vevent = ("\r\n" + text[len(_CSV_HEAD) : -len(_CSV_TAIL)]).partition("\r\nBEGIN:VEVENT\r\n")
    # A `reminder` cell's alarm (calsnack.ical.alarms) closes the VEVENT; the per-send lines go before it.
    vevent, found_alarm, alarm = vevent.partition("\r\nBEGIN:VALARM\r\n")
    alarm = f"BEGIN:VALARM\r\n{alarm}" if found_alarm else ""
    vevent += "\r\n" if found_alarm else ""
    if not found or _NOT_SPLICED.search(vevent) or (alarm and not _CSV_REMINDER.fullmatch(alarm)):
        return None
    if zones:
        zones = zones[2:] + "\r\n"
        if not zones.startswith("BEGIN:VTIMEZONE\r\n") or _NOT_A_ZONE.search(zones):
            return None
    if any(f"\r\nTZID:{tzid}\r\n" not in zones for tzid in _TZID.findall(vevent)):
        return None  # icalendar would add the missing VTIMEZONE
    head = f"{_CSV_HEAD}METHOD:{method.value}\r\n{zones}BEGIN:VEVENT\r\n{vevent}"
    ids = f"{text_line('UID', event.uid)}SEQUENCE:{event.itip_sequence}\r\n"
    end = ("STATUS:CANCELLED\r\n" if method is Method.CANCEL else "") + alarm + _CSV_TAIL
    organizer = _organizer_line(settings.rsvp_address, event.organizer_name or event.organizer)
    layout = _Layout(
        runs=((head + ids).encode(), b"", organizer, b"", end.encode()),
        slots=((1, _DTSTAMP), (3, _ATTENDEE)),
    )
    return layout, _attendee_prefix(method)


@lru_cache(maxsize=1024)
def _organizer_line(rsvp_address: str, name: str) -> bytes:
    """Our ORGANIZER line with the organizer's name, as icalendar writes it (CN quoting, folding)."""
    line: bytes = VEvent().content_line("ORGANIZER", _organizer(rsvp_address, name)).to_ical()
    return line + b"\r\n"


@cache
def _attendee_prefix(method: Method, partstat: PartStat = PartStat.NEEDS_ACTION) -> bytes:
    """The unfolded ATTENDEE line up to the address, as icalendar writes it."""
    marker = "attendee@calsnack.invalid"
    line = str(VEvent().content_line("ATTENDEE", _guest(marker, method, partstat)))
    prefix, found, rest = line.partition(marker)
    if not found or rest:
        raise RuntimeError("icalendar did not render the attendee address as the end of its line")
    return prefix.encode()


@lru_cache(maxsize=4096)
def _address_headers(
    settings: Settings, organizer_name: str, organizer: str, *, utf8: bool
) -> tuple[bytes, bytes]:
    """The From and Reply-To lines as email folds them: up to a millisecond, once per organizer."""
    policy = _SMTPUTF8 if utf8 else _SMTP
    return (
        _header_line("From", _sender(settings, organizer_name, organizer), policy),
        _header_line("Reply-To", _reply_to(organizer_name, organizer), policy),
    )


def _header_line(name: str, value: str | Address, policy: EmailPolicy[EmailMessage]) -> bytes:
    """One header exactly as the email package writes it into a message."""
    stored = policy.header_store_parse(name, value)[1]
    line: bytes = policy.fold_binary(name, stored)
    return line


def _subject_header(subject: str, *, utf8: bool) -> bytes:
    """The Subject line, folded and RFC 2047-encoded directly; email takes 0.1 to 0.2 ms for it.

    ASCII words stay as they are; a run of words with other characters (or too long for a
    line) becomes base64 encoded words holding the run's spaces, cut between characters.
    A parser reads back exactly `subject`: it keeps the space next to a plain word, drops
    only those between two encoded words, and folds fall on spaces. What `_subject` never
    writes (runs of spaces, control characters) and text a reader could take for an
    encoded word are left to email.
    """
    if _NOT_DIRECT.search(subject) or subject.strip(" ") != subject:
        return _header_line("Subject", subject, _SMTPUTF8 if utf8 else _SMTP)
    if len("Subject: ") + len(subject) > _LINE >= len(subject) + 1 and (utf8 or subject.isascii()):
        # email's own choice for a value that fits a line but not after the name: all of it on
        # the next one. Its parser then keeps the fold's space, so do the same to read the same.
        return f"Subject:\r\n {subject}\r\n".encode()
    tokens: list[str] = []
    run: list[str] = []
    for word in subject.split(" "):
        if word.isascii() and len(word) <= _PLAIN_WORD:
            if run:
                tokens += _encoded_words(" ".join(run))
                run = []
            tokens.append(word)
        else:
            run.append(word)
    if run:
        tokens += _encoded_words(" ".join(run))
    lines: list[str] = []
    line = "Subject:"
    for token in tokens:
        if len(line) + 1 + len(token) > _LINE and len(line) > len("Subject:"):
            lines.append(line)  # the fold takes the place of the space before the token
            line = " " + token
        else:
            line += " " + token
    lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode()


def _encoded_words(text: str) -> list[str]:
    """`text` as base64 encoded words of whole characters (a word must decode on its own)."""
    data = text.encode()
    words = []
    start = 0
    while start < len(data):
        cut = min(start + _WORD_OCTETS, len(data))
        while cut < len(data) and data[cut] & 0xC0 == 0x80:
            cut -= 1
        words.append(f"=?utf-8?b?{binascii.b2a_base64(data[start:cut], newline=False).decode()}?=")
        start = cut
    return words


def wire_address(address: str) -> str:
    """The address as headers and the envelope carry it: IDNA for the domain (SES takes no other).

    A non-ASCII local part stays UTF-8: only SMTPUTF8 can deliver it (RFC 6531/6532).
    Raises ValueError for anything that is not a bare dot-atom address.
    """
    if not _ADDRESS.fullmatch(address):
        raise ValueError(f"not a deliverable address: {address!r}")
    local, _, domain = address.rpartition("@")
    return address if domain.isascii() else f"{local}@{_idna(domain)}"


@lru_cache(maxsize=4096)
def _idna(domain: str) -> str:
    """Cached: nameprep costs more than rendering a whole message, and attendees share domains."""
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"not a deliverable domain: {domain!r}") from exc


def _checked_url(url: str) -> str:
    if url and not _URL.fullmatch(url):
        raise ValueError(f"not a link a mail can carry: {url!r}")
    return url


def _policy(*addresses: str) -> EmailPolicy[EmailMessage]:
    """SMTP unless an address needs RFC 6532 UTF-8 headers (its mail goes over SMTPUTF8 anyway)."""
    if all(address.partition("@")[0].isascii() for address in addresses):
        return _SMTP
    return _SMTPUTF8


def _message(
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


def _sender(settings: Settings, organizer_name: str, organizer: str) -> Address:
    return Address(
        f"{organizer_name or organizer} via {settings.product_name}", addr_spec=settings.rsvp_address
    )


def _reply_to(organizer_name: str, organizer: str) -> Address:
    return Address(organizer_name, addr_spec=wire_address(organizer))


def _organizer(rsvp_address: str, name: str) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{rsvp_address}")
    organizer.params["CN"] = name
    return organizer


def _guest(attendee: str, method: Method, partstat: PartStat = PartStat.NEEDS_ACTION) -> vCalAddress:
    """The one attendee; only a REQUEST asks for an answer (a cancellation expects none), and
    not again when it carries the answer the attendee gave."""
    guest = vCalAddress(f"mailto:{attendee}")
    guest.params.update(CUTYPE="INDIVIDUAL", ROLE="REQ-PARTICIPANT")
    if method is Method.REQUEST and partstat is PartStat.NEEDS_ACTION:
        guest.params.update(PARTSTAT="NEEDS-ACTION", RSVP="TRUE")
    elif method is Method.REQUEST:
        guest.params.update(PARTSTAT=partstat.value)
    return guest


def _calendar(
    settings: Settings,
    event: Event,
    method: Method,
    *,
    attendee: str,
    stamp: datetime,
    partstat: PartStat = PartStat.NEEDS_ACTION,
) -> bytes:
    """The organizer's VEVENT(s) as this revision, from our ORGANIZER to exactly one attendee."""
    source = Calendar.from_ical(event.calendar)
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("METHOD", method.value)
    organizer = _organizer(settings.rsvp_address, event.organizer_name or event.organizer)
    guest = _guest(attendee, method, partstat)
    for component in source.subcomponents:
        if component.name == "VTIMEZONE":
            calendar.add_component(component)
        elif component.name == "VEVENT":
            for name in _PER_SEND:
                component.pop(name, None)
            # The organizer's reminders go along; an e-mail alarm, which names people, does not.
            component.subcomponents = organizer_alarms(component, event.summary)
            component.add("UID", event.uid)
            component.add("SEQUENCE", event.itip_sequence)
            component.add("DTSTAMP", stamp)
            component.add("ORGANIZER", organizer)
            component.add("ATTENDEE", guest)
            if method is Method.CANCEL:
                component.pop("STATUS", None)
                component.add("STATUS", "CANCELLED")
            calendar.add_component(component)
    if not calendar.walk("VEVENT"):
        raise ValueError(f"event {event.key} has no VEVENT to send")
    calendar.add_missing_timezones()
    rendered: bytes = calendar.to_ical()
    return rendered


def _subject(event: Event, method: Method, when: str) -> str:
    occurrence = event.changed_occurrence
    if method is Method.CANCEL:
        kind = "Cancelled"
    elif occurrence:
        # The series goes out with one occurrence moved or excluded: name that one, by its day.
        day = _day(date.fromisoformat(occurrence))
        if event.occurrence_cancelled:
            kind, when = "Cancelled", f"{day} (this occurrence only)"
        else:
            kind, when = "Updated invitation", f"{day} (this occurrence moved)"
    elif event.sequence:
        kind = "Updated invitation"
    else:
        kind = "Invitation"
    # A header is one line; a client's SUMMARY may hold line breaks.
    return f"{kind}: {' '.join(event.summary.split())} @ {when}"


def _texts(settings: Settings, event: Event, method: Method, landing_url: str, when: str) -> tuple[str, str]:
    """Plain and HTML bodies, line ends normalized as the email package would store them."""
    who = event.organizer_name or event.organizer
    if method is Method.CANCEL:
        lead = f"{who} cancelled this event."
    elif event.sequence:
        lead = f"{who} updated this event."
    else:
        lead = f"{who} invites you to this event."
    description = _lines(event.description).strip("\n")
    rows = [("When", when)]
    if event.location:
        rows.append(("Where", event.location))
    if event.meeting_url:
        rows.append(("Join", event.meeting_url))

    plain = [lead, "", event.summary, *(f"{label}: {value}" for label, value in rows)]
    if description:
        plain += ["", description]
    if landing_url:
        plain += ["", f"Answer and details: {landing_url}"]
    plain += ["", f"Sent by {who} with {settings.product_name}."]

    cells = "".join(
        f'<tr><td style="padding-right:1em;color:#555">{label}</td>'
        f"<td>{_linked(value) if label == 'Join' else _html_lines(value)}</td></tr>\n"
        for label, value in rows
    )
    html = [
        "<!DOCTYPE html>",
        '<html><body style="font-family:sans-serif">',
        f"<p>{escape(lead)}</p>",
        f"<h2>{escape(event.summary)}</h2>",
        f"<table>\n{cells}</table>",
    ]
    if description:
        html.append(f"<div>{published_html(event.calendar, description)}</div>")
    if landing_url:
        html.append(f'<p><a href="{escape(landing_url)}">Answer and details</a></p>')
    html += [
        f'<p style="color:#777;font-size:small">Sent by {escape(who)} with {escape(settings.product_name)}.</p>',
        "</body></html>",
    ]
    return _lines("\n".join(plain)) + "\n", _lines("\n".join(html)) + "\n"


def _html_lines(text: str) -> str:
    """Escaped text with its line breaks (a CSV location may be a street address on lines)."""
    return "<br>".join(escape(line) for line in _lines(text).split("\n"))


def _linked(url: str) -> str:
    if urlsplit(url).scheme in ("http", "https"):
        return f'<a href="{escape(url)}">{escape(url)}</a>'
    return escape(url)


def _when(event: Event) -> str:
    """When the event is, as the Subject and the texts say it (once per revision)."""
    if event.all_day:
        first, after = all_day_dates(event.start, event.end)
        last = after - timedelta(days=1)
        return _day(first) if last == first else f"{_day(first)} - {_day(last)}"
    zone = _zone(event.timezone)
    start, end = _local(event.start, zone), _local(event.end, zone)
    if start.date() == end.date():
        span = f"{_day(start)} {start.hour:02}:{start.minute:02} - {end.hour:02}:{end.minute:02}"
    else:
        span = f"{_day(start)} {start.hour:02}:{start.minute:02} - {_day(end)} {end.hour:02}:{end.minute:02}"
    return f"{span} ({event.timezone})" if event.timezone else span


def _day(day: date) -> str:
    """English and locale-independent: strftime's %a and %b follow the host's locale."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    return moment if zone is None or moment.tzinfo is None else moment.astimezone(zone)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def _unfold(line: bytes) -> bytes:
    return re.sub(rb"\r\n[ \t]", b"", line)


def _stamp(moment: datetime) -> bytes:
    return moment.strftime("%Y%m%dT%H%M%SZ").encode() + b"\r\n"


def _fold(line: bytes) -> bytes:
    """RFC 5545 §3.1: at most 75 octets a line, never inside a UTF-8 sequence."""
    pieces = []
    start, limit = 0, 75
    while len(line) - start > limit:
        cut = start + limit
        while line[cut] & 0xC0 == 0x80:
            cut -= 1
        pieces.append(line[start:cut])
        start, limit = cut, 74  # a continuation line starts with the folding space
    pieces.append(line[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def _quoted_printable(text: str) -> bytes:
    return binascii.b2a_qp(text.encode("utf-8"), istext=True)


def _base64(data: bytes) -> bytes:
    """Base64 in 76-character CRLF lines, as the email package writes it, in one C call plus slicing."""
    encoded = binascii.b2a_base64(data, newline=False)
    return b"".join([encoded[i : i + 76] + b"\r\n" for i in range(0, len(encoded), 76)])
