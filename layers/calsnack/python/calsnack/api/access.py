"""Who may see what: signed links for public pages, the dashboard's magic link, the API key's domain.

Nothing here trusts what a caller says about itself: an event is reached only through
a link the service signed, the dashboard only for the organizer its link names and
until it expires, and management routes only for the domain the authorizer vouched for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from aws_lambda_powertools.event_handler.exceptions import UnauthorizedError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from calsnack.domain.model import Event
from calsnack.links import Links
from calsnack.ports import Services


class InvalidLink(Exception):
    """A public link that is altered, forged or names nothing: answered with a plain 404 page."""


class DashboardRefused(Exception):
    """A dashboard link that is not valid (any more); str() is shown to the person."""


class DashboardExpired(DashboardRefused):
    """A genuine dashboard link past its expiry: its page offers to mail the organizer a fresh one."""

    def __init__(self, message: str, organizer: str, expires: str, token: str) -> None:
        super().__init__(message)
        self.organizer, self.expires, self.token = organizer, expires, token


@dataclass(frozen=True, slots=True)
class DashboardGrant:
    """What a valid magic link grants: one organizer's events, until `expires`."""

    organizer: str
    expires: datetime

    def owns(self, event: Event) -> bool:
        return event.organized_by(self.organizer)


class Access:
    """The checks above, against one deployment's link key, store and clock."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.links = Links.of(services.settings)

    def signed_event(self, event_key: str, token: str, *parts: str) -> Event:
        """The event a signed link names; an altered or foreign link is simply not found."""
        if not token or not self.links.verify(token, *parts):
            raise InvalidLink("unknown link")
        event = self.services.store.get_event(event_key)
        if event is None:
            raise InvalidLink("unknown event")
        return event

    def dashboard_grant(self, organizer: str, expires: str, token: str) -> DashboardGrant:
        """Check a dashboard link's three parts (`o`, `x`, `t`) as `Links.dashboard` signed them."""
        if not (organizer and expires.isdigit() and token) or not self.links.verify(
            token, "dashboard", organizer, expires
        ):
            raise DashboardRefused("This dashboard link is not valid.")
        until = datetime.fromtimestamp(int(expires), UTC)
        if until <= self.services.clock():
            raise DashboardExpired(
                "This dashboard link has expired. A fresh one can be mailed to the organizer's address.",
                organizer,
                expires,
                token,
            )
        return DashboardGrant(organizer, until)

    def owned_event(self, grant: DashboardGrant, event_key: str) -> Event:
        """One of the grant's events; another organizer's event is not found, never forbidden (no oracle)."""
        event = self.services.store.get_event(event_key)
        if event is None or not grant.owns(event):
            raise InvalidLink("unknown event")
        return event


def caller_domain(event: BaseProxyEvent) -> str:
    """The sending domain the authorizer put in the request context (as API Gateway passes it on).

    Refuses the call when there is none, so a route deployed without the authorizer in
    front of it fails closed.
    """
    if isinstance(event, APIGatewayProxyEvent):
        context = event.request_context.authorizer.get_context()
        domain = context.get("domain")
        if isinstance(domain, str) and domain:
            return domain
    raise UnauthorizedError("Unauthorized")
