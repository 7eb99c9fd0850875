"""Public routes reached through signed links: landing page, RSVP form, .ics, unsubscribe, static files.

`routes` builds them for one app, over its services (`calsnack.api.app.build_app`).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Form, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from calsnack.api import form_guard, pages
from calsnack.api.access import Access, InvalidLink
from calsnack.api.assets import assets
from calsnack.api.calendar_links import calendar_links
from calsnack.api.responses import HTML_PAGE, documented, html
from calsnack.config import Settings
from calsnack.domain.addresses import normalize_address
from calsnack.domain.model import EVENT_KEY_PATTERN, Event
from calsnack.ical.publish import publish_ics
from calsnack.ports import Services
from calsnack.usecases.answer_rsvp import (
    ButtonAnswer,
    FormOutcome,
    RsvpLimited,
    RsvpRefused,
    RsvpResult,
    answer_from_form,
    confirmed_answer,
)

EVENT_KEY = Path(pattern=f"^{EVENT_KEY_PATTERN}$", description="the event's key, as in the signed link")
TOKEN = Query(max_length=64, description="the link's signature")
EMAIL = Query(max_length=254, description="pre-fills the address field (mail-merge tools)")
FORM_TOKEN = Form(max_length=64, description="the token of the form this post was sent from")
CONFIRM = Query(max_length=20, pattern=r"^[0-9]{1,12}$", description="when the link expires (Unix time)")
PAGE_RESPONSES: dict[int, OpenAPIResponse] = {200: HTML_PAGE, 404: HTML_PAGE}
POST_RESPONSES: dict[int, OpenAPIResponse] = {
    **PAGE_RESPONSES,
    400: HTML_PAGE,
    403: documented("sent from another site's page", "text/html"),
    410: HTML_PAGE,
    429: documented("too many answers from this client, to this event or for this address", "text/html"),
}


def site(settings: Settings) -> pages.Site:
    return pages.Site(settings.base_url, settings.product_name)


def client_of(event: BaseProxyEvent) -> str:
    """The client's address as API Gateway saw it (a REST API's `identity.sourceIp`)."""
    context = event.raw_event.get("requestContext") or {}
    return str((context.get("identity") or {}).get("sourceIp") or "")


def routes(services: Services) -> Router:
    router = Router()  # type: ignore[no-untyped-call]
    settings = services.settings
    access = Access(services)
    links = access.links

    def page(body: str, status: int = 200) -> Response[str]:
        return html(body, settings.base_url, status)

    def refused(
        title: str, message: str, status: int, headers: dict[str, str] | None = None
    ) -> Response[str]:
        response = page(pages.message_page(site(settings), title, message, ok=False), status)
        response.headers.update(headers or {})
        return response

    def from_another_site() -> Response[str] | None:
        """A post a page of another site made the browser send is refused before it is read."""
        if form_guard.cross_origin(router.current_event.headers, settings.base_url):
            return refused("Your answer", "This form can only be sent from its own page.", 403)
        return None

    def form(event: Event, answer: ButtonAnswer, email: str, notice: str = "", error: str = "") -> str:
        token = form_guard.form_token(links, event.key, services.clock())
        return pages.rsvp_form(
            site(settings),
            event,
            answer.value,
            links.rsvp(event.key, answer.value),
            email,
            token,
            notice,
            error,
        )

    def thanks(event: Event, result: RsvpResult) -> Response[str]:
        if result.outcome is FormOutcome.CONFIRMATION_SENT:
            message = (
                f"{result.email} already has an invitation or an answer for this event. We sent a mail"
                " to that address: the answer changes once its link is opened."
            )
        elif result.invitation_queued:
            message = f"Thank you. A calendar invitation is on its way to {result.email}."
        else:
            message = f"Thank you. We recorded that {result.email} will not attend."
        change = {a.value: links.rsvp(event.key, a.value, email=result.email) for a in ButtonAnswer}
        calendar = calendar_links(event, links.landing(event.key), links.ics(event.key))
        return page(
            pages.thanks_page(
                site(settings), event, message, answer=result.answer.value, change=change, calendar=calendar
            )
        )

    @router.get("/", tags=["public"], summary="The deployment's home page", responses={200: HTML_PAGE})
    def home() -> Response[str]:
        return page(
            pages.home_page(
                site(settings),
                snack_address=settings.snack_address,
                batch_address=settings.batch_address,
                docs_url=f"{settings.base_url.rstrip('/')}/docs",
            )
        )

    @router.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response[str]:
        """Browsers ask for it on pages that name no icon (the Swagger UI's): no icon, and no 404 each time."""
        return Response(status_code=204, body="", headers={"Cache-Control": "public, max-age=86400"})

    @router.get("/healthz", tags=["public"], summary="Liveness check")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/e/<event_key>", tags=["public"], summary="The event's public landing page", responses=PAGE_RESPONSES
    )
    def landing(
        event_key: Annotated[str, EVENT_KEY], t: Annotated[str, TOKEN] = "", email: Annotated[str, EMAIL] = ""
    ) -> Response[str]:
        event = access.signed_event(event_key, t, "event", event_key)
        landing_url = links.landing(event_key)
        view = pages.LandingLinks(
            landing=landing_url,
            rsvp={a.value: links.rsvp(event_key, a.value) for a in ButtonAnswer},
            calendar=calendar_links(event, landing_url, links.ics(event_key)),
        )
        token = form_guard.form_token(links, event_key, services.clock())
        return page(pages.landing_page(site(settings), event, view, token, email))

    @router.get(
        "/e/<event_key>/invite.ics",
        tags=["public"],
        summary="The event as a calendar file (METHOD:PUBLISH)",
        responses={
            200: {"description": "iCalendar", "content": {"text/calendar": {"schema": {"type": "string"}}}}
        },
    )
    def ics(event_key: Annotated[str, EVENT_KEY], t: Annotated[str, TOKEN] = "") -> Response[bytes]:
        event = access.signed_event(event_key, t, "event", event_key)
        return Response(
            status_code=200,
            content_type="text/calendar; charset=utf-8; method=PUBLISH",
            body=publish_ics(event),
            headers={"Content-Disposition": 'attachment; filename="invite.ics"', "Cache-Control": "no-store"},
        )

    @router.get(
        "/e/<event_key>/rsvp/<answer>",
        tags=["public"],
        summary="The form behind an RSVP button: it asks for the address",
        responses={**PAGE_RESPONSES, 410: HTML_PAGE},
    )
    def rsvp_form(
        event_key: Annotated[str, EVENT_KEY],
        answer: ButtonAnswer,
        t: Annotated[str, TOKEN] = "",
        email: Annotated[str, EMAIL] = "",
    ) -> Response[str]:
        event = access.signed_event(event_key, t, "rsvp", event_key, answer.value)
        if event.cancelled:
            return page(
                pages.message_page(site(settings), event.summary, "This event has been cancelled.", ok=False),
                410,
            )
        return page(form(event, answer, email))

    @router.post(
        "/e/<event_key>/rsvp/<answer>",
        tags=["public"],
        summary="Record an answer; Yes and Maybe send a personal invitation",
        description=(
            "Only from the form's own page (Sec-Fetch-Site / Origin), with the form's `form_token`."
            " An address the event already knows gets a confirmation link by mail instead."
        ),
        responses=POST_RESPONSES,
    )
    def rsvp_submit(
        event_key: Annotated[str, EVENT_KEY],
        answer: ButtonAnswer,
        email: Annotated[str, Form(max_length=320)],
        form_token: Annotated[str, FORM_TOKEN] = "",
        t: Annotated[str, TOKEN] = "",
    ) -> Response[str]:
        event = access.signed_event(event_key, t, "rsvp", event_key, answer.value)
        refusal = from_another_site()
        if refusal is not None:
            return refusal
        if event.cancelled:
            return refused(event.summary, "This event has been cancelled.", 410)
        if not form_guard.form_token_valid(links, form_token, event_key, services.clock()):
            notice = "This form had expired. Please send it again."
            return page(form(event, answer, email, notice), 400)
        try:
            result = answer_from_form(
                services, event.key, answer, email, client=client_of(router.current_event)
            )
        except RsvpLimited as exc:
            return refused(event.summary, str(exc), 429, {"Retry-After": str(exc.retry_after)})
        except RsvpRefused as exc:
            # The form again, with what was typed and why it was refused: never a dead end.
            return page(form(event, answer, email, error=str(exc)), 400)
        return thanks(event, result)

    def confirming(event_key: str, answer: ButtonAnswer, t: str, email: str, x: str) -> Event:
        return access.signed_event(event_key, t, "confirm", event_key, answer.value, email, x)

    @router.get(
        "/e/<event_key>/confirm/<answer>",
        tags=["public"],
        summary="A confirmation link's page: it asks once more (a link scanner's GET changes nothing)",
        responses={**PAGE_RESPONSES, 410: HTML_PAGE},
    )
    def confirm_form(
        event_key: Annotated[str, EVENT_KEY],
        answer: ButtonAnswer,
        t: Annotated[str, TOKEN] = "",
        email: Annotated[str, Query(max_length=254)] = "",
        x: Annotated[str, CONFIRM] = "0",
    ) -> Response[str]:
        event = confirming(event_key, answer, t, email, x)
        if event.cancelled:
            return refused(event.summary, "This event has been cancelled.", 410)
        action = links.confirm_answer(event_key, answer.value, email, int(x))
        return page(pages.confirm_page(site(settings), event, answer.value, email, action))

    @router.post(
        "/e/<event_key>/confirm/<answer>",
        tags=["public"],
        summary="Confirm an answer given on the web for an address the event already knew",
        responses=POST_RESPONSES,
    )
    def confirm_submit(
        event_key: Annotated[str, EVENT_KEY],
        answer: ButtonAnswer,
        t: Annotated[str, TOKEN] = "",
        email: Annotated[str, Query(max_length=254)] = "",
        x: Annotated[str, CONFIRM] = "0",
    ) -> Response[str]:
        event = confirming(event_key, answer, t, email, x)
        refusal = from_another_site()
        if refusal is not None:
            return refusal
        try:
            result = confirmed_answer(services, event.key, answer, email, int(x))
        except RsvpRefused as exc:
            return refused(event.summary, str(exc), 400)
        return thanks(event, result)

    def unsubscribe_target(domain: str, t: str, email: str, o: str) -> tuple[str, str]:
        """The address and the scope a signed link stops: the domain, or the organizer `o` it names."""
        address = normalize_address(email)
        scope = normalize_address(o) if o else domain.strip().lower()
        signed = (email, domain, o) if o else (email, domain)
        if not (t and address and scope) or not links.verify(t, "unsubscribe", *signed):
            raise InvalidLink("unknown link")
        return address, scope

    @router.get(
        "/u/<domain>",
        tags=["public"],
        summary="Unsubscribe: asks to confirm (a link scanner's GET changes nothing)",
        responses=PAGE_RESPONSES,
    )
    def unsubscribe_form(
        domain: Annotated[str, Path(max_length=253)],
        t: Annotated[str, TOKEN] = "",
        email: Annotated[str, Query(max_length=254)] = "",
        o: Annotated[str, Query(max_length=254)] = "",
    ) -> Response[str]:
        address, scope = unsubscribe_target(domain, t, email, o)
        action = links.unsubscribe(email, o or domain)
        return page(pages.unsubscribe_page(site(settings), address, scope, action))

    @router.post(
        "/u/<domain>",
        tags=["public"],
        summary="One-click unsubscribe (RFC 8058): stops this domain's (or organizer's) invitations to the address",
        description=(
            "Mail clients POST `List-Unsubscribe=One-Click`; the signed URL alone identifies the request."
            " A link with `o` (an organizer on a public mail provider) stops that organizer's mail only."
        ),
        responses=PAGE_RESPONSES,
    )
    def unsubscribe(
        domain: Annotated[str, Path(max_length=253)],
        t: Annotated[str, TOKEN] = "",
        email: Annotated[str, Query(max_length=254)] = "",
        o: Annotated[str, Query(max_length=254)] = "",
    ) -> Response[str]:
        address, scope = unsubscribe_target(domain, t, email, o)
        services.store.suppress(address, scope=scope, reason="unsubscribe", at=services.clock())
        return page(
            pages.message_page(
                site(settings),
                "Unsubscribed",
                f"{address} will get no more invitations sent for {scope}.",
                ok=True,
            )
        )

    @router.get(
        "/static/<name>",
        tags=["public"],
        summary="The pages' CSS and JavaScript",
        responses={200: documented("CSS or JavaScript"), 404: HTML_PAGE},
    )
    def static_file(
        name: Annotated[str, Path(max_length=64)], v: Annotated[str, Query(max_length=32)] = ""
    ) -> Response[str]:
        asset = assets().get(name)
        if asset is None:
            raise InvalidLink("no such file")
        # A URL with the current digest never changes; any other is revalidated.
        cache = "public, max-age=31536000, immutable" if v == asset.digest else "no-cache"
        return Response(
            status_code=200,
            content_type=asset.content_type,
            body=asset.body,
            headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"},
        )

    return router
