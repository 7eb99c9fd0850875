"""A fresh dashboard link without a login: always to the organizer's own address, rate-limited.

A dashboard link lasts `DASHBOARD_LINK_LIFETIME` and can lapse before the event. Two ways
renew it, and both mail the organizer the link (plus each upcoming event's landing page and
RSVP links): the expired page's button, whose address comes from the signed (expired) link
itself and never from what the visitor types, and a mail to `dashboard@DOMAIN`, answered
only to an authenticated sender who wrote it by hand. Either way whoever holds an old link
or forges a From learns nothing new: the mail goes to the mailbox the link already belongs to.
"""

from __future__ import annotations

from enum import StrEnum

from calsnack.domain.addresses import normalize_address
from calsnack.domain.model import Event
from calsnack.mail.compose import compose
from calsnack.mail.snack import DASHBOARD_LINK_LIFETIME, when_text
from calsnack.ports import Rejected, Services, Throttled
from calsnack.templating import render
from calsnack.usecases.event_links import dashboard_link, event_links

#: Renewal mails an organizer gets in an hour at most, whoever asks: no mail bombing by button.
RENEWALS_PER_HOUR = 3
#: Upcoming events the mail lists (soonest first); the dashboard shows them all.
UPCOMING_LISTED = 50
#: The mailbox that answers with fresh links (`dashboard@DOMAIN`).
DASHBOARD_MAILBOX = "dashboard"


class Renewal(StrEnum):
    SENT = "sent"
    #: The organizer had `RENEWALS_PER_HOUR` renewals this hour already.
    LIMITED = "limited"
    #: The organizer's address bounced, complained or was refused by the provider: no mail reaches it.
    UNDELIVERABLE = "undeliverable"
    #: The provider is throttling just now; asking again later works.
    BUSY = "busy"


def dashboard_address(services: Services) -> str:
    return f"{DASHBOARD_MAILBOX}@{services.settings.domain}"


def _upcoming(services: Services, organizer: str) -> list[Event]:
    now = services.clock()
    events = [e for e in services.store.events_by_organizer(organizer) if not e.cancelled and e.end > now]
    return sorted(events, key=lambda e: e.start)[:UPCOMING_LISTED]


def _text(services: Services, organizer: str, events: list[Event]) -> str:
    now = services.clock()
    until = (now + DASHBOARD_LINK_LIFETIME).strftime("%d %b %Y")
    return render(
        "mail/dashboard_links.txt",
        brand=services.settings.branding,
        until=until,
        dashboard=dashboard_link(services.settings, organizer, now),
        events=[(event, when_text(event), event_links(services.settings, event, now)) for event in events],
        dashboard_address=dashboard_address(services),
    )


def send_dashboard_links(services: Services, organizer: str, *, in_reply_to: str = "") -> Renewal:
    """Mail `organizer` a fresh dashboard link and their upcoming events' links, within the limit."""
    address = normalize_address(organizer)
    now = services.clock()
    if services.store.count_hit(f"dashboard-renewal:{address}", 3600, now) > RENEWALS_PER_HOUR:
        return Renewal.LIMITED
    if services.store.suppressed([address], services.settings.domain):
        return Renewal.UNDELIVERABLE
    mail = compose(
        services.settings,
        to=address,
        subject=f"Your {services.settings.product_name} dashboard link",
        text=_text(services, address, _upcoming(services, address)),
        in_reply_to=in_reply_to,
        date=now,
    )
    try:
        services.mailer.send(mail)
    except Throttled:
        return Renewal.BUSY
    except Rejected as exc:
        services.log.warning("dashboard link rejected", extra={"reason": str(exc)})
        return Renewal.UNDELIVERABLE
    return Renewal.SENT
