"""The report of CONTRACT §4: events with their counts, by event, organizer or domain."""

from __future__ import annotations

from typing import Any

from calsnack.domain.addresses import normalize_address
from calsnack.domain.model import Counts, Event, event_key, occurrence_counts
from calsnack.ports import Store


def _occurrences(store: Store, event: Event, series: Counts) -> list[dict[str, Any]]:
    """The counts of each occurrence someone answered on its own (docs/calendar.md); the
    occurrences nobody did count as `counts` says."""
    answers = store.occurrence_answers(event.key)
    if not answers:
        return []
    attendees = store.get_attendees(event.key, {a.email for a in answers})
    return [
        {"occurrence": occurrence, "counts": counts.as_dict()}
        for occurrence, counts in occurrence_counts(series, attendees, answers).items()
    ]


def event_report(store: Store, event: Event) -> dict[str, Any]:
    counts = store.counts(event.key)
    return {
        "organizer": event.organizer,
        "event_id": event.event_id,
        "uid": event.uid,
        "status": event.status.value,
        "sequence": event.itip_sequence,
        "summary": event.summary,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "timezone": event.timezone,
        "source": event.source.value,
        "counts": counts.as_dict(),
        "activity": counts.activity(),
        "occurrences": _occurrences(store, event, counts),
    }


def report_event(store: Store, organizer: str, event_id: str) -> dict[str, Any]:
    event = store.get_event(event_key(organizer, event_id))
    return {"events": [event_report(store, event)] if event else []}


def report_organizer(store: Store, organizer: str) -> dict[str, Any]:
    return {
        "events": [event_report(store, e) for e in store.events_by_organizer(normalize_address(organizer))]
    }


def report_domain(store: Store, domain: str) -> dict[str, Any]:
    return {"events": [event_report(store, e) for e in store.events_by_domain(domain.strip().lower())]}
