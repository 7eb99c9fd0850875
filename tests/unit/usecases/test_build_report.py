"""build_report: CONTRACT §4's report, by event, organizer or domain, with each event's counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from calsnack.domain.model import Answer, Channel, Delivery, Method, PartStat
from calsnack.ports import Services
from calsnack.usecases.build_report import report_domain, report_event, report_organizer

from tests.unit.usecases.conftest import seed

AT = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)


def test_an_events_report_has_its_counts_and_the_sequence_invitations_carry(services: Services) -> None:
    event = seed(services, "olga@corp.example", "webinar", sequence=4, quiet_revisions=1)
    services.store.record_sent([Delivery(event.key, "a@client.test", 4, Method.REQUEST)], AT)
    services.store.record_answer(
        event.key,
        Answer(event.organizer, event.event_id, "a@client.test", PartStat.ACCEPTED, AT, Channel.BUTTON),
    )
    [row] = report_event(services.store, "Olga@Corp.Example", "webinar")["events"]
    assert (row["organizer"], row["event_id"], row["status"], row["source"]) == (
        "olga@corp.example",
        "webinar",
        "confirmed",
        "csv",
    )
    assert row["sequence"] == 3  # a quiet revision raises no iTIP SEQUENCE
    assert row["start"] == event.start.isoformat() and row["timezone"] == event.timezone
    assert row["counts"]["invited"] == 1 and row["counts"]["accepted"] == 1
    assert row["activity"] == services.store.counts(event.key).activity()


def test_an_unknown_event_reports_nothing(services: Services) -> None:
    assert report_event(services.store, "olga@corp.example", "nope") == {"events": []}


def _ids(report: dict[str, Any]) -> list[str]:
    return sorted(e["event_id"] for e in report["events"])


def test_an_organizer_or_a_domain_reports_their_own_events(services: Services) -> None:
    seed(services, "olga@corp.example", "a")
    seed(services, "olga@corp.example", "b")
    seed(services, "ann@corp.example", "c")
    seed(services, "eve@other.example", "d")
    assert _ids(report_organizer(services.store, " OLGA@corp.example")) == ["a", "b"]
    assert _ids(report_domain(services.store, " Corp.Example ")) == ["a", "b", "c"]
