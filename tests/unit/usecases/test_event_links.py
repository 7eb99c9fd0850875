"""event_links: which events a batch lists, and the links CSV an organizer opens in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
from calsnack.domain.model import BatchStatus
from calsnack.mail.snack import DASHBOARD_LINK_LIFETIME
from calsnack.ports import Services
from calsnack.usecases import event_links as links_module
from calsnack.usecases.event_links import (
    LINK_COLUMNS,
    batch_events,
    dashboard_link,
    event_links,
    links_csv,
)

from tests.unit.usecases.conftest import seed

NOW = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)


def _status(batch_id: str, domain: str = "corp.example") -> BatchStatus:
    return BatchStatus(batch_id=batch_id, sender=f"ops@{domain}", domain=domain)


def test_a_batch_lists_the_events_its_rows_changed_last(services: Services) -> None:
    seed(services, "ann@corp.example", "zeta", applied_row="b1:000000003")
    seed(services, "bob@corp.example", "alpha", applied_row="b1:000000009")
    seed(services, "ann@corp.example", "alpha", applied_row="b1:000000002")
    seed(services, "ann@corp.example", "later", applied_row="b2:000000002")  # a later batch changed it
    seed(services, "ann@corp.example", "prefix", applied_row="b10:000000002")  # not b1's, though it starts so
    seed(services, "eve@other.example", "theirs", applied_row="b1:000000002")  # another domain's
    listed = batch_events(services.store, _status("b1"))
    assert [(e.event_id, e.organizer) for e in listed] == [
        ("alpha", "ann@corp.example"),
        ("alpha", "bob@corp.example"),
        ("zeta", "ann@corp.example"),
    ]


def test_a_batch_lists_a_bounded_number_of_events(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(links_module, "EVENTS_LISTED", 2)
    for name in ("c", "a", "b"):
        seed(services, "ann@corp.example", name, applied_row="b1:000000002")
    assert [e.event_id for e in batch_events(services.store, _status("b1"))] == ["a", "b"]


def test_an_events_links_are_its_own(services: Services) -> None:
    event = seed(services, "ann@corp.example", "webinar")
    other = seed(services, "ann@corp.example", "other")
    mine, theirs = event_links(services.settings, event, NOW), event_links(services.settings, other, NOW)
    assert (mine.event_id, mine.summary) == ("webinar", event.summary)
    rsvp = [mine.rsvp_yes, mine.rsvp_maybe, mine.rsvp_no]
    assert [urlparse(u).path for u in rsvp] == [f"/e/{event.key}/rsvp/{a}" for a in ("yes", "maybe", "no")]
    assert len({parse_qs(urlparse(u).query)["t"][0] for u in rsvp}) == 3  # each answer signed apart
    assert urlparse(mine.landing_page).path == f"/e/{event.key}"
    assert mine.landing_page != theirs.landing_page


def test_a_dashboard_link_lasts_its_lifetime_from_now(services: Services) -> None:
    query = parse_qs(urlparse(dashboard_link(services.settings, "ann@corp.example", NOW)).query)
    assert query["o"] == ["ann@corp.example"]
    assert int(query["x"][0]) == int((NOW + DASHBOARD_LINK_LIFETIME).timestamp())


def test_the_links_csv_has_a_header_and_no_formula(services: Services) -> None:
    event = seed(services, "ann@corp.example", "=HYPERLINK(1)", summary="+SUM(A1)")
    data = links_csv([event_links(services.settings, event, NOW)])
    header, row = list(csv.reader(io.StringIO(data.decode())))
    assert tuple(header) == LINK_COLUMNS
    assert not row[0].startswith("=") and "HYPERLINK(1)" in row[0]
    assert not row[1].startswith("+") and "SUM(A1)" in row[1]
    assert row[LINK_COLUMNS.index("landing_page")].startswith("https://calsnack.test/e/")
