"""The API Gateway application: public pages (signed links) and the JSON API, routed by Powertools."""

from __future__ import annotations

from urllib.parse import parse_qs

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from calsnack.api import pages
from calsnack.bootstrap import services
from calsnack.domain.model import Event
from calsnack.ical.publish import publish_ics
from calsnack.links import Links
from calsnack.usecases.answer_rsvp import ButtonAnswer, RsvpRefused, answer_rsvp

logger = Logger(child=True)
app = APIGatewayRestResolver(enable_validation=True)

HTML = "text/html; charset=utf-8"


def links() -> Links:
    s = services().settings
    return Links(s.link_key, s.base_url, s.domain)


def html(body: str, status: int = 200) -> Response[str]:
    return Response(
        status_code=status,
        content_type=HTML,
        body=body,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "form-action 'self'; img-src 'self' data:",
        },
    )


def signed_event(event_key: str, token: str, *parts: str) -> Event:
    """The event a signed link names; an altered or foreign link is simply not found."""
    if not links().verify(token, *parts):
        raise NotFoundError("unknown link")
    event = services().store.get_event(event_key)
    if event is None:
        raise NotFoundError("unknown event")
    return event


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/e/<event_key>")
def landing(event_key: str) -> Response[str]:
    token = app.current_event.get_query_string_value("t", "") or ""
    event = signed_event(event_key, token, "event", event_key)
    l = links()  # noqa: E741
    rsvp = {a: l.rsvp(event_key, a) for a in ("yes", "maybe", "no")}
    return html(pages.landing_page(event, rsvp, l.ics(event_key)))


@app.get("/e/<event_key>/invite.ics")
def ics(event_key: str) -> Response[bytes]:
    token = app.current_event.get_query_string_value("t", "") or ""
    event = signed_event(event_key, token, "event", event_key)
    return Response(
        status_code=200,
        content_type="text/calendar; charset=utf-8; method=PUBLISH",
        body=publish_ics(event),
        headers={"Content-Disposition": 'attachment; filename="invite.ics"'},
    )


@app.get("/e/<event_key>/rsvp/<answer>")
def rsvp_form(event_key: str, answer: str) -> Response[str]:
    token = app.current_event.get_query_string_value("t", "") or ""
    if answer not in ButtonAnswer.__members__.values():
        raise NotFoundError("unknown answer")
    event = signed_event(event_key, token, "rsvp", event_key, answer)
    if event.cancelled:
        return html(pages.message_page(event.summary, "This event has been cancelled.", ok=False), 410)
    email = app.current_event.get_query_string_value("email", "") or ""
    action = f"{services().settings.base_url.rstrip('/')}/e/{event_key}/rsvp/{answer}"
    return html(pages.rsvp_form(event, answer, action, token, email))


@app.post("/e/<event_key>/rsvp/<answer>")
def rsvp_submit(event_key: str, answer: str) -> Response[str]:
    form = {k: v[0] for k, v in parse_qs(app.current_event.decoded_body or "").items() if v}
    token = form.get("t") or app.current_event.get_query_string_value("t", "") or ""
    if answer not in ButtonAnswer.__members__.values():
        raise NotFoundError("unknown answer")
    event = signed_event(event_key, token, "rsvp", event_key, answer)
    try:
        result = answer_rsvp(services(), event.key, ButtonAnswer(answer), form.get("email", ""))
    except RsvpRefused as exc:
        return html(pages.message_page(event.summary, str(exc), ok=False), 400)
    message = (
        f"Thank you. A calendar invitation is on its way to {result.email}."
        if result.invitation_queued
        else f"Thank you. We recorded that {result.email} will not attend."
    )
    return html(pages.message_page(event.summary, message, ok=True))


@app.not_found
def not_found(_: Exception) -> Response[str]:
    return html(pages.message_page("Not found", "This link is not valid.", ok=False), 404)


@app.exception_handler(NotFoundError)  # type: ignore[untyped-decorator]
def unknown(_: NotFoundError) -> Response[str]:
    return html(pages.message_page("Not found", "This link is not valid.", ok=False), 404)
