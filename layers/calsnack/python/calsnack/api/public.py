"""Public routes reached through signed links: landing page, RSVP form, .ics, unsubscribe, static files."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Form, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from calsnack.api import pages
from calsnack.api.access import InvalidLink, links, signed_event
from calsnack.api.assets import assets
from calsnack.api.calendar_links import google_calendar_url, office365_url, outlook_com_url
from calsnack.api.responses import HTML_PAGE, documented, html
from calsnack.bootstrap import services
from calsnack.domain.model import EVENT_KEY_PATTERN, normalize_address
from calsnack.ical.publish import publish_ics
from calsnack.usecases.answer_rsvp import ButtonAnswer, RsvpRefused, answer_rsvp

router = Router()  # type: ignore[no-untyped-call]

EVENT_KEY = Path(pattern=f"^{EVENT_KEY_PATTERN}$", description="the event's key, as in the signed link")
TOKEN = Query(max_length=64, description="the link's signature")
EMAIL = Query(max_length=254, description="pre-fills the address field (mail-merge tools)")
PAGE_RESPONSES: dict[int, OpenAPIResponse] = {200: HTML_PAGE, 404: HTML_PAGE}


def site() -> pages.Site:
    s = services().settings
    return pages.Site(s.base_url, s.product_name)


def page(body: str, status: int = 200) -> Response[str]:
    return html(body, services().settings.base_url, status)


@router.get("/healthz", tags=["public"], summary="Liveness check")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/e/<event_key>", tags=["public"], summary="The event's public landing page", responses=PAGE_RESPONSES
)
def landing(
    event_key: Annotated[str, EVENT_KEY], t: Annotated[str, TOKEN] = "", email: Annotated[str, EMAIL] = ""
) -> Response[str]:
    event = signed_event(event_key, t, "event", event_key)
    l = links()  # noqa: E741
    landing_url = l.landing(event_key)
    view = pages.LandingLinks(
        landing=landing_url,
        ics=l.ics(event_key),
        rsvp={a.value: l.rsvp(event_key, a.value) for a in ButtonAnswer},
        google=google_calendar_url(event, landing_url),
        outlook=outlook_com_url(event, landing_url),
        office365=office365_url(event, landing_url),
    )
    return page(pages.landing_page(site(), event, view, email))


@router.get(
    "/e/<event_key>/invite.ics",
    tags=["public"],
    summary="The event as a calendar file (METHOD:PUBLISH)",
    responses={
        200: {"description": "iCalendar", "content": {"text/calendar": {"schema": {"type": "string"}}}}
    },
)
def ics(event_key: Annotated[str, EVENT_KEY], t: Annotated[str, TOKEN] = "") -> Response[bytes]:
    event = signed_event(event_key, t, "event", event_key)
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
    event = signed_event(event_key, t, "rsvp", event_key, answer.value)
    if event.cancelled:
        return page(
            pages.message_page(site(), event.summary, "This event has been cancelled.", ok=False), 410
        )
    action = links().rsvp(event_key, answer.value)
    return page(pages.rsvp_form(site(), event, answer.value, action, email))


@router.post(
    "/e/<event_key>/rsvp/<answer>",
    tags=["public"],
    summary="Record an answer; Yes and Maybe send a personal invitation",
    responses={**PAGE_RESPONSES, 400: HTML_PAGE},
)
def rsvp_submit(
    event_key: Annotated[str, EVENT_KEY],
    answer: ButtonAnswer,
    email: Annotated[str, Form(max_length=320)],
    t: Annotated[str, TOKEN] = "",
) -> Response[str]:
    event = signed_event(event_key, t, "rsvp", event_key, answer.value)
    try:
        result = answer_rsvp(services(), event.key, answer, email)
    except RsvpRefused as exc:
        return page(pages.message_page(site(), event.summary, str(exc), ok=False), 400)
    message = (
        f"Thank you. A calendar invitation is on its way to {result.email}."
        if result.invitation_queued
        else f"Thank you. We recorded that {result.email} will not attend."
    )
    return page(pages.message_page(site(), event.summary, message, ok=True))


def _unsubscribe_target(domain: str, t: str, email: str) -> tuple[str, str]:
    address = normalize_address(email)
    scope = domain.strip().lower()
    if not (t and address and scope) or not links().verify(t, "unsubscribe", email, domain):
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
) -> Response[str]:
    address, scope = _unsubscribe_target(domain, t, email)
    action = links().unsubscribe(email, domain)
    return page(pages.unsubscribe_page(site(), address, scope, action))


@router.post(
    "/u/<domain>",
    tags=["public"],
    summary="One-click unsubscribe (RFC 8058): stops this domain's invitations to the address",
    description="Mail clients POST `List-Unsubscribe=One-Click`; the signed URL alone identifies the request.",
    responses=PAGE_RESPONSES,
)
def unsubscribe(
    domain: Annotated[str, Path(max_length=253)],
    t: Annotated[str, TOKEN] = "",
    email: Annotated[str, Query(max_length=254)] = "",
) -> Response[str]:
    address, scope = _unsubscribe_target(domain, t, email)
    services().store.suppress(address, scope=scope, reason="unsubscribe", at=services().clock())
    return page(
        pages.message_page(
            site(), "Unsubscribed", f"{address} will get no more invitations sent for {scope}.", ok=True
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
