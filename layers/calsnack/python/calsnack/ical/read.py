"""Reads what calendar clients send (iMIP mail, RFC 6047, or a bare .ics) into `ClientEvent`s.

The first step of inbound calendar mail: an organizer's invitation, update or cancellation, or an
attendee's reply, becomes one typed value per UID, with the times in IANA zones and the
organizer's event content ready to be sent again under calsnack's own UID, organizer and
attendees.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from email.message import EmailMessage, Message
from email.utils import collapse_rfc2231_value
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Component,
    Event,
    Timezone,
    vCalAddress,
    vDDDLists,
    vDDDTypes,
    vText,
    vUnknown,
    vUri,
)
from icalendar.parser import unescape_backslash
from icalendar.timezone import tzp

from calsnack.domain.addresses import normalize_address
from calsnack.domain.model import occurrence_id
from calsnack.ical.alarms import organizer_alarms
from calsnack.ical.description import Description, clean_description, is_meeting_link
from calsnack.ical.uris import is_web_url
from calsnack.ical.zones import ZoneBudget, iana_zone

PRODID = "-//calsnack//calsnack//EN"

#: The iTIP methods (RFC 5546 §1.4); anything else is not a scheduling message.
METHODS = frozenset({"PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER", "DECLINECOUNTER"})
#: What an attendee sends the organizer (RFC 5546 §3.2.3, §3.2.6, §3.2.7).
ATTENDEE_METHODS = frozenset({"REPLY", "REFRESH", "COUNTER"})
_METHOD_LINE = re.compile(r"^METHOD:[ \t]*([A-Za-z-]+)", re.MULTILINE)

NO_CALENDAR = "the mail has no calendar invitation attached"
BOUNCE = "the mail is a delivery report (a bounce), not a calendar invitation"
ATTACHED_FILE = (
    "the mail carries a calendar file as a plain attachment, not as an invitation; "
    "send the invitation from your calendar instead of attaching the .ics file"
)
TNEF = (
    "Outlook sent the invitation as a winmail.dat attachment, which only Outlook can read; "
    "switch Outlook to send meeting requests in iCalendar format and send the invitation again"
)
UNREADABLE = "the calendar file could not be read"

#: Events (distinct UIDs) one mail may carry: a calendar client sends one; more than this is a
#: file of events, which a CSV batch handles (one mail with 1,000 VEVENTs must not become
#: 1,000 events and 1,000 snacks).
MAX_EVENTS = 20
#: Components of every kind (events with their changed occurrences, alarms, zones and their
#: rules) one mail may carry; each is work for every step after parsing.
MAX_COMPONENTS = 1_000

# Personal data and client bookkeeping: the service sends the organizer's event to people who
# must not see the other attendees, and non-standard (X-) properties are private agreements
# between a client and itself (X-MOZ-*, X-MICROSOFT-CDO-*, X-LOTUS-*, X-LIC-ERROR ...) that would
# mislead the receiving client under calsnack's UID. Kept: Google's conference link, and
# Outlook's HTML description, which is the organizer's content.
_PERSONAL_PROPERTIES = frozenset({"ORGANIZER", "ATTENDEE", "METHOD"})
_KEPT_EXTENSIONS = frozenset({"X-GOOGLE-CONFERENCE", "X-ALT-DESC"})

# Properties whose value is a conference link by definition, best first.
_CONFERENCE_PROPERTIES = ("X-GOOGLE-CONFERENCE", "CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL")
# Free text where people paste a meeting link; only known meeting hosts count there.
_LINK_PROPERTIES = ("URL", "LOCATION", "DESCRIPTION")
_LINK = re.compile(r"https://[^\s<>\"'\\]+", re.IGNORECASE)

# Links that icalendar reads as text, not as a URI value; kept only when they are http(s) links.
_TEXT_LINK_PROPERTIES = frozenset({"X-GOOGLE-CONFERENCE"})

# Rewritten by `_shareable` from their cleaned content, never copied.
_DESCRIPTIONS = frozenset({"DESCRIPTION", "X-ALT-DESC"})

_COMMENT_PROPERTIES = ("COMMENT", "X-RESPONSE-COMMENT", "X-CALENDARSERVER-PRIVATE-COMMENT")

# A date-time property's value as icalendar holds it.
_Value = datetime | date | timedelta | time | tuple[datetime, datetime] | tuple[datetime, timedelta]

# The VTIMEZONEs we write cover the event's years and at least up to icalendar's default end
# (2038), within these bounds: a fuzzed year 9999 must not make us walk millennia of tzdata.
_ZONE_YEARS = (1970, 2100)


@dataclass(frozen=True, slots=True)
class ClientEvent:
    """One event (one UID) as a client sent it, with the organizer's content ready to resend."""

    method: str
    uid: str
    sequence: int
    dtstamp: datetime | None
    organizer: str
    organizer_name: str
    attendees: tuple[tuple[str, str], ...]
    summary: str
    location: str
    description: str
    meeting_url: str
    start: datetime
    end: datetime
    timezone: str
    all_day: bool
    recurring: bool
    status: str
    comment: str
    calendar: str
    #: Set when the mail speaks for occurrences only (every VEVENT has a RECURRENCE-ID): the
    #: first one's RECURRENCE-ID as written, e.g. "20300110T090000Z".
    occurrence: str = ""
    #: (attendee, delegated to, delegated from) for attendees whose ATTENDEE says either.
    delegations: tuple[tuple[str, str, str], ...] = ()
    #: Each VEVENT with RECURRENCE-ID: what it says of its own occurrence (an attendee's reply
    #: answers each occurrence it holds on its own).
    instances: tuple[Instance, ...] = ()


@dataclass(frozen=True, slots=True)
class Instance:
    """One occurrence's VEVENT: the occurrence (`domain.model.occurrence_id`), its attendees'
    PARTSTATs and the note that came with it."""

    occurrence: str
    attendees: tuple[tuple[str, str], ...]
    comment: str


@dataclass(frozen=True, slots=True)
class CalendarMail:
    """The iTIP content of one mail: its method and one event per UID."""

    method: str
    events: tuple[ClientEvent, ...]


class NoCalendar(ValueError):
    """the mail carries no usable iTIP calendar; str(exc) says why in words a user understands"""


def read_calendar_mail(message: EmailMessage, prefer: frozenset[str] = frozenset()) -> CalendarMail:
    """Read the iTIP calendar a mail carries.

    Which part counts (RFC 6047 §2.4, and what Thunderbird and BlueMind show as invitations):

    1. a calendar part (text/calendar, application/ics or a .ics file) with a `method=`
       parameter, anywhere in the MIME tree: the sender declared a scheduling message;
    2. otherwise a calendar part that *is* the message: its only body, or an alternative
       rendering of it (inside multipart/alternative), as old Apple Mail sends replies;
    3. otherwise a text/calendar part in a mail that also holds an application/ics part:
       the calendar twice (inline, and again as invite.ics) is how Google, BlueMind and
       OpenPaaS send invitations, and the layout survives forwarding even where the
       forwarding client drops `method=` (Thunderbird forwarding a Google invitation).

    Without `method=` the method comes from the calendar's METHOD. A calendar merely attached
    once next to the sender's own text (an event shared as a file) is not a scheduling
    message, even when it says METHOD:REQUEST, and is turned down. So are delivery reports,
    which carry the invitation they failed to deliver, and Outlook's TNEF (winmail.dat),
    which holds no iCalendar at all.

    `prefer` names methods that win over that order: a mail to a reply address is read for its
    REPLY, COUNTER or REFRESH also when the invitation it answers is attached too (Apple Mail
    and some Outlook versions quote it as message/rfc822 or add it as invite.ics).
    """
    if message.get_content_type() == "multipart/report":
        raise NoCalendar(BOUNCE)
    parts = list(_leaves(message, rendering=not message.is_multipart()))
    calendars = [(part, rendering) for part, rendering in parts if _is_calendar(part)]
    paired = any(part.get_content_type() == "application/ics" for part, _ in calendars)
    declared = next((part for part, _ in calendars if _declared_method(part)), None)
    shaped = (
        part
        for part, rendering in calendars
        if rendering or (paired and part.get_content_type() == "text/calendar")
    )
    preferred = next((part for part, _ in calendars if _method_of(part) in prefer), None) if prefer else None
    chosen = preferred or declared or next(shaped, None)
    if chosen is None:
        if any(_is_tnef(part) for part, _ in parts):
            raise NoCalendar(TNEF)
        raise NoCalendar(ATTACHED_FILE if calendars else NO_CALENDAR)
    return read_calendar_text(_part_text(chosen), _declared_method(chosen))


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    return _decoded(payload, part.get_content_charset()) if isinstance(payload, bytes) else ""


def _method_of(part: Message) -> str:
    """The part's method: declared on its Content-Type, else the calendar's own METHOD line."""
    declared = _declared_method(part)
    if declared:
        return declared
    found = _METHOD_LINE.search(_part_text(part))
    return found.group(1).upper() if found else ""


def read_calendar_text(text: str | bytes, method_hint: str | None = None) -> CalendarMail:
    """Read an iTIP calendar from its text.

    `method_hint` is the method the transport declared (the `method=` of a mail part). It is
    the mail's method when present, as RFC 6047 has receivers route on it; each event keeps
    the calendar's own METHOD, so a Google COUNTER sent under `method=REPLY` stays a COUNTER.
    """
    calendars = _parse(text if isinstance(text, str) else _decoded(text, None))
    body_method = _text(calendars[0], "METHOD").upper()
    declared = (method_hint or "").strip().upper()
    mail_method = declared or body_method
    event_method = body_method or declared
    for method in (mail_method, event_method):
        if not method:
            raise NoCalendar(
                f"{UNREADABLE}: it does not say whether it is an invitation or a reply (no METHOD)"
            )
        if method not in METHODS:
            raise NoCalendar(f"{UNREADABLE}: {method!r} is not a calendar invitation, reply or cancellation")
    _check_size(calendars)
    by_uid: dict[str, list[Component]] = {}
    vevents = [vevent for calendar in calendars for vevent in calendar.walk("VEVENT")]
    for vevent in vevents:
        uid = _text(vevent, "UID")
        if uid:
            by_uid.setdefault(uid, []).append(vevent)
    if not by_uid:
        raise NoCalendar(f"{UNREADABLE}: {'its event has no UID' if vevents else 'it holds no event'}")
    if len(by_uid) > MAX_EVENTS:
        raise NoCalendar(
            f"the calendar holds {len(by_uid)} events and calsnack reads at most {MAX_EVENTS} from one mail; "
            "invite calsnack to each event from your calendar, or send the events as a CSV batch"
        )
    clock = _Clock(calendars)
    events = tuple(_client_event(event_method, uid, components, clock) for uid, components in by_uid.items())
    return CalendarMail(method=mail_method, events=events)


def _check_size(calendars: list[Calendar]) -> None:
    """Refuse a calendar of more components than any client sends, before any work is done on them."""
    count = 0
    pending: list[Component] = list(calendars)
    while pending:
        component = pending.pop()
        count += len(component.subcomponents)
        if count > MAX_COMPONENTS:
            raise NoCalendar(
                f"{UNREADABLE}: it holds more than {MAX_COMPONENTS} parts (events, alarms, time zones)"
            )
        pending.extend(component.subcomponents)


def _leaves(part: Message, *, rendering: bool) -> Iterator[tuple[Message, bool]]:
    """Every leaf part, with whether it is (part of) an alternative rendering of the message."""
    if not part.is_multipart():
        yield part, rendering
        return
    inside_alternative = rendering or part.get_content_type() == "multipart/alternative"
    for child in part.get_payload():
        if isinstance(child, Message):
            yield from _leaves(child, rendering=inside_alternative)


def _is_calendar(part: Message) -> bool:
    if part.get_content_type() in ("text/calendar", "application/ics"):
        return True
    return (part.get_filename() or "").lower().endswith(".ics")


def _is_tnef(part: Message) -> bool:
    filename = part.get_filename() or ""
    return part.get_content_type() == "application/ms-tnef" or filename.lower() == "winmail.dat"


def _declared_method(part: Message) -> str:
    value = part.get_param("method")
    if value is None:
        return ""
    return str(collapse_rfc2231_value(value)).strip().upper()


def _decoded(data: bytes, charset: str | None) -> str:
    """Text of a calendar whatever its label says.

    UTF-8 (iCalendar's default) first, since clients label UTF-8 as US-ASCII or Latin-1 and
    valid UTF-8 is almost never anything else; then the declared charset; then Windows-1252,
    which Outlook writes unlabelled; Latin-1 last because it accepts any byte.
    """
    for candidate in ("utf-8-sig", charset, "cp1252"):
        if candidate:
            try:
                return data.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode("latin-1")


def _parse(text: str) -> list[Calendar]:
    if not text.strip():
        raise NoCalendar(f"{UNREADABLE}: it is empty")
    try:
        components = Calendar.from_ical(text, multiple=True)
    except ValueError as exc:
        raise NoCalendar(f"{UNREADABLE}: {exc}") from exc
    calendars = [component for component in components if isinstance(component, Calendar)]
    if not calendars:
        raise NoCalendar(f"{UNREADABLE}: it holds no VCALENDAR")
    return calendars


class _Clock:
    """Puts one calendar's times into IANA zones (or UTC), resolving each TZID once.

    A time is its wall-clock value plus its TZID; the tzinfo icalendar attached is not used,
    since icalendar caches client-defined zones process-wide by TZID, and the VTIMEZONE that
    counts is the one in this calendar.
    """

    def __init__(self, calendars: Iterable[Calendar]) -> None:
        budget = ZoneBudget()
        self._defined = {
            _text(vtimezone, "TZID"): _definition(vtimezone) if budget.admits(vtimezone) else None
            for calendar in calendars
            for vtimezone in calendar.walk("VTIMEZONE")
            if isinstance(vtimezone, Timezone)
        }
        self._zones: dict[str, str | None] = {}

    def moment(self, value: date, tzid: str | None) -> date:
        """The time in its IANA zone, UTC when the zone is unknown or absent; dates unchanged."""
        return self._instant(value, tzid) if isinstance(value, datetime) else value

    def _instant(self, value: datetime, tzid: str | None) -> datetime:
        if tzid is None:  # "Z" times, and floating ones, which a service sending worldwide reads as UTC
            return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
        wall = value.replace(tzinfo=None)
        defined = self._defined.get(tzid)
        if tzid not in self._zones:
            self._zones[tzid] = iana_zone(tzid, defined, wall.year)
        name = self._zones[tzid]
        if name is not None:
            return wall.replace(tzinfo=UTC if name == "UTC" else ZoneInfo(name))
        return wall.replace(tzinfo=defined or UTC).astimezone(UTC)

    def retimed(self, value: object) -> object:
        """A date-time property value moved into IANA zones; any other value unchanged."""
        if isinstance(value, vDDDLists):
            tzid = value.params.get("TZID")
            items = [self._retimed_item(item.dt, tzid) for item in value.dts]
            return vDDDLists(items, params=self._params(value.params, tzid))
        if isinstance(value, vDDDTypes):
            tzid = value.params.get("TZID")
            item = self._retimed_item(value.dt, tzid)
            return vDDDTypes(item, self._params(value.params, tzid))
        return value

    def _params(self, params: dict[str, str], tzid: str | None) -> dict[str, str]:
        """The parameters with the TZID the retimed values are in (icalendar derives none for periods)."""
        kept = {key: value for key, value in params.items() if key.upper() != "TZID"}
        name = self._zones.get(tzid) if tzid else None
        if name is not None and name != "UTC":
            kept["TZID"] = name
        return kept

    def _retimed_item(self, value: _Value, tzid: str | None) -> _Value:
        if isinstance(value, tuple):  # RDATE;VALUE=PERIOD: (start, end or duration)
            start, end = value
            if isinstance(end, datetime):
                return self._kept(start, tzid), self._kept(end, tzid)
            return self._kept(start, tzid), end
        return self._kept(value, tzid) if isinstance(value, datetime) else value

    def _kept(self, value: datetime, tzid: str | None) -> datetime:
        """A floating time stays floating in what is resent: "09:00 wherever you are" (RFC 5545
        §3.3.5) is the organizer's meaning, and UTC would move it for everyone else."""
        if tzid is None and value.tzinfo is None:
            return value
        return self._instant(value, tzid)


def _definition(vtimezone: Timezone) -> tzinfo | None:
    try:
        return tzp.create_timezone(vtimezone)
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _client_event(method: str, uid: str, components: list[Component], clock: _Clock) -> ClientEvent:
    """The event of one UID: its master (or, without one, its first occurrence) speaks for it."""
    master = next((component for component in components if "RECURRENCE-ID" not in component), components[0])
    # CANCELs and REPLYs may omit DTSTART (RFC 5546 §3.2); fall back on the times they do carry.
    first = next(
        filter(None, (_time(master, name) for name in ("DTSTART", "RECURRENCE-ID", "DTEND", "DTSTAMP"))), None
    )
    if first is None:
        raise NoCalendar(f"{UNREADABLE}: its event has no date")
    all_day = not isinstance(first[0], datetime)
    start = _aware(clock.moment(*first))
    end = _end(master, start, all_day=all_day, clock=clock)
    stamps = [_aware(clock.moment(*stamp)) for stamp in map(_stamp, components) if stamp is not None]
    organizer = _first(master, "ORGANIZER")
    return ClientEvent(
        method=method,
        uid=uid,
        # An edit to one occurrence bumps only that occurrence's SEQUENCE.
        sequence=max(_sequence(component) for component in components),
        dtstamp=max(stamps, default=None),
        organizer=_address(organizer) if isinstance(organizer, vCalAddress) else "",
        organizer_name=str(organizer.params.get("CN", "")) if isinstance(organizer, vCalAddress) else "",
        attendees=_attendees(master),
        summary=_text(master, "SUMMARY"),
        location=_text(master, "LOCATION"),
        description=_description(master).text,
        meeting_url=_meeting_url(master),
        start=start,
        end=end,
        timezone=start.tzinfo.key if isinstance(start.tzinfo, ZoneInfo) else "UTC",
        all_day=all_day,
        recurring=any(
            name in component for component in components for name in ("RRULE", "RDATE", "RECURRENCE-ID")
        ),
        status=_text(master, "STATUS").upper() or "CONFIRMED",
        comment=_comment(master),
        calendar=_calendar_text(components, clock),
        occurrence=_occurrence(master) if all("RECURRENCE-ID" in c for c in components) else "",
        delegations=_delegations(master),
        instances=tuple(
            Instance(occurrence, _attendees(component), _comment(component))
            for component in components
            if (occurrence := _occurrence_id(component, clock))
        ),
    )


def _delegations(master: Component) -> tuple[tuple[str, str, str], ...]:
    value = master.get("ATTENDEE")
    found = []
    for attendee in value if isinstance(value, list) else [value]:
        if isinstance(attendee, vCalAddress) and (address := _address(attendee)):
            to, by = (
                _param_address(attendee.params.get(name)) for name in ("DELEGATED-TO", "DELEGATED-FROM")
            )
            if to or by:
                found.append((address, to, by))
    return tuple(found)


def _param_address(value: object) -> str:
    """The first address of a DELEGATED-TO/-FROM parameter (a list of quoted mailto: URIs)."""
    first = value[0] if isinstance(value, list) and value else value
    address = normalize_address(str(first or "").strip('"'))
    return address if "@" in address else ""


def _occurrence(component: Component) -> str:
    value = _first(component, "RECURRENCE-ID")
    return value.to_ical().decode() if isinstance(value, vDDDTypes) else ""


def _occurrence_id(component: Component, clock: _Clock) -> str:
    """The occurrence a VEVENT's RECURRENCE-ID names, read in its calendar's zones ("" if none)."""
    found = _time(component, "RECURRENCE-ID")
    if found is None:
        return ""
    value, tzid = found
    if isinstance(value, datetime) and value.tzinfo is None and tzid is None:
        return occurrence_id(value)  # floating: the same wall time wherever the attendee is
    return occurrence_id(clock.moment(value, tzid))


def _time(component: Component, name: str) -> tuple[date, str | None] | None:
    value = _first(component, name)
    if isinstance(value, vDDDTypes) and isinstance(value.dt, date):
        return value.dt, value.params.get("TZID")
    return None


def _stamp(component: Component) -> tuple[date, str | None] | None:
    stamp = _time(component, "DTSTAMP")
    return stamp if stamp is not None and isinstance(stamp[0], datetime) else None


def _aware(value: date) -> datetime:
    """All-day dates become midnight UTC: a date has no zone, and UTC is what `timezone` reports."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), tzinfo=UTC)


def _end(master: Component, start: datetime, *, all_day: bool, clock: _Clock) -> datetime:
    declared = _time(master, "DTEND")
    duration = _first(master, "DURATION")
    if declared is not None:
        end = _aware(clock.moment(*declared))
    elif isinstance(duration, vDDDTypes) and isinstance(duration.dt, timedelta):
        end = start + duration.dt
    else:
        end = start + timedelta(days=1) if all_day else start
    return max(end, start)


def _first(component: Component, name: str) -> object:
    value = component.get(name)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _texts(component: Component, name: str) -> list[str]:
    """The property's text values; icalendar leaves X- properties escaped, as it cannot know their type."""
    value = component.get(name)
    values = value if isinstance(value, list) else [value]
    return [
        (str(unescape_backslash(str(item))) if isinstance(item, vUnknown) else str(item)).strip()
        for item in values
        if item is not None
    ]


def _text(component: Component, name: str) -> str:
    return next(iter(_texts(component, name)), "")


def _sequence(component: Component) -> int:
    try:
        return int(str(_first(component, "SEQUENCE") or 0))
    except ValueError:
        return 0


def _address(value: vCalAddress) -> str:
    """The person's mail address: Apple's EMAIL parameter beats an iCloud relay in the value."""
    address = normalize_address(str(value.params.get("EMAIL") or value))
    return address if "@" in address else ""


def _attendees(master: Component) -> tuple[tuple[str, str], ...]:
    value = master.get("ATTENDEE")
    values = value if isinstance(value, list) else [value]
    answers: dict[str, str] = {}
    for attendee in values:
        if isinstance(attendee, vCalAddress) and (address := _address(attendee)):
            partstat = str(attendee.params.get("PARTSTAT") or "NEEDS-ACTION").upper()
            answers.setdefault(address, partstat)
    return tuple(answers.items())


def _meeting_url(event: Component) -> str:
    for name in (*_CONFERENCE_PROPERTIES, *_LINK_PROPERTIES):
        for text in _texts(event, name):
            for match in _LINK.finditer(text):
                link = match.group().rstrip(".,;:)]}")
                if name in _CONFERENCE_PROPERTIES or is_meeting_link(link):
                    return link
    return ""


def _description(component: Component) -> Description:
    return clean_description(_text(component, "DESCRIPTION"), _text(component, "X-ALT-DESC"))


def _comment(event: Component) -> str:
    """The attendee's note: a property in most clients, an ATTENDEE parameter in Google's replies."""
    for name in _COMMENT_PROPERTIES:
        text = next((text for text in _texts(event, name) if text), "")
        if text:
            return text
    value = event.get("ATTENDEE")
    for attendee in value if isinstance(value, list) else [value]:
        if isinstance(attendee, vCalAddress) and (
            note := str(attendee.params.get("X-RESPONSE-COMMENT", "")).strip()
        ):
            return note
    return ""


def _calendar_text(components: list[Component], clock: _Clock) -> str:
    """The organizer's event as calsnack resends it: no METHOD, people, e-mail alarms or client internals."""
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    for component in components:
        calendar.add_component(_shareable(component, clock))
    years = [year for event in calendar.subcomponents for year in _years(event)]
    first = min(max(min(years, default=_ZONE_YEARS[0]), _ZONE_YEARS[0]), _ZONE_YEARS[1] - 1)
    last = min(max(max(years, default=first) + 1, Timezone.DEFAULT_LAST_DATE.year), _ZONE_YEARS[1])
    # Every TZID is an IANA name now, so icalendar writes each VTIMEZONE from tzdata.
    calendar.add_missing_timezones(first_date=date(first, 1, 1), last_date=date(last, 1, 1))
    return bytes(calendar.to_ical()).decode("utf-8")


def _shareable(source: Component, clock: _Clock) -> Event:
    """One VEVENT as it may be forwarded: no people, client internals or empty properties
    (libical reports `LOCATION:` as a parse error), its description published clean."""
    event = Event()
    for name, value in source.items():
        # DTEND wins over DURATION, as in ClientEvent.end; clients that write both disagree.
        if _private(name) or (name == "DURATION" and "DTEND" in source) or name in _DESCRIPTIONS:
            continue
        for single in value if isinstance(value, list) else [value]:
            if not _empty(single) and not _foreign_link(name, single):
                event.add(name, clock.retimed(single), encode=False)
    description = _description(source)
    text, html = description.forwarded()
    if text:
        event.add("DESCRIPTION", text)
    if html:
        event.add("X-ALT-DESC", vText(html, params={"FMTTYPE": "text/html"}), encode=False)
    if description.meeting_url and not any(name in source for name in _CONFERENCE_PROPERTIES):
        # The link lived only in the boilerplate just removed; RFC 7986 gives it its own property.
        conference = vUri(description.meeting_url, params={"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"]})
        event.add("CONFERENCE", conference, encode=False)
    for alarm in organizer_alarms(source, _text(source, "SUMMARY")):
        event.add_component(alarm)
    return event


def _foreign_link(name: str, value: object) -> bool:
    """A link that is not http(s) (`URL:javascript:…`): never forwarded to attendees."""
    is_link = isinstance(value, vUri) or name.upper() in _TEXT_LINK_PROPERTIES
    return is_link and not is_web_url(str(value))


def _empty(value: object) -> bool:
    return isinstance(value, (vText, vUnknown, str)) and not str(value).strip()


def _private(name: str) -> bool:
    upper = name.upper()
    return upper in _PERSONAL_PROPERTIES or (upper.startswith("X-") and upper not in _KEPT_EXTENSIONS)


def _years(event: Component) -> Iterator[int]:
    for value in event.values():
        for single in value if isinstance(value, list) else [value]:
            items = single.dts if isinstance(single, vDDDLists) else [single]
            yield from (
                item.dt.year for item in items if isinstance(item, vDDDTypes) and isinstance(item.dt, date)
            )
