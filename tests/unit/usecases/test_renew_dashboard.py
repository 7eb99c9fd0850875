"""renew_dashboard: a fresh dashboard link, only ever to the organizer's own mailbox, a few an hour."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from calsnack.domain.model import EventStatus
from calsnack.mail.snack import DASHBOARD_LINK_LIFETIME
from calsnack.ports import Rejected, Services, Throttled
from calsnack.usecases import renew_dashboard as renew_module
from calsnack.usecases.renew_dashboard import RENEWALS_PER_HOUR, Renewal, send_dashboard_links

from tests.harness import RecordingMailer, text_of
from tests.unit.usecases.conftest import DOMAIN, Clock, seed

ORGANIZER = "olga@corp.example"


def test_the_mail_carries_a_fresh_link_and_the_upcoming_events(
    recorded: Services, mailer: RecordingMailer, clock: Clock
) -> None:
    soon = clock.now + timedelta(days=2)
    later = clock.now + timedelta(days=9)
    seed(recorded, ORGANIZER, "later", summary="Later one", start=later, end=later + timedelta(hours=1))
    seed(recorded, ORGANIZER, "soon", summary="Soon one", start=soon, end=soon + timedelta(hours=1))
    past = clock.now - timedelta(days=1)
    seed(recorded, ORGANIZER, "past", summary="Past one", start=past, end=past + timedelta(hours=1))
    seed(recorded, ORGANIZER, "gone", summary="Gone one", status=EventStatus.CANCELLED)
    seed(recorded, "ann@corp.example", "theirs", summary="Not mine")

    assert (
        send_dashboard_links(recorded, "  OLGA@corp.example ", in_reply_to="<m1@corp.example>")
        is Renewal.SENT
    )
    [mail] = mailer.to(ORGANIZER)
    assert mail["In-Reply-To"] == "<m1@corp.example>"
    body = text_of(mail)
    assert body.index("Soon one") < body.index("Later one")
    assert "Past one" not in body and "Gone one" not in body and "Not mine" not in body
    [link] = [w for w in body.split() if "/dashboard?" in w]
    query = parse_qs(urlparse(link).query)
    assert query["o"] == [ORGANIZER]
    assert int(query["x"][0]) == int((clock.now + DASHBOARD_LINK_LIFETIME).timestamp())
    assert f"dashboard@{DOMAIN}" in body


def test_with_no_upcoming_event_the_mail_says_so(recorded: Services, mailer: RecordingMailer) -> None:
    send_dashboard_links(recorded, ORGANIZER)
    assert "You have no upcoming events." in text_of(mailer.to(ORGANIZER)[0])


def test_the_mail_lists_a_bounded_number_of_events(
    recorded: Services, mailer: RecordingMailer, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(renew_module, "UPCOMING_LISTED", 1)
    for n in (1, 2):
        start = clock.now + timedelta(days=n)
        seed(recorded, ORGANIZER, f"e{n}", summary=f"Event {n}", start=start, end=start + timedelta(hours=1))
    send_dashboard_links(recorded, ORGANIZER)
    body = text_of(mailer.to(ORGANIZER)[0])
    assert "Event 1" in body and "Event 2" not in body


def test_renewals_are_limited_per_hour(recorded: Services, mailer: RecordingMailer, clock: Clock) -> None:
    outcomes = [send_dashboard_links(recorded, ORGANIZER) for _ in range(RENEWALS_PER_HOUR + 1)]
    assert outcomes == [Renewal.SENT] * RENEWALS_PER_HOUR + [Renewal.LIMITED]
    assert len(mailer.sent) == RENEWALS_PER_HOUR
    # However the address is written, it is one mailbox's limit.
    assert send_dashboard_links(recorded, ORGANIZER.upper()) is Renewal.LIMITED
    clock.advance(hours=1)
    assert send_dashboard_links(recorded, ORGANIZER) is Renewal.SENT


def test_a_suppressed_organizer_is_not_mailed(
    recorded: Services, mailer: RecordingMailer, clock: Clock
) -> None:
    recorded.store.suppress(ORGANIZER, "*", "bounce", clock.now)
    assert send_dashboard_links(recorded, ORGANIZER) is Renewal.UNDELIVERABLE
    assert mailer.attempts == []


@pytest.mark.parametrize(
    ("error", "outcome"),
    [(Throttled("slow down"), Renewal.BUSY), (Rejected("no such mailbox"), Renewal.UNDELIVERABLE)],
)
def test_what_the_provider_answers_is_told(
    recorded: Services, mailer: RecordingMailer, error: Exception, outcome: Renewal
) -> None:
    mailer.failures[ORGANIZER] = error
    assert send_dashboard_links(recorded, ORGANIZER) is outcome
