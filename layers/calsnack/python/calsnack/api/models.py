"""The JSON bodies of the API as Pydantic models: validated on the way in, documented in /openapi.json."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from calsnack.domain.model import ApiKey, Attendee, BatchStatus, Counts
from calsnack.usecases.authorize_api_key import key_id

#: A status answer lists at most this many refused rows; the batch's reply mail attaches them all.
MAX_ERRORS_SHOWN = 1000


class CountsOut(BaseModel):
    invited: int
    accepted: int
    tentative: int
    declined: int
    needs_action: int

    @classmethod
    def of(cls, counts: Counts) -> CountsOut:
        return cls.model_validate(counts.as_dict())


class OccurrenceCountsOut(BaseModel):
    occurrence: str = Field(description="the occurrence's RECURRENCE-ID as a UTC instant in ISO 8601")
    counts: CountsOut


class EventReport(BaseModel):
    """One event of the report of CONTRACT §4 (plus its time, zone, source and occurrences)."""

    organizer: str
    event_id: str
    uid: str
    status: Literal["confirmed", "cancelled"]
    sequence: int
    summary: str
    start: datetime
    end: datetime
    timezone: str
    source: Literal["calendar", "csv"]
    counts: CountsOut
    occurrences: list[OccurrenceCountsOut] = Field(
        default_factory=list,
        description="each occurrence of a series someone answered on its own; the others count as `counts`",
    )


class Report(BaseModel):
    events: list[EventReport]


class RowErrorOut(BaseModel):
    row: int = Field(description="the row number in the file; the header is row 1")
    column: str
    reason: str


class BatchStatusOut(BaseModel):
    batch_id: str
    sender: str
    domain: str
    created_at: datetime | None
    parsed: bool = Field(description="the whole file has been read and split into commands")
    complete: bool = Field(description="every row has been applied or refused")
    reported: bool = Field(description="the result mail went to the sender")
    rows_total: int
    rows_applied: int
    rows_refused: int
    invitations_queued: int
    invitations_sent: int
    invitations_failed: int
    errors: list[RowErrorOut]
    errors_truncated: bool = False

    @classmethod
    def of(cls, status: BatchStatus) -> BatchStatusOut:
        shown = status.errors[:MAX_ERRORS_SHOWN]
        return cls(
            batch_id=status.batch_id,
            sender=status.sender,
            domain=status.domain,
            created_at=status.created_at,
            parsed=status.parsed,
            complete=status.complete,
            reported=status.reported,
            rows_total=status.rows_total,
            rows_applied=status.rows_applied,
            rows_refused=status.rows_refused,
            invitations_queued=status.invitations_queued,
            invitations_sent=status.invitations_sent,
            invitations_failed=status.invitations_failed,
            errors=[RowErrorOut(row=e.row, column=e.column, reason=e.reason) for e in shown],
            errors_truncated=len(status.errors) > len(shown),
        )


class EventLinksOut(BaseModel):
    """What a calendar-client organizer finds in the snack mail, for one event of a batch."""

    event_id: str
    summary: str
    landing_page: str
    rsvp_yes: str
    rsvp_maybe: str
    rsvp_no: str
    dashboard: str = Field(description="the organizer's dashboard, valid for 30 days from this answer")


class BatchStatusWithLinks(BatchStatusOut):
    events: list[EventLinksOut] = Field(
        default_factory=list,
        description="per event the batch created or changed last, its links (10,000 events at most)",
    )


class BatchAccepted(BaseModel):
    batch_id: str
    sender: str = Field(description="where the batch's result mail goes")
    status_url: str


class ApiKeyOut(BaseModel):
    key_id: str = Field(description="a prefix of the key's SHA-256: names the key without revealing it")
    domain: str
    label: str
    created_at: datetime
    revoked: bool

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            key_id=key_id(key.key_hash),
            domain=key.domain,
            label=key.label,
            created_at=key.created_at,
            revoked=key.revoked,
        )


class ApiKeyList(BaseModel):
    domain: str
    keys: list[ApiKeyOut]


class NewApiKey(BaseModel):
    label: str = Field(default="", max_length=100)


class IssuedApiKey(ApiKeyOut):
    key: str = Field(description="the secret; shown this once and never again")


class RsvpLinks(BaseModel):
    yes: str
    maybe: str
    no: str


class DashboardEvent(BaseModel):
    key: str
    event_id: str
    summary: str
    status: Literal["confirmed", "cancelled"]
    sequence: int
    start: datetime
    end: datetime
    timezone: str
    all_day: bool
    when: str = Field(description="the time as the organizer set it, in the event's zone")
    counts: CountsOut
    landing_url: str
    ics_url: str
    rsvp: RsvpLinks
    vip_address: str
    snippet_html: str = Field(description="ready-to-paste RSVP buttons for the organizer's own mailings")


class DashboardEvents(BaseModel):
    organizer: str
    expires: datetime
    events: list[DashboardEvent]


class TimelineBucket(BaseModel):
    start: datetime
    accepted: int = 0
    tentative: int = 0
    declined: int = 0


class Timeline(BaseModel):
    unit: Literal["hour", "day"]
    buckets: list[TimelineBucket]
    complete: bool = Field(description="false when the event has more answers than one chart reads")


class AttendeeOut(BaseModel):
    email: str
    status: Literal["NEEDS-ACTION", "ACCEPTED", "TENTATIVE", "DECLINED", "DELEGATED"]
    answered_at: datetime | None
    channel: str | None
    invited: bool
    invited_at: datetime | None
    comment: str = Field(default="", description="the note the person wrote with their latest answer")

    @classmethod
    def of(cls, attendee: Attendee) -> AttendeeOut:
        return cls(
            email=attendee.email,
            status=attendee.partstat.value,
            answered_at=attendee.answered_at,
            channel=attendee.channel.value if attendee.channel else None,
            invited=attendee.invited,
            invited_at=attendee.invited_at,
            comment=attendee.comment,
        )


class AttendeePage(BaseModel):
    attendees: list[AttendeeOut]
    next: str | None = Field(description="pass as `after` for the next page; null on the last page")


class VipList(BaseModel):
    addresses: str = Field(
        max_length=2_000_000, description="addresses pasted or read from a CSV file, in any layout"
    )


class VipSummary(BaseModel):
    found: int = Field(description="distinct valid addresses in the list")
    invited: int = Field(description="personal invitations queued (a list is cut at its limit)")
    sample: list[str]
    not_addresses: int = Field(0, description="rows of the list that hold no valid e-mail address")
    not_addresses_sample: list[str] = Field(
        default_factory=list, description="the first of those rows, as typed, to correct and send again"
    )


class EventCounts(BaseModel):
    key: str
    status: Literal["confirmed", "cancelled"]
    counts: CountsOut


class CountsNow(BaseModel):
    """What the dashboard polls: small enough to ask for every few seconds."""

    events: list[EventCounts]
