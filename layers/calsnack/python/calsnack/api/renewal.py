"""The expired dashboard link's page and its button: a fresh link mailed to the organizer.

The button posts the expired link's own signed parts (`o`, `x`, `t`), so the address the
fresh link goes to is the one the link was made for; nothing the visitor types is read.
"""

from __future__ import annotations

from html import escape
from typing import Annotated
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from calsnack.api import form_guard, pages
from calsnack.api.access import DashboardExpired, InvalidLink
from calsnack.api.dashboard import EXPIRES, ORGANIZER, TOKEN
from calsnack.api.responses import HTML_PAGE, documented, html
from calsnack.config import Settings
from calsnack.links import Links
from calsnack.ports import Services
from calsnack.usecases.renew_dashboard import Renewal, dashboard_address, send_dashboard_links

RENEW_PATH = "/dashboard/renew"

_OUTCOMES: dict[Renewal, tuple[int, str]] = {
    Renewal.SENT: (200, "A fresh dashboard link is on its way to {organizer}."),
    Renewal.LIMITED: (
        429,
        "Fresh links went to {organizer} a short while ago: please look for them in that mailbox."
        " Another can be asked for in an hour.",
    ),
    Renewal.UNDELIVERABLE: (409, "calsnack cannot deliver mail to {organizer}."),
    Renewal.BUSY: (503, "The mail cannot be sent just now. Please try again in a few minutes."),
}


def _site(settings: Settings) -> pages.Site:
    return pages.Site(settings.base_url, settings.product_name)


def expired_page(services: Services, exc: DashboardExpired) -> Response[str]:
    """The expiry page: the link's organizer, and a button that mails them a fresh link."""
    s = services.settings
    query = urlencode({"o": exc.organizer, "x": exc.expires, "t": exc.token})
    body = f"""<article class="card"><h1>Dashboard</h1>
<p class="notice" role="status">This dashboard link has expired.</p>
<p>calsnack can mail a fresh link to the organizer's address, <strong>{escape(exc.organizer)}</strong>.
A mail to {escape(dashboard_address(services))} from that address brings one too.</p>
<form method="post" action="{escape(f"{s.base_url}{RENEW_PATH}?{query}")}">
<p class="buttons"><button class="btn plain" type="submit">Mail me a fresh link</button></p>
</form></article>"""
    return html(pages.layout(_site(s), "Dashboard", body), s.base_url, 403)


def routes(services: Services) -> Router:
    router = Router()  # type: ignore[no-untyped-call]
    s = services.settings
    links = Links.of(s)

    @router.post(
        RENEW_PATH,
        tags=["dashboard"],
        summary="Mail the organizer of a (possibly expired) dashboard link a fresh one",
        description="Only ever to the address the signed link names; a few times an hour at most.",
        responses={
            200: HTML_PAGE,
            403: documented("sent from another site's page", "text/html"),
            404: HTML_PAGE,
            409: documented("the organizer's address gets no mail (bounced or complained)", "text/html"),
            429: documented("fresh links went to this organizer within the hour", "text/html"),
            503: documented("mail cannot be sent just now", "text/html"),
        },
    )
    def renew(
        organizer: Annotated[str, ORGANIZER] = "",
        expires: Annotated[str, EXPIRES] = "",
        token: Annotated[str, TOKEN] = "",
    ) -> Response[str]:
        if not (organizer and expires.isdigit() and token) or not links.verify(
            token, "dashboard", organizer, expires
        ):
            raise InvalidLink("unknown dashboard link")
        if form_guard.cross_origin(router.current_event.headers, s.base_url):
            message = pages.message_page(
                _site(s), "Dashboard", "This form can only be sent from its own page.", ok=False
            )
            return html(message, s.base_url, 403)
        status, text = _OUTCOMES[send_dashboard_links(services, organizer)]
        body = pages.message_page(_site(s), "Dashboard", text.format(organizer=organizer), ok=status == 200)
        return html(body, s.base_url, status)

    return router
