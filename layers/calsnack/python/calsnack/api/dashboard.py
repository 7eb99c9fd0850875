"""The organizer's dashboard: one HTML shell and the JSON it draws from, all behind the magic link.

Every call carries the link's `o`, `x` and `t`; each is checked again, so the dashboard
sees the organizer's own events only, and nothing once the link expired.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from calsnack.api import pages
from calsnack.api.access import Access
from calsnack.api.models import (
    AttendeeOut,
    AttendeePage,
    CountsNow,
    CountsOut,
    DashboardEvent,
    DashboardEvents,
    EventCounts,
    RsvpLinks,
    Timeline,
    TimelineBucket,
    VipList,
    VipSummary,
)
from calsnack.api.responses import HTML_PAGE, documented, html, security_headers
from calsnack.csvcommands.refused import formula_safe
from calsnack.domain.model import EVENT_KEY_PATTERN, Attendee, Event, PartStat
from calsnack.mail.snack import rsvp_snippet, when_text
from calsnack.ports import Services
from calsnack.usecases.invite_vips import (
    VipListRefused,
    addresses_in,
    invite_addresses,
    rows_without_address,
)

ORGANIZER = Query(alias="o", max_length=254, description="the organizer, as in the dashboard link")
EXPIRES = Query(alias="x", max_length=12, description="the link's expiry (Unix time), as in the link")
TOKEN = Query(alias="t", max_length=64, description="the link's signature")
EVENT_KEY = Path(pattern=f"^{EVENT_KEY_PATTERN}$")

#: The chart reads at most this many attendees (pages of PAGE): enough to show the trend.
TIMELINE_LIMIT = 20_000
#: The CSV export stops here so the response stays under API Gateway's payload limit.
EXPORT_LIMIT = 100_000
PAGE = 1000
#: Addresses of a VIP list echoed back in its summary.
SAMPLE = 20


def _bucket_start(moment: datetime, unit: str) -> datetime:
    moment = moment.astimezone(UTC)
    start = moment.replace(minute=0, second=0, microsecond=0)
    return start if unit == "hour" else start.replace(hour=0)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def routes(services: Services) -> Router:
    router = Router()  # type: ignore[no-untyped-call]
    access = Access(services)
    links = access.links

    def page(body: str, status: int = 200) -> Response[str]:
        return html(body, services.settings.base_url, status)

    @router.get(
        "/dashboard",
        tags=["dashboard"],
        summary="The organizer's dashboard (opened from the magic link in the snack mail)",
        responses={200: HTML_PAGE, 403: HTML_PAGE},
    )
    def dashboard(
        organizer: Annotated[str, ORGANIZER] = "",
        expires: Annotated[str, EXPIRES] = "",
        token: Annotated[str, TOKEN] = "",
    ) -> Response[str]:
        s = services.settings
        site = pages.Site(s.base_url, s.product_name)
        grant = access.dashboard_grant(organizer, expires, token)
        return page(
            pages.dashboard_page(site, grant, api=f"{s.base_url}/dashboard/api", expires=expires, token=token)
        )

    def dashboard_event(event: Event) -> DashboardEvent:
        rsvp = {a: links.rsvp(event.key, a) for a in ("yes", "maybe", "no")}
        return DashboardEvent(
            key=event.key,
            event_id=event.event_id,
            summary=event.summary,
            status=event.status.value,
            sequence=event.sequence,
            start=event.start,
            end=event.end,
            timezone=event.timezone,
            all_day=event.all_day,
            when=when_text(event),
            counts=CountsOut.of(services.store.counts(event.key)),
            landing_url=links.landing(event.key),
            ics_url=links.ics(event.key),
            rsvp=RsvpLinks.model_validate(rsvp),
            vip_address=links.vip_address(event.key),
            snippet_html=rsvp_snippet(rsvp),
        )

    @router.get(
        "/dashboard/api/events", tags=["dashboard"], summary="The organizer's events with their counts"
    )
    def dashboard_events(
        organizer: Annotated[str, ORGANIZER] = "",
        expires: Annotated[str, EXPIRES] = "",
        token: Annotated[str, TOKEN] = "",
    ) -> DashboardEvents:
        grant = access.dashboard_grant(organizer, expires, token)
        events = sorted(
            services.store.events_by_organizer(grant.organizer), key=lambda e: e.start, reverse=True
        )
        return DashboardEvents(
            organizer=grant.organizer,
            expires=grant.expires,
            events=[dashboard_event(e) for e in events if grant.owns(e)],
        )

    @router.get(
        "/dashboard/api/counts",
        tags=["dashboard"],
        summary="The counts of each of the organizer's events (the dashboard polls this)",
    )
    def dashboard_counts(
        organizer: Annotated[str, ORGANIZER] = "",
        expires: Annotated[str, EXPIRES] = "",
        token: Annotated[str, TOKEN] = "",
    ) -> CountsNow:
        grant = access.dashboard_grant(organizer, expires, token)
        store = services.store
        return CountsNow(
            events=[
                EventCounts(key=e.key, status=e.status.value, counts=CountsOut.of(store.counts(e.key)))
                for e in store.events_by_organizer(grant.organizer)
                if grant.owns(e)
            ]
        )

    def all_attendees(event: Event, limit: int) -> Iterator[Attendee]:
        """The event's attendees in address order, page by page, at most `limit` of them."""
        store, after, left = services.store, "", limit
        while left > 0:
            size = min(PAGE, left)
            batch = store.attendees(event.key, None, after, size)
            yield from batch
            left -= len(batch)
            if len(batch) < size:
                return
            after = batch[-1].email

    @router.get(
        "/dashboard/api/events/<event_key>/timeline",
        tags=["dashboard"],
        summary="Answers over time (the latest answer of each person, by the hour or by the day)",
    )
    def dashboard_timeline(
        event_key: Annotated[str, EVENT_KEY],
        organizer: Annotated[str, ORGANIZER] = "",
        expires: Annotated[str, EXPIRES] = "",
        token: Annotated[str, TOKEN] = "",
    ) -> Timeline:
        grant = access.dashboard_grant(organizer, expires, token)
        event = access.owned_event(grant, event_key)
        answers: list[tuple[datetime, PartStat]] = []
        read = 0
        for attendee in all_attendees(event, TIMELINE_LIMIT + 1):
            read += 1
            if read > TIMELINE_LIMIT:
                break
            if attendee.answered_at is not None and attendee.partstat is not PartStat.NEEDS_ACTION:
                answers.append((attendee.answered_at, attendee.partstat))
        if not answers:
            return Timeline(unit="day", buckets=[], complete=read <= TIMELINE_LIMIT)
        first, last = min(a for a, _ in answers), max(a for a, _ in answers)
        unit: Literal["hour", "day"] = "hour" if last - first <= timedelta(days=2) else "day"
        counted: Counter[tuple[datetime, PartStat]] = Counter(
            (_bucket_start(at, unit), partstat) for at, partstat in answers
        )
        step = timedelta(hours=1) if unit == "hour" else timedelta(days=1)
        buckets, moment, end = [], _bucket_start(first, unit), _bucket_start(last, unit)
        while moment <= end:
            buckets.append(
                TimelineBucket(
                    start=moment,
                    accepted=counted[(moment, PartStat.ACCEPTED)],
                    tentative=counted[(moment, PartStat.TENTATIVE)],
                    declined=counted[(moment, PartStat.DECLINED)],
                )
            )
            moment += step
        return Timeline(unit=unit, buckets=buckets, complete=read <= TIMELINE_LIMIT)

    @router.get(
        "/dashboard/api/events/<event_key>/attendees",
        tags=["dashboard"],
        summary="One page of the event's attendees, ordered by address",
    )
    def dashboard_attendees(
        event_key: Annotated[str, EVENT_KEY],
        organizer: Annotated[str, ORGANIZER] = "",
        expires: Annotated[str, EXPIRES] = "",
        token: Annotated[str, TOKEN] = "",
        after: Annotated[str, Query(max_length=254)] = "",
        status: PartStat | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> AttendeePage:
        grant = access.dashboard_grant(organizer, expires, token)
        event = access.owned_event(grant, event_key)
        wanted = frozenset({status}) if status else None
        page = services.store.attendees(event.key, wanted, after, limit + 1)
        more = len(page) > limit
        shown = page[:limit]
        return AttendeePage(
            attendees=[AttendeeOut.of(a) for a in shown], next=shown[-1].email if more and shown else None
        )

    @router.get(
        "/dashboard/api/events/<event_key>/attendees.csv",
        tags=["dashboard"],
        summary="Every attendee as CSV (cells a spreadsheet would run as formulas are quoted)",
        responses={200: documented("CSV", "text/csv")},
        compress=True,
    )
    def dashboard_export(
        event_key: Annotated[str, EVENT_KEY],
        organizer: Annotated[str, ORGANIZER] = "",
        expires: Annotated[str, EXPIRES] = "",
        token: Annotated[str, TOKEN] = "",
    ) -> Response[bytes]:
        grant = access.dashboard_grant(organizer, expires, token)
        event = access.owned_event(grant, event_key)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["email", "answer", "answered_at", "channel", "invited", "invited_at", "comment"])
        for a in all_attendees(event, EXPORT_LIMIT):
            writer.writerow(
                [
                    formula_safe(a.email),
                    a.partstat.value,
                    _iso(a.answered_at),
                    a.channel.value if a.channel else "",
                    "yes" if a.invited else "no",
                    _iso(a.invited_at),
                    formula_safe(a.comment),
                ]
            )
        filename = "".join(c for c in event.event_id if c.isalnum() or c in "-_")[:40] or event.key
        # A BOM, so Excel reads the file as UTF-8 instead of the legacy code page.
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"),
            headers={
                **security_headers(services.settings.base_url),
                "Content-Disposition": f'attachment; filename="attendees-{filename}.csv"',
            },
        )

    @router.post(
        "/dashboard/api/events/<event_key>/vips",
        tags=["dashboard"],
        summary="Send a personal invitation to every address of a VIP list",
    )
    def dashboard_vips(
        event_key: Annotated[str, EVENT_KEY],
        body: VipList,
        organizer: Annotated[str, ORGANIZER] = "",
        expires: Annotated[str, EXPIRES] = "",
        token: Annotated[str, TOKEN] = "",
    ) -> VipSummary:
        grant = access.dashboard_grant(organizer, expires, token)
        event = access.owned_event(grant, event_key)
        found = addresses_in(body.addresses)
        # The same list sent twice (a double click, a retry) queues its invitations once.
        digest = hashlib.sha256("\n".join([event.key, str(event.sequence), *found]).encode()).hexdigest()[:32]
        unread = rows_without_address(body.addresses)
        try:
            invited = invite_addresses(services, event, found, chunk=f"vip:dashboard:{digest}")
        except VipListRefused as exc:
            listed = f" (rows without one: {'; '.join(unread[:SAMPLE])})" if unread and not found else ""
            raise BadRequestError(f"{exc}{listed}") from exc
        return VipSummary(
            found=len(found),
            invited=invited,
            sample=found[:SAMPLE],
            not_addresses=len(unread),
            not_addresses_sample=unread[:SAMPLE],
        )

    return router
