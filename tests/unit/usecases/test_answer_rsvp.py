"""answer_rsvp: a button answer recorded, a form post for a known address confirmed by mail first,
and every post counted against its client, event and address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from calsnack.domain.model import Answer, Channel, Delivery, EventStatus, Method, PartStat
from calsnack.ports import QueueName, Rejected, Services, Throttled
from calsnack.queue_messages import SendDeliveries
from calsnack.usecases.answer_rsvp import (
    CONFIRM_FOR,
    ButtonAnswer,
    FormOutcome,
    Limit,
    RsvpLimited,
    RsvpLimits,
    RsvpRefused,
    answer_from_form,
    answer_rsvp,
    confirmed_answer,
)

from tests.harness import RecordingMailer, RecordingQueue, text_of
from tests.unit.usecases.conftest import DOMAIN, Clock, seed

ORGANIZER = "olga@corp.example"
GUEST = "guest@client.test"
EARLIER = datetime(2031, 1, 1, tzinfo=UTC)


def _queued(queue: RecordingQueue) -> list[Delivery]:
    return [d for m in queue.decoded(QueueName.SENDS) if isinstance(m, SendDeliveries) for d in m.deliveries]


def _partstat(services: Services, key: str, email: str = GUEST) -> PartStat | None:
    attendee = services.store.get_attendees(key, [email]).get(email)
    return attendee.partstat if attendee else None


def _known(services: Services, key: str, partstat: PartStat = PartStat.ACCEPTED) -> None:
    event = services.store.get_event(key)
    assert event is not None
    services.store.record_answer(
        key, Answer(event.organizer, event.event_id, GUEST, partstat, EARLIER, Channel.BUTTON)
    )


# -- answer_rsvp ----------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [ButtonAnswer.YES, ButtonAnswer.MAYBE])
def test_yes_and_maybe_bring_the_current_invitation(
    recorded: Services, queue: RecordingQueue, answer: ButtonAnswer
) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    result = answer_rsvp(recorded, event.key, answer, "  Guest@Client.TEST ")
    assert (result.email, result.invitation_queued) == (GUEST, True)
    assert _partstat(recorded, event.key) is answer.partstat
    assert _queued(queue) == [Delivery(event.key, GUEST, event.sequence, Method.REQUEST)]


def test_no_is_recorded_and_sends_nothing(recorded: Services, queue: RecordingQueue) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    result = answer_rsvp(recorded, event.key, ButtonAnswer.NO, GUEST)
    assert not result.invitation_queued
    assert _partstat(recorded, event.key) is PartStat.DECLINED
    assert queue.messages[QueueName.SENDS] == []


def test_the_same_answer_again_queues_a_duplicate_the_queue_drops(
    recorded: Services, queue: RecordingQueue
) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    answer_rsvp(recorded, event.key, ButtonAnswer.YES, GUEST)
    answer_rsvp(recorded, event.key, ButtonAnswer.YES, GUEST)
    first, second = queue.messages[QueueName.SENDS]
    assert first.dedup_id == second.dedup_id


@pytest.mark.parametrize("email", ["not an address", "a@b", f"someone@{DOMAIN}", "x" * 250 + "@client.test"])
def test_an_unusable_address_is_refused(recorded: Services, queue: RecordingQueue, email: str) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    with pytest.raises(RsvpRefused, match="valid e-mail address"):
        answer_rsvp(recorded, event.key, ButtonAnswer.YES, email)
    assert queue.messages[QueueName.SENDS] == []


def test_an_unknown_event_is_refused(recorded: Services) -> None:
    with pytest.raises(RsvpRefused, match="does not exist"):
        answer_rsvp(recorded, "f" * 56, ButtonAnswer.YES, GUEST)


def test_a_cancelled_event_takes_no_answer(recorded: Services) -> None:
    event = seed(recorded, ORGANIZER, "webinar", status=EventStatus.CANCELLED)
    with pytest.raises(RsvpRefused, match="cancelled"):
        answer_rsvp(recorded, event.key, ButtonAnswer.YES, GUEST)
    assert _partstat(recorded, event.key) is None


# -- answer_from_form -----------------------------------------------------------------------------


def test_a_never_seen_address_is_recorded_at_once(
    recorded: Services, queue: RecordingQueue, mailer: RecordingMailer
) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    result = answer_from_form(recorded, event.key, ButtonAnswer.YES, GUEST, client="192.0.2.1")
    assert result.outcome is FormOutcome.RECORDED and result.invitation_queued
    assert _partstat(recorded, event.key) is PartStat.ACCEPTED
    assert len(_queued(queue)) == 1 and mailer.sent == []


def test_a_known_address_gets_a_confirmation_link_and_keeps_its_answer(
    recorded: Services, queue: RecordingQueue, mailer: RecordingMailer, clock: Clock
) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _known(recorded, event.key, PartStat.ACCEPTED)
    result = answer_from_form(recorded, event.key, ButtonAnswer.NO, GUEST, client="192.0.2.1")
    assert result.outcome is FormOutcome.CONFIRMATION_SENT and not result.invitation_queued
    assert _partstat(recorded, event.key) is PartStat.ACCEPTED  # only the mailbox's owner changes it
    assert queue.messages[QueueName.SENDS] == []
    [confirmation] = mailer.to(GUEST)
    [url] = [w for w in text_of(confirmation).split() if w.startswith("https://")]
    link = urlparse(url)
    assert link.path == f"/e/{event.key}/confirm/no"
    assert parse_qs(link.query)["x"] == [str(int((clock.now + CONFIRM_FOR).timestamp()))]


def test_a_suppressed_known_address_is_mailed_nothing(recorded: Services, mailer: RecordingMailer) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _known(recorded, event.key)
    recorded.store.suppress(GUEST, "*", "bounce", EARLIER)
    result = answer_from_form(recorded, event.key, ButtonAnswer.NO, GUEST, client="192.0.2.1")
    assert result.outcome is FormOutcome.CONFIRMATION_SENT  # the page tells no one who is suppressed
    assert mailer.attempts == []


def test_a_throttled_confirmation_asks_to_try_again(recorded: Services, mailer: RecordingMailer) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _known(recorded, event.key)
    mailer.failures[GUEST] = Throttled("slow down")
    with pytest.raises(RsvpRefused, match="try again in a few minutes"):
        answer_from_form(recorded, event.key, ButtonAnswer.NO, GUEST, client="192.0.2.1")


def test_a_rejected_confirmation_is_not_the_visitors_problem(
    recorded: Services, mailer: RecordingMailer
) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _known(recorded, event.key)
    mailer.failures[GUEST] = Rejected("no such mailbox")
    result = answer_from_form(recorded, event.key, ButtonAnswer.NO, GUEST, client="192.0.2.1")
    assert result.outcome is FormOutcome.CONFIRMATION_SENT


def test_the_form_refuses_an_unknown_event(recorded: Services) -> None:
    with pytest.raises(RsvpRefused, match="does not exist"):
        answer_from_form(recorded, "f" * 56, ButtonAnswer.YES, GUEST, client="192.0.2.1")


TIGHT = Limit(2, 600)


@pytest.mark.parametrize(
    ("limits", "posts"),
    [
        # One client naming many addresses.
        (RsvpLimits(per_client=TIGHT), [("192.0.2.1", f"p{i}@client.test") for i in range(3)]),
        # One IPv6 network: its hosts share a /64.
        (
            RsvpLimits(per_client=TIGHT),
            [
                ("2001:db8::1", "a@client.test"),
                ("2001:db8::2", "b@client.test"),
                ("2001:db8::3", "c@client.test"),
            ],
        ),
        # Many clients, one event.
        (RsvpLimits(per_event=TIGHT), [(f"192.0.2.{i}", f"p{i}@client.test") for i in range(3)]),
        # Many clients, one address.
        (RsvpLimits(per_address=Limit(2, 3600)), [(f"192.0.2.{i}", GUEST) for i in range(3)]),
    ],
)
def test_the_post_past_a_limit_is_refused_until_its_window_ends(
    recorded: Services, clock: Clock, limits: RsvpLimits, posts: list[tuple[str, str]]
) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    *allowed, (client, email) = posts
    for c, e in allowed:
        answer_from_form(recorded, event.key, ButtonAnswer.YES, e, client=c, limits=limits)
    with pytest.raises(RsvpLimited) as refused:
        answer_from_form(recorded, event.key, ButtonAnswer.YES, email, client=client, limits=limits)
    limit = next(x for x in (limits.per_client, limits.per_event, limits.per_address) if x.hits == 2)
    assert refused.value.retry_after == limit.seconds - int(clock.now.timestamp()) % limit.seconds
    if email != GUEST:
        assert _partstat(recorded, event.key, email) is None
    clock.advance(seconds=refused.value.retry_after)
    answer_from_form(recorded, event.key, ButtonAnswer.YES, email, client=client, limits=limits)


def test_other_networks_are_counted_apart(recorded: Services) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    limits = RsvpLimits(per_client=Limit(1, 600))
    answer_from_form(
        recorded, event.key, ButtonAnswer.YES, "a@client.test", client="2001:db8:0:1::1", limits=limits
    )
    answer_from_form(
        recorded, event.key, ButtonAnswer.YES, "b@client.test", client="2001:db8:0:2::1", limits=limits
    )
    answer_from_form(
        recorded, event.key, ButtonAnswer.YES, "c@client.test", client="192.0.2.1", limits=limits
    )


# -- confirmed_answer -----------------------------------------------------------------------------


def test_a_confirmed_answer_is_recorded_and_its_invitation_is_not_a_duplicate(
    recorded: Services, queue: RecordingQueue, clock: Clock
) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    answer_rsvp(recorded, event.key, ButtonAnswer.YES, GUEST)
    clock.advance(minutes=5)  # the link is followed later
    expires = int((clock.now + timedelta(hours=1)).timestamp())
    result = confirmed_answer(recorded, event.key, ButtonAnswer.MAYBE, GUEST, expires)
    assert result.invitation_queued and _partstat(recorded, event.key) is PartStat.TENTATIVE
    first, confirmed = queue.messages[QueueName.SENDS]
    assert first.dedup_id != confirmed.dedup_id


def test_an_expired_confirmation_changes_nothing(recorded: Services, clock: Clock) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _known(recorded, event.key, PartStat.ACCEPTED)
    expires = int(clock.now.timestamp()) - 1
    with pytest.raises(RsvpRefused, match="expired"):
        confirmed_answer(recorded, event.key, ButtonAnswer.NO, GUEST, expires)
    assert _partstat(recorded, event.key) is PartStat.ACCEPTED
