"""Applying a packed chunk of CSV command rows, in file order, each at most once.

Each event remembers the last row applied to it (`Event.applied_row`), so a re-delivered
chunk re-applies nothing; the chunk's outcome is credited to its batch exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calsnack.domain.addresses import domain_of, normalize_address
from calsnack.domain.commands import CommandName, CommandRow, EventFields
from calsnack.domain.mail_providers import is_public_mail_domain
from calsnack.domain.model import Delivery, Event, EventStatus, Method, RowError, Source, event_key
from calsnack.ical.alarms import reminder_of
from calsnack.ical.write import event_calendar
from calsnack.ical.zones import nonexistent_time
from calsnack.ports import Conflict, QueueMessage, QueueName, Services
from calsnack.queue_messages import ApplyRows
from calsnack.usecases.enqueue import delivery_messages, fan_out_message
from calsnack.usecases.finish_batch import finish_batch


class RowRefused(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class ChunkResult:
    applied: int = 0
    refused: list[RowError] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    fan_outs: list[tuple[str, int, Method]] = field(default_factory=list)


def _already_applied(event: Event, row: CommandRow) -> bool:
    """Rows of one batch apply in file order, so an event at or past this row has seen it."""
    batch, _, _ = event.applied_row.partition(":")
    return batch == row.batch_id and event.applied_row >= row.marker


def _times(day: date, start: time, end: time, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    begin = datetime.combine(day, start, tz)
    finish = datetime.combine(day, end, tz)
    if finish <= begin:
        # "An end earlier than the start means the next day" (CONTRACT §3).
        finish += timedelta(days=1)
    return begin, finish


def _calendar(
    start: datetime,
    end: datetime,
    zone: str,
    summary: str,
    location: str,
    description: str,
    meeting_url: str,
    reminder: int | None,
) -> str:
    return event_calendar(
        start=start,
        end=end,
        timezone=zone,
        summary=summary,
        location=location,
        description=description,
        meeting_url=meeting_url,
        reminder=reminder,
    )


def _check_organizer(sender: str, row: CommandRow) -> None:
    """On a public mail provider nobody is a colleague: a CREATE row names its sender as organizer."""
    if is_public_mail_domain(domain_of(sender)) and normalize_address(row.organizer) != sender:
        raise RowRefused(
            "organizer",
            f"{domain_of(sender)} is a public mail provider: the organizer must be you ({sender})",
        )


def _new_event(services: Services, row: CommandRow) -> Event:
    f = row.fields
    assert f.date and f.start_time and f.end_time and f.timezone and f.subject is not None
    key = event_key(row.organizer, row.event_id)
    start, end = _times(f.date, f.start_time, f.end_time, f.timezone)
    now = services.clock()
    return Event(
        key=key,
        organizer=row.organizer,
        event_id=row.event_id,
        uid=f"{key}@{services.settings.domain}",
        source=Source.CSV,
        organizer_name="",
        summary=f.subject,
        start=start,
        end=end,
        timezone=f.timezone,
        all_day=False,
        calendar=_calendar(
            start,
            end,
            f.timezone,
            f.subject,
            f.location or "",
            f.description or "",
            f.meeting_url or "",
            f.reminder,
        ),
        location=f.location or "",
        description=f.description or "",
        meeting_url=f.meeting_url or "",
        language=f.language or "",
        applied_row=row.marker,
        created_at=now,
        updated_at=now,
    )


def _in_place(services: Services, row: CommandRow, key: str) -> Event:
    """The event a CREATE row found under its key: its own if the row was applied before (a
    re-delivered chunk), else the row is refused. Nearly every CREATE row makes a new event,
    so this read runs only after a write found the key taken."""
    existing = services.store.get_event(key)
    if existing is None:
        raise Conflict(f"event {key} was there a moment ago")
    if not _already_applied(existing, row):
        raise RowRefused("event_id", "an event with this event_id already exists; use UPDATE to change it")
    return existing


def _create(services: Services, sender: str, row: CommandRow, result: ChunkResult) -> None:
    _check_organizer(sender, row)
    new = _new_event(services, row)
    try:
        stored = services.store.put_event(new)
    except Conflict:
        stored = _in_place(services, row, new.key)
    result.deliveries.extend(Delivery(new.key, a, stored.sequence, Method.REQUEST) for a in row.attendees)


def _create_all(services: Services, sender: str, rows: Sequence[CommandRow], result: ChunkResult) -> None:
    """A run of CREATE rows written with one `put_events` call: one write transaction for the
    run instead of one per row, where the store has transactions.

    A row whose key was taken is a re-delivered row (already applied: its invitations are
    yielded again) or an event_id in use (refused); only if its event vanished since does it
    go the one-row way (`apply_row`), with that way's retry.
    """
    if not rows:
        return
    checked: list[tuple[CommandRow, Event]] = []
    for row in rows:
        try:
            _check_attendees(services, row)
            _check_organizer(sender, row)
        except RowRefused as exc:
            result.refused.append(RowError(row.row, exc.column, exc.reason, row.cells))
        else:
            checked.append((row, _new_event(services, row)))
    written = services.store.put_events([new for _, new in checked])
    for (row, new), stored in zip(checked, written, strict=True):
        if stored is None:
            try:
                stored = _in_place(services, row, new.key)
            except RowRefused as exc:
                result.refused.append(RowError(row.row, exc.column, exc.reason, row.cells))
                continue
            except Conflict:
                apply_row(services, sender, row, result)
                continue
        result.applied += 1
        result.deliveries.extend(Delivery(new.key, a, stored.sequence, Method.REQUEST) for a in row.attendees)


def _may_act(event: Event, sender: str) -> bool:
    """Whether a CSV row from `sender` may change `event`, one found in the sender's domain.

    The organizer always may. A colleague may run a CSV event of their organization's domain
    (CONTRACT §3), but not an event made in a calendar client: that is the organizer's own
    calendar entry, which only they change (RFC 5546 §6). On a public mail provider nobody is
    a colleague, so there a CSV acts on the sender's own events only.
    """
    if event.organized_by(sender):
        return True
    return event.source is Source.CSV and not is_public_mail_domain(event.organizer_domain)


def _find(services: Services, sender: str, row: CommandRow) -> Event:
    candidates = services.store.find_by_event_id(domain_of(sender), row.event_id)
    found = [e for e in candidates if _may_act(e, sender)]
    if not found:
        if is_public_mail_domain(domain_of(sender)):
            # Say nothing of other people's events on a shared domain.
            raise RowRefused("event_id", "you have no event with this event_id")
        if candidates:
            raise RowRefused(
                "event_id",
                "the event with this event_id was made in a calendar; only its organizer can change it",
            )
        raise RowRefused("event_id", "no event with this event_id was created from your domain")
    if len(found) > 1:
        raise RowRefused("event_id", "several organizers of your domain use this event_id; it is ambiguous")
    return found[0]


def _updated(event: Event, f: EventFields, zone: str) -> tuple[datetime, datetime]:
    """New start and end: given fields replace old ones; a new start without an end keeps the duration."""
    old_start = event.start.astimezone(ZoneInfo(zone))
    day = f.date or old_start.date()
    start_time = f.start_time or old_start.timetz().replace(tzinfo=None)
    begin = datetime.combine(day, start_time, ZoneInfo(zone))
    if f.end_time is not None:
        _, finish = _times(day, start_time, f.end_time, zone)
    else:
        finish = begin + (event.end - event.start)
    # The row alone could not be checked: its date, time or zone came from the event.
    for column, moment in (("start_time", begin), ("end_time", finish if f.end_time else None)):
        if moment is not None and (reason := nonexistent_time(moment)) is not None:
            raise RowRefused(column, reason)
    return begin, finish


def _fan_out_again(event: Event, result: ChunkResult) -> None:
    """A row seen again was stored, but its worker may have died before queuing the fan-out.

    So the fan-out is queued again, for the event as it is now: the sender skips everyone
    who already has this revision (or the cancellation).
    """
    method = Method.CANCEL if event.cancelled else Method.REQUEST
    result.fan_outs.append((event.key, event.sequence, method))


def _update(services: Services, sender: str, row: CommandRow, result: ChunkResult) -> None:
    event = _find(services, sender, row)
    if _already_applied(event, row):
        _fan_out_again(event, result)
        return
    if event.cancelled:
        raise RowRefused("event_id", "the event is cancelled")
    f = row.fields
    zone = f.timezone or event.timezone
    start, end = _updated(event, f, zone)
    summary = f.subject if f.subject is not None else event.summary
    location = f.location if f.location is not None else event.location
    description = f.description if f.description is not None else event.description
    meeting_url = f.meeting_url if f.meeting_url is not None else event.meeting_url
    changed = (start, end, zone, summary, location, description, meeting_url) != (
        event.start,
        event.end,
        event.timezone,
        event.summary,
        event.location,
        event.description,
        event.meeting_url,
    )
    # The reminder lives in the calendar text only. A new one is no change attendees see
    # (CONTRACT §2): it is stored for the sends to come and sends nothing by itself.
    old_reminder = reminder_of(event.calendar)
    reminder = f.reminder if f.reminder is not None else old_reminder
    rebuild = changed or reminder != old_reminder
    updated = event.revised(
        start=start,
        end=end,
        timezone=zone,
        summary=summary,
        location=location,
        description=description,
        meeting_url=meeting_url,
        # Like the reminder, the language is for the sends to come: attendees see no change.
        language=f.language if f.language is not None else event.language,
        applied_row=row.marker,
        updated_at=services.clock(),
        sequence=event.sequence + 1 if changed else event.sequence,
        calendar=_calendar(start, end, zone, summary, location, description, meeting_url, reminder)
        if rebuild
        else event.calendar,
    )
    services.store.put_event(updated)
    if changed:
        result.fan_outs.append((event.key, updated.sequence, Method.REQUEST))


def _cancel(services: Services, sender: str, row: CommandRow, result: ChunkResult) -> None:
    event = _find(services, sender, row)
    if _already_applied(event, row):
        _fan_out_again(event, result)
        return
    if event.cancelled:
        raise RowRefused("event_id", "the event is already cancelled")
    updated = event.revised(
        status=EventStatus.CANCELLED,
        sequence=event.sequence + 1,
        applied_row=row.marker,
        updated_at=services.clock(),
    )
    services.store.put_event(updated)
    result.fan_outs.append((event.key, updated.sequence, Method.CANCEL))


def _invite(services: Services, sender: str, row: CommandRow, result: ChunkResult) -> None:
    event = _find(services, sender, row)
    if event.cancelled:
        raise RowRefused("event_id", "the event is cancelled")
    language = row.fields.language
    if language is not None and language != event.language:
        # These invitations, and every later one, speak the row's language (docs/csv.md).
        services.store.put_event(event.revised(language=language, updated_at=services.clock()))
    result.deliveries.extend(Delivery(event.key, a, event.sequence, Method.REQUEST) for a in row.attendees)


_ACTIONS: dict[CommandName, Callable[[Services, str, CommandRow, ChunkResult], None]] = {
    CommandName.UPDATE: _update,
    CommandName.CANCEL: _cancel,
    CommandName.INVITE: _invite,
}


def _check_attendees(services: Services, row: CommandRow) -> None:
    ours = [a for a in row.attendees if domain_of(a) == services.settings.domain]
    if ours:
        # Inviting the service's own addresses would make it mail itself in a loop.
        raise RowRefused("attendees", f"{ours[0]} is an address of this service and cannot be invited")


def apply_row(services: Services, sender: str, row: CommandRow, result: ChunkResult) -> None:
    for attempt in (1, 2):
        try:
            _check_attendees(services, row)
            if row.command is CommandName.CREATE:
                _create(services, sender, row, result)
            else:
                _ACTIONS[row.command](services, sender, row, result)
        except RowRefused as exc:
            result.refused.append(RowError(row.row, exc.column, exc.reason, row.cells))
        except Conflict:
            if attempt == 2:
                raise
            continue
        else:
            result.applied += 1
        return


def apply_rows(services: Services, chunk: ApplyRows) -> ChunkResult:
    """Apply a chunk's rows in order. What they send is queued by `settle`."""
    sender = normalize_address(chunk.sender)
    result = ChunkResult()
    creates: list[CommandRow] = []
    for row in chunk.rows:
        if row.command is CommandName.CREATE:
            creates.append(row)
            continue
        # Written before the next row, which may be an INVITE or UPDATE of one of them.
        _create_all(services, sender, creates, result)
        creates = []
        apply_row(services, sender, row, result)
    _create_all(services, sender, creates, result)
    return result


def settle(services: Services, applied: Sequence[tuple[ApplyRows, ChunkResult]]) -> None:
    """Queue what the applied chunks send, in as few requests as the queue allows, then credit
    each chunk's progress and mail any batch now complete.

    Progress comes last: a chunk counted is a chunk whose sends are queued. A worker that dies
    earlier has its chunks delivered again; their rows then apply as no-ops that still yield
    their deliveries and fan-outs, so nothing is lost.
    """
    messages: list[QueueMessage] = []
    for chunk, result in applied:
        messages += delivery_messages(result.deliveries, chunk=f"rows:{chunk.chunk}", batch_id=chunk.batch_id)
        messages += [fan_out_message(key, sequence, method) for key, sequence, method in result.fan_outs]
    if messages:
        services.queue.send(QueueName.SENDS, messages)
    for chunk, result in applied:
        services.store.batch_progress(
            chunk.batch_id,
            f"rows:{chunk.chunk}",
            applied=result.applied,
            refused=result.refused,
            queued=len(result.deliveries),
        )
    for batch_id in dict.fromkeys(chunk.batch_id for chunk, _ in applied):
        finish_batch(services, batch_id)
