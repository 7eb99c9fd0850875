"""The organizer's dashboard: the magic link opens one organizer's events, until it expires."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from calsnack.domain.model import PartStat

from tests.unit.api.conftest import ORGANIZER, answer, cancel, make_event, path_of, queued_deliveries

pytestmark = pytest.mark.usefixtures("services")

LATER = int(time.time()) + 86_400


def auth(links, organizer: str = ORGANIZER, expires: int = LATER) -> str:
    """The o/x/t query of a dashboard link, as the dashboard's script passes it on."""
    query = parse_qs(urlsplit(links.dashboard(organizer, expires)).query)
    return urlencode({k: v[0] for k, v in query.items()})


def test_the_magic_link_opens_the_dashboard(gateway, links):
    page = gateway.get(path_of(links.dashboard(ORGANIZER, LATER)))
    assert page.status == 200
    assert "Your events" in page.text and ORGANIZER in page.text
    assert "/static/dashboard.js" in page.text
    assert "unsafe-inline" not in page.headers["content-security-policy"]


def test_an_expired_link_is_refused(gateway, links):
    url = links.dashboard(ORGANIZER, int(time.time()) - 1)
    page = gateway.get(path_of(url))
    assert page.status == 403
    assert "expired" in page.text
    api = gateway.get(f"/dashboard/api/events?{auth(links, expires=int(time.time()) - 1)}")
    assert api.status == 403


@pytest.mark.parametrize(
    "change",
    [
        {"o": "mallory@example.com"},  # another organizer
        {"x": str(LATER + 10**6)},  # a later expiry
        {"t": "AAAAAAAAAAAAAAAAAAAAAAAA"},  # a made-up signature
        {"t": ""},  # no signature
        {"x": "soon"},
    ],
)
def test_an_altered_link_is_refused(gateway, links, change):
    parts = {k: v[0] for k, v in parse_qs(auth(links)).items()} | change
    query = urlencode(parts)
    assert gateway.get(f"/dashboard?{query}").status == 403
    assert gateway.get(f"/dashboard/api/events?{query}").status == 403


def test_events_list_only_the_organizers_own_with_counts(gateway, services, links):
    mine = make_event(services, summary="Mine", event_id="a")
    make_event(services, summary="Theirs", event_id="b", organizer="mallory@example.com")
    answer(services, mine, "ann@example.org", PartStat.ACCEPTED)
    answer(services, mine, "bob@example.org", PartStat.TENTATIVE)
    answer(services, mine, "cid@example.org", PartStat.DECLINED)
    data = gateway.get(f"/dashboard/api/events?{auth(links)}").json()
    assert data["organizer"] == ORGANIZER
    assert [e["summary"] for e in data["events"]] == ["Mine"]
    ev = data["events"][0]
    assert ev["counts"] | {} == {
        "invited": 0,
        "accepted": 1,
        "tentative": 1,
        "declined": 1,
        "needs_action": 0,
    }
    assert ev["landing_url"] == links.landing(mine.key)
    assert ev["rsvp"]["yes"] == links.rsvp(mine.key, "yes")
    assert "Yes, I'll be there" in ev["snippet_html"]


def test_another_organizers_event_is_not_found(gateway, services, links):
    theirs = make_event(services, event_id="b", organizer="mallory@example.com")
    for path in ("timeline", "attendees", "attendees.csv"):
        assert gateway.get(f"/dashboard/api/events/{theirs.key}/{path}?{auth(links)}").status == 404
    reply = gateway.post(
        f"/dashboard/api/events/{theirs.key}/vips?{auth(links)}",
        body=json.dumps({"addresses": "eve@example.org"}),
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 404


def test_timeline_counts_answers_per_hour(gateway, services, links):
    event = make_event(services)
    base = datetime(2030, 1, 1, 9, 15, tzinfo=UTC)
    answer(services, event, "a@example.org", PartStat.ACCEPTED, base)
    answer(services, event, "b@example.org", PartStat.ACCEPTED, base + timedelta(minutes=5))
    answer(services, event, "c@example.org", PartStat.DECLINED, base + timedelta(hours=2))
    data = gateway.get(f"/dashboard/api/events/{event.key}/timeline?{auth(links)}").json()
    assert data["unit"] == "hour" and data["complete"] is True
    assert [(b["accepted"], b["tentative"], b["declined"]) for b in data["buckets"]] == [
        (2, 0, 0),
        (0, 0, 0),
        (0, 0, 1),
    ]


def test_timeline_of_a_long_campaign_counts_per_day(gateway, services, links):
    event = make_event(services)
    base = datetime(2030, 1, 1, 9, tzinfo=UTC)
    answer(services, event, "a@example.org", PartStat.TENTATIVE, base)
    answer(services, event, "b@example.org", PartStat.ACCEPTED, base + timedelta(days=4))
    data = gateway.get(f"/dashboard/api/events/{event.key}/timeline?{auth(links)}").json()
    assert data["unit"] == "day" and len(data["buckets"]) == 5


def test_attendees_come_in_pages_and_by_answer(gateway, services, links):
    event = make_event(services)
    for n in range(5):
        answer(services, event, f"p{n}@example.org", PartStat.ACCEPTED if n % 2 == 0 else PartStat.DECLINED)
    first = gateway.get(f"/dashboard/api/events/{event.key}/attendees?{auth(links)}&limit=2").json()
    assert [a["email"] for a in first["attendees"]] == ["p0@example.org", "p1@example.org"]
    assert first["next"] == "p1@example.org"
    rest = gateway.get(
        f"/dashboard/api/events/{event.key}/attendees?{auth(links)}&limit=5&after=p1@example.org"
    )
    assert [a["email"] for a in rest.json()["attendees"]] == [
        "p2@example.org",
        "p3@example.org",
        "p4@example.org",
    ]
    assert rest.json()["next"] is None
    declined = gateway.get(
        f"/dashboard/api/events/{event.key}/attendees?{auth(links)}&status=DECLINED"
    ).json()
    assert {a["status"] for a in declined["attendees"]} == {"DECLINED"}
    assert gateway.get(f"/dashboard/api/events/{event.key}/attendees?{auth(links)}&limit=0").status == 422


def test_csv_export_is_formula_safe(gateway, services, links):
    event = make_event(services)
    answer(services, event, "=cmd|'/c calc'!a1@example.org", PartStat.ACCEPTED)
    answer(services, event, "ann@example.org", PartStat.DECLINED)
    reply = gateway.get(f"/dashboard/api/events/{event.key}/attendees.csv?{auth(links)}")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(reply.body.decode("utf-8-sig"))))
    assert rows[0] == ["email", "answer", "answered_at", "channel", "invited", "invited_at", "comment"]
    emails = [r[0] for r in rows[1:]]
    assert emails == ["'=cmd|'/c calc'!a1@example.org", "ann@example.org"]


def test_a_vip_list_invites_every_address_once(gateway, services, links, queue):
    event = make_event(services)
    pasted = "name,email\nAnn,ann@example.org\nBob <BOB@example.org>; ann@example.org\nnot-an-address\n"
    reply = gateway.post(
        f"/dashboard/api/events/{event.key}/vips?{auth(links)}",
        body=json.dumps({"addresses": pasted}),
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 200, reply.text
    # The header row is no address to report; "not-an-address" is listed back, not dropped silently.
    assert reply.json() == {
        "found": 2,
        "invited": 2,
        "sample": ["ann@example.org", "bob@example.org"],
        "not_addresses": 1,
        "not_addresses_sample": ["not-an-address"],
    }
    assert sorted(queued_deliveries(queue)) == [
        (event.key, "ann@example.org"),
        (event.key, "bob@example.org"),
    ]


@pytest.mark.parametrize("cancelled", [False, True])
def test_an_unusable_vip_list_is_refused_with_a_reason(gateway, services, links, cancelled):
    event = make_event(services)
    if cancelled:
        event = cancel(services, event)
    text = "ann@example.org" if cancelled else "nobody here"
    reply = gateway.post(
        f"/dashboard/api/events/{event.key}/vips?{auth(links)}",
        body=json.dumps({"addresses": text}),
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 400
    assert ("cancelled" if cancelled else "no e-mail addresses") in reply.json()["message"]
    if not cancelled:
        assert "(rows without one: nobody here)" in reply.json()["message"]


def test_rows_without_an_address_are_named_as_typed(gateway, services, links, queue):
    event = make_event(services)
    pasted = "Vera <vera@example.org>\nVictor, victor at example dot org\n\nbob@\n  \nval@example.org\n"
    reply = gateway.post(
        f"/dashboard/api/events/{event.key}/vips?{auth(links)}",
        body=json.dumps({"addresses": pasted}),
        headers={"Content-Type": "application/json"},
    )
    data = reply.json()
    assert data["found"] == 2 and data["not_addresses"] == 2
    assert data["not_addresses_sample"] == ["Victor, victor at example dot org", "bob@"]


def test_counts_are_polled_from_a_small_endpoint(gateway, services, links):
    mine = make_event(services)
    theirs = make_event(services, organizer="someone@example.net")
    answer(services, mine, "ann@example.org", PartStat.ACCEPTED)
    first = gateway.get(f"/dashboard/api/counts?{auth(links)}").json()
    assert [e["key"] for e in first["events"]] == [mine.key]
    assert first["events"][0]["counts"]["accepted"] == 1 and first["events"][0]["status"] == "confirmed"
    answer(services, mine, "bob@example.org", PartStat.DECLINED)
    later = gateway.get(f"/dashboard/api/counts?{auth(links)}").json()["events"][0]["counts"]
    assert (later["accepted"], later["declined"]) == (1, 1)
    assert theirs.key not in json.dumps(later)
    assert gateway.get(f"/dashboard/api/counts?{auth(links, expires=int(time.time()) - 1)}").status == 403
