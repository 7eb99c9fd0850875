"""Rendering and sending personal invitations and cancellations, at most once per revision."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from aws_lambda_powertools import Logger

from calsnack.bootstrap import Services
from calsnack.domain.model import Delivery, Event, Method
from calsnack.links import Links
from calsnack.mail.invitation import InvitationRenderer
from calsnack.messages import SendDeliveries
from calsnack.ports import Rejected

logger = Logger(child=True)


@dataclass
class Pacer:
    """Keeps one worker under its share of the provider's send rate (0 means no limit)."""

    rate: float
    _next: float = field(default=0.0)

    def wait(self) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        if self._next > now:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + 1.0 / self.rate


@dataclass
class Sender:
    """Long-lived per worker: the renderer caches each revision's template across messages."""

    services: Services
    renderer: InvitationRenderer
    links: Links
    pacer: Pacer

    @classmethod
    def create(cls, services: Services) -> Sender:
        s = services.settings
        return cls(
            services, InvitationRenderer(s), Links(s.link_key, s.base_url, s.domain), Pacer(s.send_rate)
        )

    def _due(self, event: Event | None, delivery: Delivery, invited: int | None, cancel_sent: bool) -> bool:
        if event is None:
            return False
        if delivery.method is Method.CANCEL:
            return event.cancelled and not cancel_sent
        # Always the current revision: a queued older one is satisfied by sending the newest.
        return not event.cancelled and (invited is None or invited < event.sequence)

    def _send_one(self, event: Event, delivery: Delivery) -> bool:
        """False when the provider refused this recipient for good."""
        self.pacer.wait()
        mail = self.renderer.render(
            event,
            delivery.email,
            delivery.method,
            unsubscribe_url=self.links.unsubscribe(delivery.email, event.organizer_domain),
            landing_url=self.links.landing(event.key),
        )
        try:
            self.services.mailer.send(mail)
        except Rejected as exc:
            logger.warning("invitation rejected", extra={"event": event.key, "reason": str(exc)})
            return False
        return True

    def send(self, work: SendDeliveries) -> tuple[int, int]:
        """Send what is still due; returns (satisfied, failed).

        `ports.Throttled` propagates so the queue message is retried later; what was sent
        before it is recorded, so the retry sends only the rest.
        """
        store = self.services.store
        by_event: dict[str, list[Delivery]] = defaultdict(list)
        for d in work.deliveries:
            by_event[d.event_key].append(d)
        satisfied = failed = 0
        sent: list[Delivery] = []
        try:
            for key, deliveries in by_event.items():
                event = store.get_event(key)
                known = store.get_attendees(key, (d.email for d in deliveries))
                # Hard bounces, complaints and one-click unsubscribes are never mailed again.
                blocked = (
                    store.suppressed((d.email for d in deliveries), event.organizer_domain)
                    if event
                    else set()
                )
                for d in deliveries:
                    if d.email in blocked:
                        failed += 1
                        continue
                    attendee = known.get(d.email)
                    due = self._due(
                        event,
                        d,
                        attendee.invited_sequence if attendee else None,
                        attendee.cancel_sent if attendee else False,
                    )
                    if not due or event is None:
                        satisfied += 1
                        continue
                    if self._send_one(event, d):
                        sent.append(Delivery(key, d.email, event.sequence, d.method))
                        satisfied += 1
                    else:
                        failed += 1
        finally:
            # Record what went out even when throttling cuts the chunk short: the retry skips it.
            if sent:
                store.record_sent(sent, self.services.clock())
        if work.batch_id:
            store.batch_progress(work.batch_id, f"send:{work.chunk}", sent=satisfied, failed=failed)
        return satisfied, failed
