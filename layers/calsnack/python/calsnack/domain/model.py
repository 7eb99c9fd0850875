"""Events, attendees and answers: the state every channel (calendar, CSV, buttons) shares."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum

from calsnack.domain.addresses import domain_of, normalize_address


class PartStat(StrEnum):
    """An attendee's answer, spelled as iCalendar's PARTSTAT so replies map one to one."""

    NEEDS_ACTION = "NEEDS-ACTION"
    ACCEPTED = "ACCEPTED"
    TENTATIVE = "TENTATIVE"
    DECLINED = "DECLINED"
    #: Handed on to someone else (RFC 5545 DELEGATED-TO): no answer of one's own, no more updates.
    DELEGATED = "DELEGATED"


#: Answers whose holders get every later revision and the cancellation.
GOING = frozenset({PartStat.ACCEPTED, PartStat.TENTATIVE})
#: Answers an invitation can carry back as the attendee's PARTSTAT.
ANSWERS = frozenset({PartStat.ACCEPTED, PartStat.TENTATIVE, PartStat.DECLINED})


class EventStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class Source(StrEnum):
    """Where an event came from: an organizer's calendar client or a CSV command."""

    CALENDAR = "calendar"
    CSV = "csv"


class Channel(StrEnum):
    """How an answer or an invitation reached the service (reported in the analytics export)."""

    BUTTON = "button"
    CALENDAR = "calendar"
    CSV = "csv"
    VIP = "vip"


class Method(StrEnum):
    """The iTIP methods the service sends."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


def _digest(text: str, digits: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:digits]


#: The event key's parts, in hex digits: domain, event id, organizer, and (organizer, event id).
_DOMAIN_DIGITS, _EVENT_ID_DIGITS, _ORGANIZER_DIGITS, _PAIR_DIGITS = 8, 8, 8, 32
EVENT_KEY_DIGITS = _DOMAIN_DIGITS + _EVENT_ID_DIGITS + _ORGANIZER_DIGITS + _PAIR_DIGITS
#: What an event key looks like, for links, addresses and Message-IDs read back from outside.
EVENT_KEY_PATTERN = f"[0-9a-f]{{{EVENT_KEY_DIGITS}}}"
_EVENT_KEY = re.compile(EVENT_KEY_PATTERN)


def is_event_key(text: str) -> bool:
    return _EVENT_KEY.fullmatch(text) is not None


def event_key_prefix(domain: str, event_id: str | None = None) -> str:
    """The leading digits shared by every key of the domain's events (or of one event id in it)."""
    prefix = _digest(domain.strip().lower(), _DOMAIN_DIGITS)
    return prefix if event_id is None else prefix + _digest(event_id, _EVENT_ID_DIGITS)


def organizer_digits(organizer: str) -> str:
    """The digits every key of the organizer's events holds after its prefix (a store filters on them)."""
    return _digest(normalize_address(organizer), _ORGANIZER_DIGITS)


def _pair_digits(organizer: str, event_id: str) -> str:
    # The organizer's length makes the text unambiguous whatever either part contains.
    return _digest(f"calsnack-event\n{len(organizer)}:{organizer}:{event_id}", _PAIR_DIGITS)


def event_key(organizer: str, event_id: str) -> str:
    """The stable internal key of an event: the same organizer and event id always meet again.

    56 hex digits in four parts: the organizer's domain (8), the event id (8), the organizer
    (8), then 32 over the organizer and the event id together. A store lays out a domain's
    events under the first two parts and finds a CSV row's event id among the domain's events
    by prefix, with no index to write or to lag. The short parts are for finding, not for
    telling events apart: anyone can search out an address of their own whose short digits
    match another organizer's (a plus-address, a subdomain), and every invitee knows the
    meeting's UID. The last part is what keeps two events' keys apart: 128 bits of SHA-256
    over the pair, which no search reaches.
    """
    organizer = normalize_address(organizer)
    return (
        event_key_prefix(domain_of(organizer), event_id)
        + organizer_digits(organizer)
        + _pair_digits(organizer, event_id)
    )


@dataclass(frozen=True, slots=True)
class Event:
    """One event as the service sends it: the organizer's content at the service's own revision.

    `calendar` holds the VEVENT(s) and VTIMEZONE(s) to send (an iCalendar VCALENDAR body
    without METHOD, ORGANIZER or ATTENDEE), built from a CSV row or taken from the
    organizer's client, so every channel renders invitations the same way.
    """

    key: str
    organizer: str
    event_id: str
    uid: str
    source: Source
    organizer_name: str
    summary: str
    start: datetime
    end: datetime
    timezone: str
    all_day: bool
    calendar: str
    location: str = ""
    description: str = ""
    meeting_url: str = ""
    #: The BCP 47 tag its invitations, service mails and pages speak (`calsnack.i18n`); "" for
    #: none given: mails then speak English and pages the browser's language.
    language: str = ""
    status: EventStatus = EventStatus.CONFIRMED
    #: The service's revision: every version sent to attendees raises it (sends are deduplicated by it).
    sequence: int = 0
    #: Revisions that changed only informational text (SUMMARY, LOCATION, ...) while the organizer's
    #: client kept its SEQUENCE: they go out without raising the iTIP SEQUENCE, as the client did.
    quiet_revisions: int = 0
    #: The revision the last quiet change made: while `sequence` is that revision, an attendee
    #: who answered since `sequence_raised_at` (when a calendar client's change last raised the
    #: iTIP SEQUENCE) keeps their PARTSTAT in the invitation; any other revision asks again.
    quiet_revision: int | None = None
    sequence_raised_at: datetime | None = None
    #: The revision that changed or cancelled one occurrence of a series, that occurrence's day
    #: (ISO date, in the event's zone) and whether it was cancelled: that revision's Subject names it.
    occurrence_revision: int | None = None
    occurrence_day: str = ""
    occurrence_cancelled: bool = False
    # Ordering of the organizer's own revisions (calendar source): SEQUENCE, then DTSTAMP.
    origin_sequence: int = 0
    origin_stamp: datetime | None = None
    #: The last CSV row applied to this event ("<batch id>:<row>"): a re-delivered row is a no-op.
    applied_row: str = ""
    #: Whether the organizer got the snack mail for this event (a crash before sending it retries).
    snack_sent: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    #: Optimistic-concurrency version of the stored record; the store bumps it on every write.
    version: int = 0

    @property
    def organizer_domain(self) -> str:
        return domain_of(self.organizer)

    @property
    def itip_sequence(self) -> int:
        """The SEQUENCE the invitations carry (RFC 5546 §2.1.4): raised by significant changes only."""
        return self.sequence - self.quiet_revisions

    def answer_holds(self, attendee: Attendee) -> bool:
        """Whether `attendee`'s recorded answer still answers this revision's iTIP SEQUENCE."""
        return (
            self.quiet_revision == self.sequence
            and self.sequence_raised_at is not None
            and attendee.answered_at is not None
            and attendee.answered_at >= self.sequence_raised_at
            and attendee.partstat in ANSWERS
        )

    @property
    def changed_occurrence(self) -> str:
        """The day of the one occurrence this revision changed or cancelled, "" if none."""
        return self.occurrence_day if self.occurrence_revision == self.sequence else ""

    @property
    def cancelled(self) -> bool:
        return self.status is EventStatus.CANCELLED

    def organized_by(self, address: str) -> bool:
        """Whether `address` (an authenticated sender, say) is this event's organizer.

        Every organizer action asks this of the stored event, not of a key computed from the
        request: finding an event and being allowed to change it are separate questions.
        """
        return normalize_address(self.organizer) == normalize_address(address)

    def revised(self, **changes: object) -> Event:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer from one person, with the moment that orders it against their others."""

    organizer: str
    event_id: str
    email: str
    partstat: PartStat
    at: datetime
    channel: Channel
    comment: str = ""
    #: The occurrence of a series this answers alone (`occurrence_id`), "" for the whole event.
    occurrence: str = ""


def occurrence_id(recurrence_id: date) -> str:
    """How an occurrence of a series is named in the store and the report: its RECURRENCE-ID as a
    UTC instant in ISO 8601, so the same occurrence written in another zone (Outlook's Windows
    name, Google's IANA one, UTC) is the same; a floating time or a date stays as written."""
    if isinstance(recurrence_id, datetime) and recurrence_id.tzinfo is not None:
        return recurrence_id.astimezone(UTC).isoformat()
    return recurrence_id.isoformat()


@dataclass(frozen=True, slots=True)
class OccurrenceAnswer:
    """One person's own answer for one occurrence of a series ("decline this occurrence only").

    Their series answer (`Attendee.partstat`) still stands for every other occurrence, and for
    whom the series' updates go to.
    """

    email: str
    occurrence: str
    partstat: PartStat
    answered_at: datetime
    channel: Channel
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Attendee:
    """What the service knows of one person for one event."""

    email: str
    partstat: PartStat = PartStat.NEEDS_ACTION
    answered_at: datetime | None = None
    channel: Channel | None = None
    #: The last revision a REQUEST was sent at, or None if never invited.
    invited_sequence: int | None = None
    cancel_sent: bool = False
    #: When the latest REQUEST was recorded as sent (the reminder and export read it).
    invited_at: datetime | None = None
    #: The note that came with the latest answer (COMMENT, X-RESPONSE-COMMENT, ...), "" if none.
    comment: str = ""

    @property
    def invited(self) -> bool:
        return self.invited_sequence is not None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A management API key of one sending domain; only its SHA-256 is stored."""

    key_hash: str
    domain: str
    created_at: datetime
    label: str = ""
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class Counts:
    """The report's counts (CONTRACT §4), and how the answers arrived."""

    invited: int = 0
    accepted: int = 0
    tentative: int = 0
    declined: int = 0
    needs_action: int = 0
    #: Latest answers given by an RSVP button click, and by a calendar reply.
    button_answers: int = 0
    calendar_answers: int = 0
    #: People sent the cancellation.
    cancellations_sent: int = 0
    #: People whose invitation to this event bounced for good.
    bounced: int = 0

    def activity(self) -> dict[str, int]:
        return {
            "button_answers": self.button_answers,
            "calendar_answers": self.calendar_answers,
            "cancellations_sent": self.cancellations_sent,
            "bounced": self.bounced,
        }

    def as_dict(self) -> dict[str, int]:
        return {
            "invited": self.invited,
            "accepted": self.accepted,
            "tentative": self.tentative,
            "declined": self.declined,
            "needs_action": self.needs_action,
        }


def occurrence_counts(
    series: Counts, attendees: Mapping[str, Attendee], answers: Iterable[OccurrenceAnswer]
) -> dict[str, Counts]:
    """The report's counts for each occurrence someone answered on its own.

    Each person counts once per occurrence, by the later of their series answer and their answer
    for that occurrence (at the same moment, as when one reply carries both, the occurrence's);
    `invited` is the series' (invitations are to the series). Occurrences nobody answered alone
    count as the series does.
    """
    per: dict[str, dict[str, int]] = {}
    for answer in answers:
        attendee = attendees.get(answer.email, Attendee(email=answer.email))
        if attendee.answered_at is not None and attendee.answered_at > answer.answered_at:
            continue
        counts = per.setdefault(answer.occurrence, series.as_dict())
        if attendee.partstat in ANSWERS:
            counts[attendee.partstat.value.lower()] -= 1
        elif attendee.invited and attendee.partstat is PartStat.NEEDS_ACTION:
            counts["needs_action"] -= 1
        if answer.partstat in ANSWERS:
            counts[answer.partstat.value.lower()] += 1
    return {occurrence: replace(series, **counts) for occurrence, counts in sorted(per.items())}


@dataclass(frozen=True, slots=True)
class Delivery:
    """One personal message to send: the event at a revision, to one attendee."""

    event_key: str
    email: str
    sequence: int
    method: Method
    #: Send the current revision even to someone who has it: the attendee asked (REFRESH).
    resend: bool = False


@dataclass(slots=True)
class BatchStatus:
    """Progress of one CSV batch, from intake to the last invitation."""

    batch_id: str
    sender: str
    domain: str
    message_id: str = ""
    rows_total: int = 0
    rows_applied: int = 0
    rows_refused: int = 0
    invitations_queued: int = 0
    invitations_sent: int = 0
    invitations_failed: int = 0
    parsed: bool = False
    reported: bool = False
    created_at: datetime | None = None
    #: The file's own header row, echoed in the refused-rows attachment.
    header: tuple[str, ...] = ()
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows_done(self) -> int:
        return self.rows_applied + self.rows_refused

    @property
    def complete(self) -> bool:
        return self.parsed and self.rows_done >= self.rows_total


@dataclass(frozen=True, slots=True)
class RowError:
    """A refused CSV row: its number (the header is row 1), the column and why."""

    row: int
    column: str
    reason: str
    cells: tuple[str, ...] = ()
