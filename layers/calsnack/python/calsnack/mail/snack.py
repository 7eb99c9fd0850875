"""The snack: the organizer's answer mail with RSVP buttons, landing page, VIP address and dashboard."""

from __future__ import annotations

from datetime import datetime, timedelta

from calsnack.branding import Branding
from calsnack.config import Settings
from calsnack.domain.model import Event
from calsnack.i18n import event_when, translations
from calsnack.links import Links
from calsnack.mail.compose import compose
from calsnack.ports import OutgoingMail
from calsnack.templating import render

#: How long the dashboard link in a snack stays valid.
DASHBOARD_LINK_LIFETIME = timedelta(days=30)
#: The brand of a page that has no deployment settings at hand.
DEFAULT_BRANDING = Branding()


def rsvp_snippet(rsvp: dict[str, str], brand: Branding = DEFAULT_BRANDING) -> str:
    """Ready-to-paste HTML of the buttons for the organizer's own mailings and newsletters."""
    return render("mail/rsvp_snippet.html", rsvp=rsvp, brand=brand)


def when_text(event: Event, language: str | None = None) -> str:
    """The event's time as its organizer set it, in its own zone, in `language` (a page's
    reader's), else the event's own."""
    return event_when(event, event.language if language is None else language)


def snack_mail(
    settings: Settings, links: Links, event: Event, *, in_reply_to: str, now: datetime
) -> OutgoingMail:
    """The organizer's snack; its dashboard link runs for `DASHBOARD_LINK_LIFETIME` from `now`, the
    moment it is sent, so a snack sent again for an old event carries a link that works."""
    landing = links.landing(event.key)
    rsvp = {answer: links.rsvp(event.key, answer) for answer in ("yes", "maybe", "no")}
    vip = links.vip_address(event.key)
    expires = int((now + DASHBOARD_LINK_LIFETIME).timestamp())
    dashboard = links.dashboard(event.organizer, expires)
    ics = links.ics(event.key)
    values = {
        "brand": settings.branding,
        "event": event,
        "when": when_text(event),
        "rsvp": rsvp,
        "landing": landing,
        "ics": ics,
        "vip": vip,
        "dashboard": dashboard,
        "snippet": rsvp_snippet(rsvp, settings.branding),
    }
    return compose(
        settings,
        to=event.organizer,
        subject=translations(event.language).gettext("Your %(product)s: %(summary)s")
        % {"product": settings.product_name, "summary": event.summary},
        text=render("mail/snack.txt", event.language, **values),
        html=render("mail/snack.html", event.language, **values),
        in_reply_to=in_reply_to,
        date=now,
    )
