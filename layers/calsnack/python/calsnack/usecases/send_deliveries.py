"""Rendering and sending personal invitations and cancellations, at most once per revision."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from calsnack.domain.model import Attendee, Delivery, Event, Method, PartStat
from calsnack.links import Links
from calsnack.mail.invitation import InvitationRenderer
from calsnack.ports import Rejected, Services, Throttled
from calsnack.queue_messages import SendDeliveries
from calsnack.usecases.enqueue import enqueue_deliveries

#: Sends recorded together: a worker that dies before recording re-sends at most this many
#: on retry (the duplicate bound), while the store sees one write per group.
RECORD_EVERY = 5
#: Throttling is answered in place with exponential backoff; past that, the rest of the chunk
#: goes back on the queue as a new message, so throttling never exhausts a message's receives.
THROTTLE_RETRIES = 4
BACKOFF = 0.05
#: Seconds one send may take at worst: the SES client's connect and read timeouts
#: (`adapters.aws.mailer.CALL_TIMEOUT`) stay within it, so a send begun with this much time
#: left ends before the invocation's deadline.
SEND_ALLOWANCE = 6.0
#: Seconds kept back at the end of an invocation to record what went out, queue the rest and
#: credit the batch: the Lambda runtime kills an invocation at its timeout, `finally` or not.
FINISH_MARGIN = 5.0
#: Below this much time left, a queue message is not begun at all but put back as it came.
START_MINIMUM = SEND_ALLOWANCE + FINISH_MARGIN

#: Seconds left in this invocation (Lambda: `context.get_remaining_time_in_millis() / 1000`).
Remaining = Callable[[], float]


def unlimited() -> float:
    """The budget of a caller with no deadline (a test, a CLI)."""
    return math.inf


class OutOfTime(Exception):
    """The next send might not end before the invocation's deadline."""


@dataclass
class Pacer:
    """Keeps one worker under its share of the provider's send rate (0 means no limit)."""

    rate: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: float = field(default=0.0)

    def delay(self) -> float:
        """Seconds the next `wait` will sleep."""
        if self.rate <= 0:
            return 0.0
        return max(0.0, self._next - self.clock())

    def wait(self) -> None:
        if self.rate <= 0:
            return
        now = self.clock()
        if self._next > now:
            self.sleep(self._next - now)
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
            services,
            InvitationRenderer(s, services.clock),
            Links.of(s),
            Pacer(s.send_rate, clock=services.monotonic, sleep=services.sleep),
        )

    def _due(self, event: Event | None, delivery: Delivery, invited: int | None, cancel_sent: bool) -> bool:
        if event is None:
            return False
        if delivery.method is Method.CANCEL:
            return event.cancelled and (delivery.resend or not cancel_sent)
        # Always the current revision: a queued older one is satisfied by sending the newest.
        return not event.cancelled and (delivery.resend or invited is None or invited < event.sequence)

    def _check_time(self, remaining: Remaining, wait: float) -> None:
        """`OutOfTime` unless a send begun after `wait` seconds still leaves the finishing margin."""
        if remaining() < wait + SEND_ALLOWANCE + FINISH_MARGIN:
            raise OutOfTime

    def _send_one(
        self, event: Event, delivery: Delivery, attendee: Attendee | None, remaining: Remaining
    ) -> bool:
        """False when the provider refused this recipient for good; `Throttled` after the backoff,
        `OutOfTime` when the next attempt might outlast the invocation."""
        try:
            mail = self.renderer.render(
                event,
                delivery.email,
                delivery.method,
                unsubscribe_url=self.links.unsubscribe(delivery.email, event.organizer),
                landing_url=self.links.landing(event.key),
                # A quiet revision keeps the answer the attendee gave; anything else asks again.
                partstat=attendee.partstat
                if attendee is not None and event.answer_holds(attendee)
                else PartStat.NEEDS_ACTION,
            )
        except ValueError as exc:
            # An address no mail header can carry: this recipient fails, the chunk goes on.
            self.services.log.warning(
                "invitation not renderable", extra={"event": event.key, "reason": str(exc)}
            )
            return False
        backoff = 0.0
        for attempt in range(THROTTLE_RETRIES + 1):
            self._check_time(remaining, backoff + self.pacer.delay())
            if backoff:
                self.services.sleep(backoff)
            self.pacer.wait()
            try:
                self.services.mailer.send(mail)
            except Throttled:
                if attempt == THROTTLE_RETRIES:
                    raise
                backoff = BACKOFF * 2**attempt
            except Rejected as exc:
                self.services.log.warning(
                    "invitation rejected", extra={"event": event.key, "reason": str(exc)}
                )
                return False
            else:
                return True
        raise AssertionError("unreachable")

    def _suppressed(
        self, events: dict[str, Event], by_event: dict[str, list[Delivery]]
    ) -> set[tuple[str, str]]:
        """(organizer, address) pairs never to mail again: hard bounces, complaints and
        one-click unsubscribes. One lookup per organizer, not per event."""
        by_organizer: dict[str, set[str]] = defaultdict(set)
        for key, event in events.items():
            by_organizer[event.organizer].update(d.email for d in by_event[key])
        return {
            (organizer, email)
            for organizer, emails in by_organizer.items()
            for email in self.services.store.suppressed(emails, organizer)
        }

    def send(self, work: SendDeliveries, remaining: Remaining = unlimited) -> tuple[int, int]:
        """Send what is still due; returns (satisfied, failed) for this message's share of the work.

        Throttling that outlasts the in-place backoff, or a send that might not end before the
        invocation's deadline (`remaining`), puts the rest of the chunk back on the queue as a
        new message; what was sent before is recorded, so nothing goes out twice. When the
        provider stops all sending (`SendingStopped`), what went out is recorded and the error
        propagates: the message stays on its queue and comes back after its visibility timeout.
        """
        store = self.services.store
        by_event: dict[str, list[Delivery]] = defaultdict(list)
        for d in work.deliveries:
            by_event[d.event_key].append(d)
        ordered = [d for group in by_event.values() for d in group]
        events = store.get_events(by_event)
        blocked = self._suppressed(events, by_event)
        attendees = store.attendees_of({key: [d.email for d in by_event[key]] for key in events})
        satisfied = failed = done = mailed = 0
        sent: list[Delivery] = []
        try:
            for key, deliveries in by_event.items():
                event = events.get(key)
                known = attendees.get(key, {})
                for d in deliveries:
                    attendee = known.get(d.email)
                    due = event is not None and self._due(
                        event,
                        d,
                        attendee.invited_sequence if attendee else None,
                        attendee.cancel_sent if attendee else False,
                    )
                    if event is not None and (event.organizer, d.email) in blocked:
                        failed += 1
                    elif not due or event is None:
                        satisfied += 1
                    elif self._send_one(event, d, attendee, remaining):
                        sent.append(Delivery(key, d.email, event.sequence, d.method))
                        satisfied += 1
                        mailed += 1
                        if len(sent) >= RECORD_EVERY:
                            store.record_sent(sent, self.services.clock())
                            sent = []
                    else:
                        failed += 1
                    done += 1
        except (Throttled, OutOfTime) as exc:
            self.services.log.info(
                "chunk cut short, the rest goes back on the queue",
                extra={
                    "chunk": work.chunk,
                    "done": done,
                    "left": len(ordered) - done,
                    "reason": "throttled" if isinstance(exc, Throttled) else "time budget",
                },
            )
            enqueue_deliveries(
                self.services, ordered[done:], chunk=f"{work.chunk}+{done}", batch_id=work.batch_id
            )
        finally:
            # Record what went out, also when a chunk is cut short: a retry skips it.
            if sent:
                store.record_sent(sent, self.services.clock())
        if work.batch_id:
            store.batch_progress(work.batch_id, f"send:{work.chunk}", sent=satisfied, failed=failed)
        if mailed or failed:
            self.services.log.info(
                "invitations sent", extra={"sent": mailed, "failed": failed, "batch_id": work.batch_id}
            )
        return satisfied, failed
