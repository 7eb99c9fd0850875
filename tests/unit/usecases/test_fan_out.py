"""fan_out: one page of the Yes/Maybe attendees per step, for the current revision only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from calsnack.domain.model import Answer, Channel, Delivery, Event, Method, PartStat
from calsnack.ports import QueueName, Services
from calsnack.queue_messages import FanOut, SendDeliveries
from calsnack.usecases import fan_out as fan_out_module
from calsnack.usecases.fan_out import fan_out

from tests.harness import RecordingQueue
from tests.unit.usecases.conftest import seed

ORGANIZER = "olga@corp.example"
AT = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)


def _answer(services: Services, event: Event, email: str, partstat: PartStat) -> None:
    answer = Answer(event.organizer, event.event_id, email, partstat, AT, Channel.BUTTON)
    assert services.store.record_answer(event.key, answer)


def _step(queue: RecordingQueue) -> tuple[list[Delivery], list[FanOut]]:
    """What one fan-out step queued, and take it off the queue."""
    queued = queue.decoded(QueueName.SENDS)
    queue.messages[QueueName.SENDS] = []
    deliveries = [d for m in queued if isinstance(m, SendDeliveries) for d in m.deliveries]
    return deliveries, [m for m in queued if isinstance(m, FanOut)]


def test_only_yes_and_maybe_are_sent_the_revision(services: Services, queue: RecordingQueue) -> None:
    event = seed(services, ORGANIZER, "webinar")
    _answer(services, event, "yes@client.test", PartStat.ACCEPTED)
    _answer(services, event, "maybe@client.test", PartStat.TENTATIVE)
    _answer(services, event, "no@client.test", PartStat.DECLINED)
    services.store.record_sent(
        [Delivery(event.key, "silent@client.test", event.sequence, Method.REQUEST)], AT
    )

    assert fan_out(services, FanOut(event.key, event.sequence, Method.REQUEST)) == 2
    deliveries, more = _step(queue)
    assert sorted(deliveries, key=lambda d: d.email) == [
        Delivery(event.key, "maybe@client.test", event.sequence, Method.REQUEST),
        Delivery(event.key, "yes@client.test", event.sequence, Method.REQUEST),
    ]
    assert more == []


def test_a_cancellation_fans_out_as_cancel(services: Services, queue: RecordingQueue) -> None:
    event = seed(services, ORGANIZER, "webinar")
    _answer(services, event, "yes@client.test", PartStat.ACCEPTED)
    fan_out(services, FanOut(event.key, event.sequence, Method.CANCEL))
    deliveries, _ = _step(queue)
    assert [d.method for d in deliveries] == [Method.CANCEL]


@pytest.mark.parametrize("offset", [-1, 1])
def test_a_step_for_another_revision_sends_nothing(
    services: Services, queue: RecordingQueue, offset: int
) -> None:
    event = seed(services, ORGANIZER, "webinar")
    _answer(services, event, "yes@client.test", PartStat.ACCEPTED)
    assert fan_out(services, FanOut(event.key, event.sequence + offset, Method.REQUEST)) == 0
    assert queue.messages[QueueName.SENDS] == []


def test_a_step_for_an_unknown_event_sends_nothing(services: Services, queue: RecordingQueue) -> None:
    assert fan_out(services, FanOut("f" * 56, 1, Method.REQUEST)) == 0
    assert queue.messages[QueueName.SENDS] == []


@pytest.mark.parametrize("going", [5, 4])
def test_pages_follow_one_another_until_a_short_page(
    services: Services, queue: RecordingQueue, monkeypatch: pytest.MonkeyPatch, going: int
) -> None:
    monkeypatch.setattr(fan_out_module, "PAGE", 2)
    event = seed(services, ORGANIZER, "webinar")
    everyone = [f"p{i}@client.test" for i in range(going)]
    for email in everyone:
        _answer(services, event, email, PartStat.ACCEPTED)
    _answer(services, event, "p1a@client.test", PartStat.DECLINED)  # inside the pages' range, not going

    reached: list[str] = []
    step = FanOut(event.key, event.sequence, Method.REQUEST)
    steps = 0
    while True:
        steps += 1
        fan_out(services, step)
        deliveries, more = _step(queue)
        reached += [d.email for d in deliveries]
        if not more:
            break
        [step] = more
        assert step.after == reached[-1]
    assert reached == everyone  # each once, in address order
    # A full last page cannot know it was the last: one more step finds the page empty.
    assert steps == going // 2 + 1
