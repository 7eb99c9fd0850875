"""An expired dashboard link renews without a login: a fresh one goes to the link's organizer only."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from calsnack.usecases.renew_dashboard import RENEWALS_PER_HOUR

from tests.unit.api.conftest import ORGANIZER, cancel, make_event, path_of

pytestmark = pytest.mark.usefixtures("services")

LAPSED = 1_600_000_000
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


def mails(services) -> list[email.message.EmailMessage]:
    folder = Path(services.mailer.outbox) / "new"
    found = sorted(folder.iterdir()) if folder.exists() else []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in found]


def renew_action(page: str) -> str:
    [action] = re.findall(r'<form method="post" action="([^"]+)"', page)
    return path_of(action.replace("&amp;", "&"))


def test_the_expired_page_mails_a_fresh_link_to_the_links_organizer(gateway, services, links):
    soon = make_event(services, summary="Open day", event_id="open-day")
    gone = cancel(services, make_event(services, summary="Called off", event_id="off"))
    past = datetime.now(UTC) - timedelta(days=2)
    make_event(services, summary="Last year", event_id="old", start=past)
    make_event(services, summary="Not hers", event_id="other", organizer="ben@example.com")
    page = gateway.get(path_of(links.dashboard(ORGANIZER, LAPSED)))
    assert page.status == 403 and "This dashboard link has expired." in page.text
    assert ORGANIZER in page.text and "Mail me a fresh link" in page.text
    done = gateway.post(renew_action(page.text), body="email=eve%40evil.example", headers=SAME_SITE)
    assert done.status == 200 and f"on its way to {ORGANIZER}" in done.text
    [mail] = mails(services)
    assert mail["To"] == ORGANIZER
    text = mail.get_body(("plain",)).get_content()
    fresh = re.search(r"https://calsnack\.test/dashboard\?\S+", text)
    assert fresh is not None and gateway.get(path_of(fresh.group())).status == 200
    assert links.landing(soon.key) in text and links.rsvp(soon.key, "maybe") in text
    assert "Open day" in text and gone.summary not in text and "Last year" not in text
    assert "Not hers" not in text


def test_an_altered_link_renews_nothing(gateway, services, links):
    action = renew_action(gateway.get(path_of(links.dashboard(ORGANIZER, LAPSED))).text)
    moved = action.replace("o=olga%40example.com", "o=eve%40evil.example")
    assert gateway.post(moved, headers=SAME_SITE).status == 404
    assert gateway.post(action.replace("x=1600000000", "x=1600000001"), headers=SAME_SITE).status == 404
    assert mails(services) == []


def test_another_sites_page_cannot_press_the_button(gateway, services, links):
    action = renew_action(gateway.get(path_of(links.dashboard(ORGANIZER, LAPSED))).text)
    assert gateway.post(action, headers={"Sec-Fetch-Site": "cross-site"}).status == 403
    assert mails(services) == []


def test_renewals_are_limited_per_organizer(gateway, services, links):
    action = renew_action(gateway.get(path_of(links.dashboard(ORGANIZER, LAPSED))).text)
    statuses = [gateway.post(action, headers=SAME_SITE).status for _ in range(RENEWALS_PER_HOUR + 2)]
    assert statuses == [200] * RENEWALS_PER_HOUR + [429, 429]
    assert len(mails(services)) == RENEWALS_PER_HOUR
    # A still valid link asks on the same counter: the limit is the organizer's, not the link's.
    later = renew_action(gateway.get(path_of(links.dashboard(ORGANIZER, LAPSED + 60))).text)
    assert gateway.post(later, headers=SAME_SITE).status == 429


def test_a_bounced_organizer_gets_no_mail(gateway, services, links):
    services.store.suppress(ORGANIZER, "*", "bounce", datetime.now(UTC))
    action = renew_action(gateway.get(path_of(links.dashboard(ORGANIZER, LAPSED))).text)
    assert gateway.post(action, headers=SAME_SITE).status == 409
    assert mails(services) == []


def test_the_dashboards_script_still_gets_json_for_an_expired_link(gateway, links):
    query = path_of(links.dashboard(ORGANIZER, LAPSED)).partition("?")[2]
    reply = gateway.get(f"/dashboard/api/events?{query}")
    assert reply.status == 403 and reply.headers["content-type"].startswith("application/json")
