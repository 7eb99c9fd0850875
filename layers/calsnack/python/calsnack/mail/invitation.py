"""Personal iMIP invitations and cancellations: one message per attendee, a million per batch.

`compose_invitation` builds a message the plain way, with icalendar and the email
package. `InvitationRenderer` runs it once per revision with placeholder values and then
fills in each attendee's bytes (bench/render_invitations.py measures the difference;
tests/unit/mail/test_invitation.py proves both parse the same).
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
from functools import lru_cache
from html import escape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, vCalAddress

from calsnack.config import Settings
from calsnack.domain.model import Event, Method
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

# Indexes of the personal values a message template is filled with.
_TO, _MESSAGE_ID, _DATE, _UNSUBSCRIBE, _PLAIN, _HTML, _CALENDAR = range(7)
_ATTENDEE, _DTSTAMP = range(2)


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
) -> bytes:
    """One personal message built entirely by icalendar and the email package.

    It is the reference `InvitationRenderer.render` must parse identically to, and the
    source of the renderer's templates. `date` is also the calendar's DTSTAMP.
    """
    address = email.strip()
    to = wire_address(address)
    calendar = _calendar(settings, event, method, attendee=address, stamp=date)
    plain, html = _texts(settings, event, method, _checked_url(landing_url))
    message = _message(
        settings,
        event,
        method,
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

    The template is `compose_invitation` run with placeholder values; a message is its
    bytes with the placeholders replaced by the attendee's To, Message-ID, Date,
    List-Unsubscribe and re-encoded body parts (the calendar gets its own DTSTAMP and a
    freshly folded ATTENDEE line). Keep one renderer per worker: templates live in a
    small LRU keyed by the event's revision and stored version.
    """

    TEMPLATES = 32

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._bounce = f"bounces@{settings.domain}"
        self._templates: OrderedDict[tuple[str, int, Method, int, bool, bool], _Template] = OrderedDict()
        self._token = secrets.token_hex(8)
        self._ids = itertools.count()
        self._id_format = f"<{secrets.token_hex(8)}.%x@{settings.domain}>".encode()
        self._clock = (-1, b"", b"")

    def render(
        self,
        event: Event,
        email: str,
        method: Method,
        *,
        unsubscribe_url: str = "",
        landing_url: str = "",
    ) -> OutgoingMail:
        """One attendee's message. Raises ValueError for an address or link a header cannot carry."""
        address = email.strip()
        to = wire_address(address)
        _checked_url(unsubscribe_url)
        _checked_url(landing_url)
        template = self._template(event, method, bool(unsubscribe_url), bool(landing_url))
        date_header, dtstamp = self._now()
        calendar = template.calendar.fill((_fold(template.attendee + address.encode()), dtstamp))
        plain, html = template.bodies(landing_url)
        raw = template.message.fill(
            (
                to.encode(),
                self._id_format % next(self._ids),
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
        token = self._token
        attendee = f"{token}@calsnack.invalid"
        url = f"https://calsnack.invalid/{token}"
        message_id = f"<{token}.id@{self.settings.domain}>"

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

        plain, html = _texts(self.settings, event, method, url if landing else "")
        body_markers = [f"{token}{name}" for name in ("PLAIN", "HTML", "CALENDAR", "ICS")]
        message = _message(
            self.settings,
            event,
            method,
            to=attendee,
            message_id=message_id,
            date=_PLACEHOLDER_DATE,
            unsubscribe_url=url if unsubscribe else "",
            plain=plain,
            html=html,
            calendar=calendar,
        )
        # The parts keep their headers (and Content-Transfer-Encoding); each attendee gets fresh payloads.
        for part, marker in zip(
            (part for part in message.walk() if not part.is_multipart()), body_markers, strict=True
        ):
            part.set_payload(marker)
        raw = message.as_bytes(policy=_policy(attendee, event.organizer))

        plain_marker, html_marker, calendar_marker, ics_marker = (m.encode() for m in body_markers)
        message_slots = {
            attendee.encode(): _TO,
            message_id.encode(): _MESSAGE_ID,
            format_datetime(_PLACEHOLDER_DATE).encode(): _DATE,
            plain_marker: _PLAIN,
            html_marker: _HTML,
            calendar_marker: _CALENDAR,
            ics_marker: _CALENDAR,
        }
        if unsubscribe:
            message_slots[url.encode()] = _UNSUBSCRIBE
        return _Template(
            message=_Layout.of(raw, message_slots),
            calendar=_Layout.of(calendar, {attendee_marker: _ATTENDEE, dtstamp_line: _DTSTAMP}),
            attendee=prefix,
            plain=tuple(_crlf(plain).split(url)),
            html=tuple(_crlf(html).split(url)),
        )

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
    """Rendered bytes cut at their placeholders: static runs, and which value goes where."""

    runs: tuple[bytes, ...]
    slots: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, rendered: bytes, placeholders: dict[bytes, int]) -> _Layout:
        pattern = re.compile(b"|".join(re.escape(p) for p in sorted(placeholders, key=len, reverse=True)))
        runs: list[bytes] = []
        slots: list[tuple[int, int]] = []
        position = 0
        for match in pattern.finditer(rendered):
            runs.append(rendered[position : match.start()])
            slots.append((len(runs), placeholders[match.group()]))
            runs.append(b"")
            position = match.end()
        runs.append(rendered[position:])
        missing = set(placeholders.values()) - {index for _, index in slots}
        if missing:
            # A placeholder was folded or encoded: filling would silently drop personal data.
            raise RuntimeError(f"placeholders {sorted(missing)} not found in the rendered template")
        return cls(tuple(runs), tuple(slots))

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
    settings: Settings,
    event: Event,
    method: Method,
    *,
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
    message["From"] = Address(
        f"{event.organizer_name or event.organizer} via {settings.product_name}",
        addr_spec=settings.rsvp_address,
    )
    message["Reply-To"] = Address(event.organizer_name, addr_spec=wire_address(event.organizer))
    message["To"] = to
    message["Subject"] = _subject(event, method)
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


def _calendar(settings: Settings, event: Event, method: Method, *, attendee: str, stamp: datetime) -> bytes:
    """The organizer's VEVENT(s) as this revision, from our ORGANIZER to exactly one attendee."""
    source = Calendar.from_ical(event.calendar)
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("METHOD", method.value)
    organizer = vCalAddress(f"mailto:{settings.rsvp_address}")
    organizer.params["CN"] = event.organizer_name or event.organizer
    guest = vCalAddress(f"mailto:{attendee}")
    guest.params.update(CUTYPE="INDIVIDUAL", ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION", RSVP="TRUE")
    for component in source.subcomponents:
        if component.name == "VTIMEZONE":
            calendar.add_component(component)
        elif component.name == "VEVENT":
            for name in _PER_SEND:
                component.pop(name, None)
            # The organizer's own reminders are not the attendee's; an e-mail alarm even names people.
            component.subcomponents = [sub for sub in component.subcomponents if sub.name != "VALARM"]
            component.add("UID", event.uid)
            component.add("SEQUENCE", event.sequence)
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


def _subject(event: Event, method: Method) -> str:
    if method is Method.CANCEL:
        kind = "Cancelled"
    elif event.sequence:
        kind = "Updated invitation"
    else:
        kind = "Invitation"
    # A header is one line; a client's SUMMARY may hold line breaks.
    return f"{kind}: {' '.join(event.summary.split())} @ {_when(event)}"


def _texts(settings: Settings, event: Event, method: Method, landing_url: str) -> tuple[str, str]:
    """Plain and HTML bodies, line ends normalized as the email package would store them."""
    who = event.organizer_name or event.organizer
    if method is Method.CANCEL:
        lead = f"{who} cancelled this event."
    elif event.sequence:
        lead = f"{who} updated this event."
    else:
        lead = f"{who} invites you to this event."
    when = _when(event)
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
        f"<td>{_linked(value) if label == 'Join' else escape(value)}</td></tr>\n"
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
        html.append(f"<p>{escape(description).replace(chr(10), '<br>' + chr(10))}</p>")
    if landing_url:
        html.append(f'<p><a href="{escape(landing_url)}">Answer and details</a></p>')
    html += [
        f'<p style="color:#777;font-size:small">Sent by {escape(who)} with {escape(settings.product_name)}.</p>',
        "</body></html>",
    ]
    return _lines("\n".join(plain)) + "\n", _lines("\n".join(html)) + "\n"


def _linked(url: str) -> str:
    if urlsplit(url).scheme in ("http", "https"):
        return f'<a href="{escape(url)}">{escape(url)}</a>'
    return escape(url)


def _when(event: Event) -> str:
    if event.all_day:
        first, after = all_day_dates(event.start, event.end)
        last = after - timedelta(days=1)
        return _day(first) if last == first else f"{_day(first)} - {_day(last)}"
    zone = _zone(event.timezone)
    start, end = _local(event.start, zone), _local(event.end, zone)
    if start.date() == end.date():
        span = f"{_day(start)} {start:%H:%M} - {end:%H:%M}"
    else:
        span = f"{_day(start)} {start:%H:%M} - {_day(end)} {end:%H:%M}"
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
