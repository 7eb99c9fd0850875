"""The public RSVP form under attack (issue 17.5): each attack of the red-team pass now fails, and
the person's own flow still works.

An anonymous post may not change a recorded answer or re-send an invitation (a confirmation
link goes to the address instead); a post must carry the token of a form we served and come
from our own page; posts are rate-limited per client, per event and per address.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from html import unescape
from pathlib import Path

import pytest
from calsnack.api.form_guard import FORM_WINDOW, cross_origin
from calsnack.domain.model import Delivery, Method, PartStat
from calsnack.usecases.answer_rsvp import (
    ButtonAnswer,
    FormOutcome,
    Limit,
    RsvpLimited,
    RsvpLimits,
    answer_from_form,
)

from tests.unit.api.conftest import BASE, answer, make_event, path_of, queued_deliveries

pytestmark = pytest.mark.usefixtures("services")


def outbox(services) -> list[EmailMessage]:
    folder = Path(services.mailer.outbox) / "new"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(folder.iterdir())
    ]


def confirmation_link(message: EmailMessage) -> str:
    html = message.get_body(("html",)).get_content()
    return unescape(re.search(r'href="([^"]+/confirm/[^"]+)"', html).group(1))


def test_an_anonymous_no_does_not_overwrite_a_recorded_yes(gateway, services, links, queue):
    """The red-team's first finding: Alice said Yes; a stranger's No with her address changed it."""
    event = make_event(services)
    answer(services, event, "alice@example.org", PartStat.ACCEPTED)
    reply = gateway.answer(path_of(links.rsvp(event.key, "no")), "Alice@Example.org")
    assert reply.status == 200
    assert "We sent a mail" in reply.text
    counts = services.store.counts(event.key)
    assert (counts.accepted, counts.declined) == (1, 0)
    [mail] = outbox(services)
    assert mail["To"] == "alice@example.org"
    assert mail["Auto-Submitted"] == "auto-generated"
    # Alice herself opens the link: a page that asks (a scanner's GET changes nothing), then her answer.
    url = confirmation_link(mail)
    assert url.startswith(f"{BASE}/e/{event.key}/confirm/no?")
    page = gateway.get(path_of(url))
    assert page.status == 200 and "Confirm: No" in page.text
    assert services.store.counts(event.key).declined == 0
    done = gateway.post(path_of(url))
    assert done.status == 200
    counts = services.store.counts(event.key)
    assert (counts.accepted, counts.declined) == (0, 1)
    assert queued_deliveries(queue) == []


def test_a_repeated_invitation_goes_out_only_once_the_address_confirms(gateway, services, links, queue):
    event = make_event(services)
    first = gateway.answer(path_of(links.rsvp(event.key, "yes")), "ann@example.org")
    assert "invitation is on its way" in first.text
    assert queued_deliveries(queue) == [(event.key, "ann@example.org")]
    again = gateway.answer(path_of(links.rsvp(event.key, "yes")), "ann@example.org")
    assert "We sent a mail" in again.text
    assert queued_deliveries(queue) == [(event.key, "ann@example.org")]
    gateway.post(path_of(confirmation_link(outbox(services)[0])))
    assert queued_deliveries(queue) == [(event.key, "ann@example.org")] * 2


def test_an_invited_address_with_no_answer_yet_is_protected_too(gateway, services, links, queue):
    """A declined attendee gets no updates: a stranger's No must not silence an invitee either."""
    event = make_event(services)
    services.store.record_sent(
        [Delivery(event.key, "ivy@example.org", event.sequence, Method.REQUEST)], datetime.now(UTC)
    )
    gateway.answer(path_of(links.rsvp(event.key, "no")), "ivy@example.org")
    assert services.store.counts(event.key).declined == 0
    assert [m["To"] for m in outbox(services)] == ["ivy@example.org"]


def test_an_altered_or_expired_confirmation_link_changes_nothing(gateway, services, links):
    event = make_event(services)
    answer(services, event, "alice@example.org", PartStat.ACCEPTED)
    gone = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    expired = links.confirm_answer(event.key, "no", "alice@example.org", gone)
    assert gateway.post(path_of(expired)).status == 400
    later = int((datetime.now(UTC) + timedelta(days=1)).timestamp())
    forged = links.confirm_answer(event.key, "no", "alice@example.org", later).replace(
        "alice%40", "mallory%40"
    )
    assert gateway.post(path_of(forged)).status == 404
    other_answer = links.confirm_answer(event.key, "no", "alice@example.org", later).replace("/no?", "/yes?")
    assert gateway.post(path_of(other_answer)).status == 404
    assert services.store.counts(event.key).accepted == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/page"},
        {"Origin": "null", "Referer": "http://evil.example/"},
    ],
)
def test_a_post_from_another_sites_page_is_refused(gateway, services, links, queue, headers):
    event = make_event(services)
    reply = gateway.answer(path_of(links.rsvp(event.key, "yes")), "ann@example.org", headers=headers)
    assert reply.status == 403
    assert services.store.counts(event.key).accepted == 0
    assert queued_deliveries(queue) == []


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a program: no browser headers at all
        {"Sec-Fetch-Site": "same-origin", "Origin": "null"},  # our no-referrer page, in Chromium
        {"Origin": BASE},
        {"Origin": "http://localhost:8080", "Host": "localhost:8080"},  # the page under its own host
        {"Origin": "null"},
    ],
)
def test_a_post_from_our_own_page_is_taken(headers):
    assert not cross_origin({k.lower(): v for k, v in headers.items()}, BASE)


def test_a_post_without_the_forms_token_or_with_a_stale_one_shows_the_form_again(gateway, services, links):
    event, other = make_event(services), make_event(services, event_id="other")
    target = path_of(links.rsvp(event.key, "yes"))
    window = int(datetime.now(UTC).timestamp()) // FORM_WINDOW
    for token in ("", links.rsvp_form_token(other.key, window), links.rsvp_form_token(event.key, window - 3)):
        reply = gateway.post_form(target, {"email": "ann@example.org", "form_token": token})
        assert reply.status == 400
        assert "This form had expired" in reply.text and 'value="ann@example.org"' in reply.text
    assert services.store.counts(event.key).accepted == 0
    kept = gateway.post_form(
        target, {"email": "ann@example.org", "form_token": links.rsvp_form_token(event.key, window - 2)}
    )
    assert kept.status == 200
    assert services.store.counts(event.key).accepted == 1


def test_the_landing_pages_form_carries_the_token_for_all_three_buttons(gateway, services, links):
    event = make_event(services)
    landing = gateway.get(path_of(links.landing(event.key)))
    token = re.search(r'name="form_token" value="([^"]+)"', landing.text).group(1)
    reply = gateway.post_form(
        path_of(links.rsvp(event.key, "maybe")), {"email": "m@example.org", "form_token": token}
    )
    assert reply.status == 200
    assert services.store.counts(event.key).tentative == 1


def test_a_relay_of_a_hundred_addresses_from_one_client_is_cut_off(gateway, services, links, queue):
    """The red-team posted 100 third-party addresses in half a second and got 100 invitations."""
    event = make_event(services)
    target = path_of(links.rsvp(event.key, "yes"))
    statuses = [gateway.answer(target, f"victim{n}@example.org").status for n in range(100)]
    allowed = RsvpLimits().per_client.hits
    assert statuses == [200] * allowed + [429] * (100 - allowed)
    assert len(queued_deliveries(queue)) == allowed
    refused = gateway.answer(target, "one-more@example.org")
    assert int(refused.headers["retry-after"]) <= RsvpLimits().per_client.seconds
    # Another client is not held up by this one.
    assert gateway.answer(target, "neighbour@example.org", client="198.51.100.7").status == 200


def test_one_address_is_named_a_few_times_an_hour_at_most(gateway, services, links):
    """Confirmation mails are mail too: they cannot be used to flood one mailbox."""
    event = make_event(services)
    answer(services, event, "alice@example.org", PartStat.ACCEPTED)
    target = path_of(links.rsvp(event.key, "no"))
    statuses = [gateway.answer(target, "alice@example.org", client=f"203.0.113.{n}").status for n in range(8)]
    allowed = RsvpLimits().per_address.hits
    assert statuses == [200] * allowed + [429] * (8 - allowed)
    assert len(outbox(services)) == allowed


def test_an_ipv6_client_is_counted_per_64_network(services):
    event = make_event(services)
    limits = RsvpLimits(per_client=Limit(2, 600))
    for n in range(2):
        answer_from_form(
            services, event.key, ButtonAnswer.NO, f"p{n}@example.org", client=f"2001:db8::{n}", limits=limits
        )
    with pytest.raises(RsvpLimited):
        answer_from_form(
            services, event.key, ButtonAnswer.NO, "p9@example.org", client="2001:db8::ffff:1", limits=limits
        )


def test_one_event_takes_a_bounded_number_of_posts_from_everyone(services):
    event = make_event(services)
    limits = RsvpLimits(per_event=Limit(3, 600))
    results = [
        answer_from_form(
            services, event.key, ButtonAnswer.YES, f"p{n}@example.org", client=f"192.0.2.{n}", limits=limits
        )
        for n in range(3)
    ]
    assert [r.outcome for r in results] == [FormOutcome.RECORDED] * 3
    with pytest.raises(RsvpLimited):
        answer_from_form(
            services, event.key, ButtonAnswer.YES, "p3@example.org", client="192.0.2.99", limits=limits
        )
