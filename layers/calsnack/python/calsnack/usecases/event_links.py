"""The links a calendar-client organizer finds in the snack mail, for CSV and API organizers too.

A snack mail gives its organizer the event's landing page, its Yes/Maybe/No RSVP links and a
dashboard link. Events made by a CSV batch (by mail or through the API) get the same links in
the batch reply (an attached CSV), in `GET /batches/{id}` and from `calsnack link`. A batch's
events are those whose last applied row is one of the batch's (`Event.applied_row`), so an
event that a later batch changed again is listed with that later batch.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime

from calsnack.config import Settings
from calsnack.csvcommands.refused import formula_safe
from calsnack.domain.model import BatchStatus, Event
from calsnack.links import Links
from calsnack.mail.snack import DASHBOARD_LINK_LIFETIME
from calsnack.ports import EventStore

#: Events a batch reply lists at most (a batch of more events than this is rare; the API and
#: `calsnack link --event` give any event's links).
EVENTS_LISTED = 10_000


@dataclass(frozen=True, slots=True)
class EventLinks:
    """One event's links; the field order is the CSV's column order."""

    event_id: str
    summary: str
    landing_page: str
    rsvp_yes: str
    rsvp_maybe: str
    rsvp_no: str
    dashboard: str


LINK_COLUMNS = tuple(f.name for f in fields(EventLinks))


def dashboard_link(settings: Settings, organizer: str, now: datetime) -> str:
    """A dashboard link valid for `DASHBOARD_LINK_LIFETIME` from `now`: what every organizer mail carries."""
    return Links.of(settings).dashboard(organizer, int((now + DASHBOARD_LINK_LIFETIME).timestamp()))


def event_links(settings: Settings, event: Event, now: datetime, dashboard: str | None = None) -> EventLinks:
    """`dashboard`: the organizer's dashboard link, when the caller has signed it already."""
    links = Links.of(settings)
    return EventLinks(
        event_id=event.event_id,
        summary=event.summary,
        landing_page=links.landing(event.key),
        rsvp_yes=links.rsvp(event.key, "yes"),
        rsvp_maybe=links.rsvp(event.key, "maybe"),
        rsvp_no=links.rsvp(event.key, "no"),
        dashboard=dashboard or dashboard_link(settings, event.organizer, now),
    )


def events_links(settings: Settings, events: Iterable[Event], now: datetime) -> list[EventLinks]:
    """The links of many events, each organizer's dashboard link signed once (a batch has few)."""
    dashboards: dict[str, str] = {}
    return [
        event_links(
            settings,
            e,
            now,
            dashboards.get(e.organizer)
            or dashboards.setdefault(e.organizer, dashboard_link(settings, e.organizer, now)),
        )
        for e in events
    ]


def batch_events(store: EventStore, status: BatchStatus) -> list[Event]:
    """The events the batch's rows created or changed last, by event id, `EVENTS_LISTED` at most."""
    return store.events_of_batch(status.domain, status.batch_id, EVENTS_LISTED)


def links_csv(rows: Iterable[EventLinks]) -> bytes:
    """The links as CSV: a header row, then one record an event (an organizer's text cannot be a formula)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LINK_COLUMNS)
    writer.writerows([formula_safe(getattr(row, name)) for name in LINK_COLUMNS] for row in rows)
    return out.getvalue().encode()
