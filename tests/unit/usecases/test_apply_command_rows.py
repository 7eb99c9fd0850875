"""apply_command_rows: each CSV row applied once, in file order, or refused with its column and reason."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from calsnack.domain.commands import CommandName, CommandRow, EventFields
from calsnack.domain.model import BatchStatus, Delivery, EventStatus, Method, Source, event_key
from calsnack.ical.alarms import reminder_of
from calsnack.ports import QueueName, Services
from calsnack.queue_messages import ApplyRows, FanOut, SendDeliveries
from calsnack.usecases.apply_command_rows import ChunkResult, apply_rows, settle

from tests.harness import RecordingMailer, RecordingQueue
from tests.unit.usecases.conftest import DOMAIN, seed

BATCH = "b1"
SENDER = "ops@corp.example"
CHICAGO = ZoneInfo("America/Chicago")
DAY = date(2031, 6, 1)


def row(
    n: int, command: str, event_id: str = "webinar", *, attendees: tuple[str, ...] = (), **fields: Any
) -> CommandRow:
    return CommandRow(
        batch_id=BATCH,
        row=n,
        command=CommandName(command),
        event_id=event_id,
        organizer=fields.pop("organizer", ""),
        fields=EventFields(**fields),
        attendees=attendees,
        cells=(command, event_id),
    )


def create(n: int, event_id: str = "webinar", **changes: Any) -> CommandRow:
    fields: dict[str, Any] = {
        "organizer": SENDER,
        "date": DAY,
        "start_time": time(18, 0),
        "end_time": time(19, 0),
        "timezone": "America/Chicago",
        "subject": "Webinar",
    }
    return row(n, "CREATE", event_id, **(fields | changes))


def chunk(*rows: CommandRow, sender: str = SENDER, name: str = "c1") -> ApplyRows:
    return ApplyRows(BATCH, sender, name, rows)


def refusals(result: ChunkResult) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.reason) for e in result.refused]


# -- CREATE --------------------------------------------------------------------------------------


def test_create_makes_the_event_and_invites_its_attendees(services: Services) -> None:
    result = apply_rows(
        services, chunk(create(2, attendees=("a@client.test", "b@client.test"), location="Hall"))
    )
    assert (result.applied, result.refused) == (1, [])
    key = event_key(SENDER, "webinar")
    event = services.store.get_event(key)
    assert event is not None
    assert (event.source, event.summary, event.location, event.sequence) == (Source.CSV, "Webinar", "Hall", 0)
    assert event.start == datetime(2031, 6, 1, 18, 0, tzinfo=CHICAGO)
    assert event.uid == f"{key}@{DOMAIN}" and event.applied_row == f"{BATCH}:000000002"
    assert result.deliveries == [
        Delivery(key, "a@client.test", 0, Method.REQUEST),
        Delivery(key, "b@client.test", 0, Method.REQUEST),
    ]


def test_an_end_before_the_start_is_the_next_day(services: Services) -> None:
    apply_rows(services, chunk(create(2, start_time=time(23, 0), end_time=time(1, 0))))
    event = services.store.get_event(event_key(SENDER, "webinar"))
    assert event is not None and event.end - event.start == timedelta(hours=2)


def test_create_of_an_event_id_in_use_is_refused(services: Services) -> None:
    seed(services, SENDER, "webinar", applied_row="older:000000002")
    result = apply_rows(services, chunk(create(2, attendees=("a@client.test",))))
    assert refusals(result) == [
        (2, "event_id", "an event with this event_id already exists; use UPDATE to change it")
    ]
    assert result.deliveries == []


def test_on_a_public_provider_the_organizer_must_be_the_sender(services: Services) -> None:
    result = apply_rows(
        services,
        chunk(
            create(2, organizer="someone@gmail.com"),
            create(3, "mine", organizer="me@gmail.com"),
            sender="Me@Gmail.com",
        ),
    )
    [(n, column, reason)] = refusals(result)
    assert (n, column) == (2, "organizer") and "me@gmail.com" in reason
    assert result.applied == 1
    assert services.store.get_event(event_key("someone@gmail.com", "webinar")) is None


def test_a_colleague_may_create_for_an_organizer_of_the_domain(services: Services) -> None:
    result = apply_rows(services, chunk(create(2, organizer="boss@corp.example")))
    assert result.applied == 1
    assert services.store.get_event(event_key("boss@corp.example", "webinar")) is not None


@pytest.mark.parametrize("command", ["CREATE", "INVITE"])
def test_the_services_own_addresses_cannot_be_invited(services: Services, command: str) -> None:
    seed(services, SENDER, "webinar")
    bad = create(2) if command == "CREATE" else row(2, "INVITE")
    bad = dataclasses.replace(bad, attendees=("ok@client.test", f"snack@{DOMAIN}"))
    result = apply_rows(services, chunk(bad))
    assert refusals(result) == [
        (2, "attendees", f"snack@{DOMAIN} is an address of this service and cannot be invited")
    ]
    assert result.deliveries == []


# -- finding the event ----------------------------------------------------------------------------


def test_a_row_for_no_event_of_the_domain_is_refused(services: Services) -> None:
    seed(services, "ann@other.example", "webinar")  # another domain's event of that id is not ours
    result = apply_rows(services, chunk(row(2, "UPDATE", subject="New")))
    assert refusals(result) == [(2, "event_id", "no event with this event_id was created from your domain")]


def test_a_colleague_cannot_change_a_calendar_event(services: Services) -> None:
    seed(services, "boss@corp.example", "webinar", source=Source.CALENDAR)
    result = apply_rows(services, chunk(row(2, "CANCEL")))
    assert refusals(result) == [
        (
            2,
            "event_id",
            "the event with this event_id was made in a calendar; only its organizer can change it",
        )
    ]


def test_the_organizer_may_change_their_own_calendar_event(services: Services) -> None:
    seed(services, SENDER, "webinar", source=Source.CALENDAR)
    assert apply_rows(services, chunk(row(2, "CANCEL"))).applied == 1


def test_a_colleagues_csv_event_can_be_changed(services: Services) -> None:
    seed(services, "boss@corp.example", "webinar")
    assert apply_rows(services, chunk(row(2, "CANCEL"))).applied == 1
    event = services.store.get_event(event_key("boss@corp.example", "webinar"))
    assert event is not None and event.cancelled


def test_two_organizers_using_one_event_id_is_ambiguous(services: Services) -> None:
    seed(services, "ann@corp.example", "webinar")
    seed(services, "bob@corp.example", "webinar")
    result = apply_rows(services, chunk(row(2, "INVITE", attendees=("a@client.test",))))
    assert refusals(result) == [
        (2, "event_id", "several organizers of your domain use this event_id; it is ambiguous")
    ]


def test_on_a_public_provider_other_peoples_events_are_not_mentioned(services: Services) -> None:
    seed(services, "someone@gmail.com", "webinar")
    result = apply_rows(services, chunk(row(2, "CANCEL"), sender="me@gmail.com"))
    assert refusals(result) == [(2, "event_id", "you have no event with this event_id")]
    event = services.store.get_event(event_key("someone@gmail.com", "webinar"))
    assert event is not None and not event.cancelled


# -- UPDATE, CANCEL, INVITE -----------------------------------------------------------------------


def test_update_keeps_what_it_does_not_name_and_fans_out(services: Services) -> None:
    old = seed(services, SENDER, "webinar")
    result = apply_rows(services, chunk(row(2, "UPDATE", start_time=time(20, 0))))
    event = services.store.get_event(old.key)
    assert event is not None
    assert event.start.astimezone(CHICAGO).time() == time(20, 0)
    assert event.end - event.start == old.end - old.start  # a new start without an end keeps the duration
    assert (event.summary, event.location, event.sequence) == (old.summary, old.location, old.sequence + 1)
    assert result.fan_outs == [(old.key, old.sequence + 1, Method.REQUEST)]


def test_an_update_that_changes_nothing_sends_nothing(services: Services) -> None:
    old = seed(services, SENDER, "webinar")
    result = apply_rows(services, chunk(row(2, "UPDATE", subject=old.summary, location=old.location)))
    event = services.store.get_event(old.key)
    assert result.applied == 1 and result.fan_outs == []
    assert event is not None and event.sequence == old.sequence and event.applied_row == f"{BATCH}:000000002"


def test_a_new_reminder_is_stored_but_sends_nothing(services: Services) -> None:
    old = seed(services, SENDER, "webinar")
    result = apply_rows(services, chunk(row(2, "UPDATE", reminder=15)))
    event = services.store.get_event(old.key)
    assert result.fan_outs == []
    assert event is not None and event.sequence == old.sequence and reminder_of(event.calendar) == 15


def test_an_update_into_a_skipped_hour_is_refused(services: Services) -> None:
    # 02:30 on 9 March 2031 does not exist in Chicago (the clocks jump from 02:00 to 03:00).
    seed(
        services,
        SENDER,
        "webinar",
        start=datetime(2031, 3, 2, 2, 30, tzinfo=CHICAGO),
        end=datetime(2031, 3, 2, 3, 30, tzinfo=CHICAGO),
    )
    [(n, column, _)] = refusals(apply_rows(services, chunk(row(2, "UPDATE", date=date(2031, 3, 9)))))
    assert (n, column) == (2, "start_time")


def test_cancel_raises_the_sequence_and_fans_out_the_cancellation(services: Services) -> None:
    old = seed(services, SENDER, "webinar")
    result = apply_rows(services, chunk(row(2, "CANCEL")))
    event = services.store.get_event(old.key)
    assert event is not None and event.status is EventStatus.CANCELLED and event.sequence == old.sequence + 1
    assert result.fan_outs == [(old.key, old.sequence + 1, Method.CANCEL)]


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("UPDATE", "the event is cancelled"),
        ("CANCEL", "the event is already cancelled"),
        ("INVITE", "the event is cancelled"),
    ],
)
def test_a_cancelled_event_takes_no_more_rows(services: Services, command: str, reason: str) -> None:
    seed(services, SENDER, "webinar", status=EventStatus.CANCELLED)
    result = apply_rows(services, chunk(row(2, command, subject="New", attendees=("a@client.test",))))
    assert refusals(result) == [(2, "event_id", reason)]
    assert result.deliveries == [] and result.fan_outs == []


def test_invite_sends_the_current_revision(services: Services) -> None:
    event = seed(services, SENDER, "webinar")
    result = apply_rows(services, chunk(row(2, "INVITE", attendees=("a@client.test",))))
    assert result.deliveries == [Delivery(event.key, "a@client.test", event.sequence, Method.REQUEST)]


# -- order and re-delivery ------------------------------------------------------------------------


def test_rows_of_one_event_apply_in_file_order(services: Services) -> None:
    result = apply_rows(
        services,
        chunk(
            row(2, "INVITE", "later", attendees=("early@client.test",)),  # before its CREATE: refused
            create(3, "later"),
            row(4, "UPDATE", "later", subject="Renamed"),
            row(5, "INVITE", "later", attendees=("a@client.test",)),
        ),
    )
    key = event_key(SENDER, "later")
    assert [n for n, _, _ in refusals(result)] == [2]
    assert result.applied == 3
    event = services.store.get_event(key)
    assert event is not None and event.summary == "Renamed" and event.sequence == 1
    # The INVITE after the UPDATE invites to the updated revision.
    assert result.deliveries == [Delivery(key, "a@client.test", 1, Method.REQUEST)]


def test_a_redelivered_chunk_changes_nothing_and_yields_its_sends_again(services: Services) -> None:
    seed(services, SENDER, "existing")
    seed(services, SENDER, "other")
    rows = chunk(
        create(2, attendees=("a@client.test",)),
        row(3, "UPDATE", "existing", subject="Renamed"),
        row(4, "CANCEL", "other"),
    )
    first = apply_rows(services, rows)
    stored = {e.key: e for e in services.store.events_by_domain("corp.example")}
    again = apply_rows(services, rows)
    assert {e.key: e for e in services.store.events_by_domain("corp.example")} == stored
    assert (again.applied, again.refused) == (first.applied, []) == (3, [])
    # The re-delivery may follow a worker that died before queuing: the sends come again.
    assert again.deliveries == first.deliveries
    assert sorted(again.fan_outs) == sorted(first.fan_outs)


def test_a_row_of_another_batch_is_not_taken_for_a_repeat(services: Services) -> None:
    old = seed(services, SENDER, "webinar", applied_row="b0:000000009")
    result = apply_rows(services, chunk(row(2, "UPDATE", subject="Renamed")))
    event = services.store.get_event(old.key)
    assert result.fan_outs and event is not None and event.summary == "Renamed"


# -- settle ---------------------------------------------------------------------------------------


def test_settle_queues_the_sends_then_credits_the_batch_once(
    recorded: Services, queue: RecordingQueue, mailer: RecordingMailer
) -> None:
    recorded.store.create_batch(BatchStatus(batch_id=BATCH, sender=SENDER, domain="corp.example"))
    recorded.store.batch_parsed(BATCH, 3, ())
    seed(recorded, SENDER, "existing")
    applied = chunk(
        create(2, attendees=("a@client.test", "b@client.test")),
        row(3, "CANCEL", "existing"),
        row(4, "CANCEL", "missing"),
    )
    result = apply_rows(recorded, applied)
    settle(recorded, [(applied, result)])

    queued = queue.decoded(QueueName.SENDS)
    sends = [m for m in queued if isinstance(m, SendDeliveries)]
    assert [d.email for m in sends for d in m.deliveries] == ["a@client.test", "b@client.test"]
    assert {m.batch_id for m in sends} == {BATCH}
    assert [m for m in queued if isinstance(m, FanOut)] == [
        FanOut(event_key(SENDER, "existing"), 3, Method.CANCEL)
    ]
    status = recorded.store.get_batch(BATCH)
    assert status is not None
    assert (status.rows_applied, status.rows_refused, status.invitations_queued) == (2, 1, 2)
    assert len(mailer.to(SENDER)) == 1  # the batch is complete: its one reply

    settle(recorded, [(applied, result)])  # a repeat credits nothing and mails nothing
    again = recorded.store.get_batch(BATCH)
    assert again is not None and (again.rows_applied, again.rows_refused) == (2, 1)
    assert len(mailer.to(SENDER)) == 1
