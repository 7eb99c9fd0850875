"""Landing page, RSVP form, .ics and unsubscribe: signed links only, and nothing typed ever runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from calsnack.domain.model import PartStat
from icalendar import Calendar

from tests.unit.api.conftest import (
    BASE,
    answer,
    cancel,
    make_event,
    path_of,
    queued_deliveries,
    script_tags,
)

pytestmark = pytest.mark.usefixtures("services")


def altered(url: str) -> str:
    """The same link with one character of its signature changed."""
    token = parse_qs(urlsplit(url).query)["t"][0]
    flipped = ("A" if token[0] != "A" else "B") + token[1:]
    return url.replace(f"t={token}", f"t={flipped}")


def test_landing_page_shows_the_event_and_its_ways_to_answer(gateway, services, links):
    event = make_event(
        services,
        summary="Oil change reminder",
        location="Garage 4, Main Street",
        meeting_url="https://meet.google.com/abc-defg-hij",
        description="Bring the car key.\nDetails: https://example.com/info",
    )
    page = gateway.get(path_of(links.landing(event.key)))
    assert page.status == 200
    html = page.text
    assert "<h1>Oil change reminder</h1>" in html
    assert "(Europe/Berlin)" in html  # the time in the event's own zone
    assert f'data-start="{event.start.isoformat()}"' in html  # landing.js fills in the visitor's time
    assert "Garage 4, Main Street" in html
    assert 'href="https://meet.google.com/abc-defg-hij"' in html
    assert 'href="https://example.com/info"' in html
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE&amp;" in html
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in html
    assert "https://outlook.office.com/calendar/0/deeplink/compose?" in html
    assert links.ics(event.key).replace("&", "&amp;") in html
    assert 'name="email"' in html
    for answer_ in ("yes", "maybe", "no"):
        assert f'formaction="{links.rsvp(event.key, answer_)}"' in html
    assert script_tags(html) == [f'<script src="{BASE}/static/landing.js?v={_digest("landing.js")}" defer>']


def _digest(name: str) -> str:
    from calsnack.api.assets import assets

    return assets()[name].digest


def test_pages_carry_a_strict_content_security_policy(gateway, services, links):
    event = make_event(services)
    page = gateway.get(path_of(links.landing(event.key)))
    policy = page.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"


def test_google_link_carries_the_event_in_utc(gateway, services, links):
    start = datetime(2031, 3, 4, 15, 30, tzinfo=UTC)
    event = make_event(services, start=start, end=start.replace(hour=17, minute=0), summary="Launch")
    html = gateway.get(path_of(links.landing(event.key))).text
    google = re.search(r'href="(https://calendar\.google\.com[^"]+)"', html)
    assert google is not None
    query = parse_qs(urlsplit(google.group(1).replace("&amp;", "&")).query)
    assert query["dates"] == ["20310304T153000Z/20310304T170000Z"]
    assert query["text"] == ["Launch"]
    assert query["ctz"] == ["Europe/Berlin"]


@pytest.mark.parametrize("kind", ["landing", "ics", "rsvp"])
def test_an_altered_link_finds_nothing(gateway, services, links, kind):
    event = make_event(services)
    url = {
        "landing": links.landing(event.key),
        "ics": links.ics(event.key),
        "rsvp": links.rsvp(event.key, "yes"),
    }[kind]
    assert gateway.get(path_of(url)).status == 200
    reply = gateway.get(path_of(altered(url)))
    assert reply.status == 404
    assert "This link is not valid." in reply.text


def test_a_signature_of_one_event_opens_no_other(gateway, services, links):
    first, second = make_event(services, event_id="one"), make_event(services, event_id="two")
    token = parse_qs(urlsplit(links.landing(first.key)).query)["t"][0]
    assert gateway.get(f"/e/{second.key}?t={token}").status == 404
    # A landing signature does not open the RSVP form either (each link grants one thing).
    assert gateway.get(f"/e/{first.key}/rsvp/yes?t={token}").status == 404


def test_missing_or_malformed_parts_are_not_found(gateway, services, links):
    event = make_event(services)
    assert gateway.get(f"/e/{event.key}").status == 404
    assert gateway.get("/e/not-a-key?t=abc").status == 404
    assert gateway.get(f"/e/{event.key}/rsvp/perhaps?t=abc").status == 404


def test_an_altered_rsvp_post_records_nothing(gateway, services, links, queue):
    event = make_event(services)
    reply = gateway.post_form(path_of(altered(links.rsvp(event.key, "yes"))), {"email": "ann@example.org"})
    assert reply.status == 404
    assert services.store.counts(event.key).accepted == 0
    assert queued_deliveries(queue) == []


def test_yes_records_the_answer_and_queues_a_personal_invitation(gateway, services, links, queue):
    event = make_event(services)
    form = gateway.get(path_of(links.rsvp(event.key, "yes", email="ann@example.org")))
    assert 'value="ann@example.org"' in form.text  # pre-filled for mail-merge tools
    reply = gateway.answer(path_of(links.rsvp(event.key, "yes")), "Ann@Example.org")
    assert reply.status == 200
    assert "invitation is on its way to ann@example.org" in reply.text
    assert services.store.counts(event.key).accepted == 1
    assert queued_deliveries(queue) == [(event.key, "ann@example.org")]


def test_no_records_a_decline_without_an_invitation(gateway, services, links, queue):
    event = make_event(services)
    reply = gateway.answer(path_of(links.rsvp(event.key, "no")), "bob@example.org")
    assert reply.status == 200
    assert services.store.counts(event.key).declined == 1
    assert queued_deliveries(queue) == []


@pytest.mark.parametrize("address", ["", "not an address", "a@b", "x" * 300 + "@example.org"])
def test_an_invalid_address_is_refused_on_a_page(gateway, services, links, address):
    event = make_event(services)
    reply = gateway.answer(path_of(links.rsvp(event.key, "yes")), address)
    assert reply.status == 400
    assert reply.headers["content-type"].startswith("text/html")
    assert "valid e-mail address" in reply.text


def test_a_cancelled_event_shows_so_and_takes_no_answers(gateway, services, links, queue):
    event = cancel(services, make_event(services))
    landing = gateway.get(path_of(links.landing(event.key)))
    assert landing.status == 200
    assert "This event has been cancelled." in landing.text
    assert 'name="email"' not in landing.text
    assert "calendar.google.com" not in landing.text
    assert gateway.get(path_of(links.rsvp(event.key, "yes"))).status == 410
    reply = gateway.post_form(path_of(links.rsvp(event.key, "yes")), {"email": "ann@example.org"})
    assert reply.status == 410
    assert queued_deliveries(queue) == []


def test_an_updated_event_says_so(gateway, services, links):
    event = make_event(services)
    services.store.put_event(event.revised(sequence=1, summary="Moved webinar"))
    html = gateway.get(path_of(links.landing(event.key))).text
    assert "This event was updated" in html
    assert "Moved webinar" in html


def test_the_calendar_file_is_a_publish_of_the_event(gateway, services, links):
    event = make_event(services, summary="Download me")
    reply = gateway.get(path_of(links.ics(event.key)))
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(reply.body)
    assert calendar["METHOD"] == "PUBLISH"
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Download me"]


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'


@pytest.mark.parametrize("field", ["summary", "location", "description", "meeting_url", "organizer_name"])
def test_script_in_any_event_field_is_escaped_on_every_page(gateway, services, links, field):
    event = make_event(services, **{field: HOSTILE})
    answer(services, event, "ann@example.org", PartStat.ACCEPTED)
    pages = [
        gateway.get(path_of(links.landing(event.key))),
        gateway.get(path_of(links.rsvp(event.key, "yes"))),
        gateway.get(path_of(links.rsvp(event.key, "maybe", email=HOSTILE))),
        gateway.answer(path_of(links.rsvp(event.key, "no")), "bob@example.org"),
        gateway.get(path_of(links.dashboard(event.organizer, 4_000_000_000))),
    ]
    for page in pages:
        assert page.status in (200, 400), page.text[:200]
        html = page.text
        assert "<img" not in html
        assert all("/static/" in tag for tag in script_tags(html)), script_tags(html)
    if field != "organizer_name":  # the only field no page shows
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages[0].text


def test_a_javascript_meeting_link_is_not_a_link(gateway, services, links):
    event = make_event(services, meeting_url="javascript:alert(document.cookie)")
    html = gateway.get(path_of(links.landing(event.key))).text
    assert 'href="javascript:' not in html
    assert "javascript:alert(document.cookie)" in html  # shown as text


def test_static_files_are_served_with_their_types(gateway):
    css = gateway.get("/static/app.css")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    js = gateway.get(f"/static/landing.js?v={_digest('landing.js')}")
    assert js.headers["content-type"].startswith("text/javascript")
    assert "immutable" in js.headers["cache-control"]
    assert gateway.get("/static/nothing.js").status == 404


def test_unsubscribe_asks_first_then_one_click_suppresses(gateway, services, links):
    url = links.unsubscribe("ann@example.org", "example.com")
    page = gateway.get(path_of(url))
    assert page.status == 200
    assert "ann@example.org" in page.text and "example.com" in page.text
    assert services.store.suppressed(["ann@example.org"], "example.com") == set()  # a GET changes nothing
    done = gateway.post_form(path_of(url), {"List-Unsubscribe": "One-Click"})
    assert done.status == 200
    assert services.store.suppressed(["ann@example.org"], "example.com") == {"ann@example.org"}
    assert services.store.suppressed(["ann@example.org"], "other.example") == set()


def test_one_click_unsubscribe_needs_no_body(gateway, services, links):
    url = links.unsubscribe("bob@example.org", "example.com")
    assert gateway.post(path_of(url)).status == 200
    assert services.store.suppressed(["bob@example.org"], "example.com") == {"bob@example.org"}


def test_an_altered_unsubscribe_link_suppresses_nothing(gateway, services, links):
    url = links.unsubscribe("ann@example.org", "example.com")
    forged = url.replace("email=ann%40example.org", "email=eve%40example.org")
    assert gateway.post(path_of(forged)).status == 404
    assert gateway.post(path_of(altered(url))).status == 404
    assert services.store.suppressed(["ann@example.org", "eve@example.org"], "example.com") == set()


def test_a_public_providers_unsubscribe_stops_that_organizer_only(gateway, services, links):
    url = links.unsubscribe("ann@example.org", "Alice@gmail.com")
    assert "o=alice%40gmail.com" in url
    assert "alice@gmail.com" in gateway.get(path_of(url)).text
    assert gateway.post(path_of(url)).status == 200
    assert services.store.suppressed(["ann@example.org"], "alice@gmail.com") == {"ann@example.org"}
    assert services.store.suppressed(["ann@example.org"], "bob@gmail.com") == set()


def test_a_public_providers_link_cannot_be_widened_to_the_provider_or_moved_to_another_organizer(
    gateway, services, links
):
    url = links.unsubscribe("ann@example.org", "alice@gmail.com")
    assert gateway.post(path_of(url.replace("&o=alice%40gmail.com", ""))).status == 404
    assert gateway.post(path_of(url.replace("o=alice", "o=bob"))).status == 404
    assert services.store.suppressed(["ann@example.org"], "gmail.com") == set()


def test_a_company_domains_link_is_the_same_for_all_its_organizers(links):
    assert links.unsubscribe("ann@example.org", "olga@corp.example") == links.unsubscribe(
        "ann@example.org", "corp.example"
    )
    assert "o=" not in links.unsubscribe("ann@example.org", "olga@corp.example")


def test_unknown_paths_are_a_page_for_people_and_json_for_programs(gateway):
    page = gateway.get("/nowhere")
    assert page.status == 404 and page.headers["content-type"].startswith("text/html")
    assert gateway.get("/dashboard/api/nowhere").json()["statusCode"] == 404


def test_the_openapi_document_describes_every_area(gateway):
    doc = gateway.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in (
        "/e/{event_key}",
        "/dashboard/api/events",
        "/batches",
        "/reports/domain",
        "/apikeys",
        "/u/{domain}",
    ):
        assert path in doc["paths"], path
    assert set(doc["components"]["securitySchemes"]) == {"bearerAuth", "apiKeyHeader"}
    assert "text/csv" in doc["paths"]["/batches"]["post"]["requestBody"]["content"]
    assert doc["paths"]["/batches"]["post"]["security"]
    assert "Report" in doc["components"]["schemas"]
