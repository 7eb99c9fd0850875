"""CSV batches through the Lambda handlers on both adapter sets: CREATE, INVITE, UPDATE, CANCEL, refusals."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from calsnack.adapters.embedded.queue import Received
from calsnack.domain.model import event_key
from calsnack.ports import QueueName
from calsnack.queue_messages import ApplyRows, decode
from calsnack.serve.lambda_events import LambdaContext, sqs_event
from calsnack.usecases import apply_command_rows
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp
from calsnack.usecases.build_report import report_event

from lambdas.command_worker.handler import make_handler
from tests.contract.adapter_sets import MAIL_DOMAIN
from tests.integration.conftest import World
from tests.mailfactory import batch_mail

SENDER = "ops@example.test"
HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,location,meeting_url,description,attendees"


def future(days: int = 20) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def counts(world: World, event_id: str) -> dict[str, int]:
    return report_event(world.services.store, "olga@example.test", event_id)["events"][0]["counts"]


def refused_rows(message) -> list[list[str]]:
    part = next(p for p in message.iter_attachments() if (p.get_filename() or "").startswith("refused-"))
    text = part.get_payload(decode=True).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_batch_create_invite_update_cancel(world: World) -> None:
    eid = f"policy-{uuid.uuid4().hex[:8]}"
    rows = [
        HEADER,
        f"CREATE,{eid},olga@example.test,{future()},09:00,09:30,America/Chicago,Policy renewal,Branch 12,"
        f"https://meet.google.com/abc-defg-hij,Bring your ID,a1@client.test;a2@client.test",
        f"INVITE,{eid},,,,,,,,,,a3@client.test",
        "INVITE,no-such-event,,,,,,,,,,x@client.test",
        f"CREATE,bad-{eid},olga@other.test,{future()},09:00,10:00,America/Chicago,Wrong domain,,,,",
        f"CREATE,late-{eid},olga@example.test,2001-01-01,09:00,10:00,Europe/Paris,Too late,,,,",
    ]
    world.deliver("batch", batch_mail(SENDER, "\r\n".join(rows) + "\r\n"), sender=SENDER)
    world.pump()
    for a in ("a1@client.test", "a2@client.test", "a3@client.test"):
        assert len(world.mails_to(a)) == 1, a
    [result] = world.mails_to(SENDER)
    assert "2 applied" in result["Subject"] and "3 refused" in result["Subject"]
    refused = refused_rows(result)
    assert [r[:2] for r in refused[1:]] == [["4", "event_id"], ["5", "organizer"], ["6", "date"]] or sorted(
        r[0] for r in refused[1:]
    ) == ["4", "5", "6"]
    assert counts(world, eid) == {
        "invited": 3,
        "accepted": 0,
        "tentative": 0,
        "declined": 0,
        "needs_action": 3,
    }

    key = event_key("olga@example.test", eid)
    answer_rsvp(world.services, key, ButtonAnswer.YES, "a1@client.test")
    answer_rsvp(world.services, key, ButtonAnswer.MAYBE, "a2@client.test")
    world.pump()
    update = [HEADER, f"UPDATE,{eid},,,10:00,,,Policy renewal (moved),,,,"]
    world.deliver("batch", batch_mail(SENDER, "\n".join(update) + "\n"), sender=SENDER)
    world.pump()
    assert len(world.mails_to("a1@client.test")) == 2
    assert len(world.mails_to("a2@client.test")) == 2
    assert len(world.mails_to("a3@client.test")) == 1
    event = world.services.store.get_event(key)
    assert event.sequence == 1 and (event.end - event.start) == timedelta(minutes=30)

    world.deliver("batch", batch_mail(SENDER, f"{HEADER}\nCANCEL,{eid},,,,,,,,,,\n"), sender=SENDER)
    world.pump()
    cancel = world.mails_to("a1@client.test")[-1]
    assert any(
        "METHOD:CANCEL" in p.get_content() for p in cancel.walk() if p.get_content_type() == "text/calendar"
    )
    assert len(world.mails_to("a3@client.test")) == 1
    assert world.services.store.get_event(key).cancelled


def test_redelivered_batch_mail_acts_once(world: World) -> None:
    eid = f"oil-{uuid.uuid4().hex[:8]}"
    message = batch_mail(
        SENDER,
        f"{HEADER}\nCREATE,{eid},olga@example.test,{future()},08:00,08:15,UTC,Oil change,,,,b1@client.test\n",
    )
    world.deliver("batch", message, sender=SENDER)
    world.deliver("batch", message, sender=SENDER)
    world.pump()
    world.pump()
    assert len(world.mails_to("b1@client.test")) == 1
    assert len(world.mails_to(SENDER)) == 1


def test_unusable_file_gets_one_clear_reply(world: World) -> None:
    world.deliver(
        "batch", batch_mail(SENDER, b"PK\x03\x04\x00\x00binary", filename="batch.csv"), sender=SENDER
    )
    [reply] = world.mails_to(SENDER)
    assert "CSV" in reply.get_body(("plain",)).get_content()


def test_every_refusal_when_applying_rows(world: World) -> None:
    """Each reason a well-formed row can still be refused, with the good rows around it applied."""
    run = uuid.uuid4().hex[:8]
    day = future()
    create = f"{day},09:00,10:00,UTC,Webinar,,,"
    rows = [
        HEADER,
        f"CREATE,dup-{run},olga@example.test,{create},d1@client.test",  # 2
        f"CREATE,dup-{run},olga@example.test,{create},d2@client.test",  # 3: exists
        f"CREATE,shared-{run},olga@example.test,{create},",  # 4
        f"CREATE,shared-{run},pete@example.test,{create},",  # 5: another organizer may
        f"UPDATE,shared-{run},,,10:30,,,,,,,",  # 6: ambiguous
        f"UPDATE,nothing-{run},,,10:30,,,,,,,",  # 7: unknown
        f"CREATE,gone-{run},olga@example.test,{create},",  # 8
        f"CANCEL,gone-{run},,,,,,,,,,",  # 9
        f"CANCEL,gone-{run},,,,,,,,,,",  # 10: cancelled before
        f"UPDATE,gone-{run},,,,,,New title,,,,",  # 11: cancelled
        f"INVITE,gone-{run},,,,,,,,,,late@client.test",  # 12: cancelled
        f"CREATE,loop-{run},olga@example.test,{create},snack@{MAIL_DOMAIN}",  # 13: our own address
    ]
    world.deliver("batch", batch_mail(SENDER, "\n".join(rows) + "\n"), sender=SENDER)
    world.pump()
    [result] = world.mails_to(SENDER)
    assert "5 applied" in result["Subject"] and "7 refused" in result["Subject"], result["Subject"]
    refused = {int(r[0]): (r[1], r[2]) for r in refused_rows(result)[1:]}
    assert refused == {
        3: ("event_id", "an event with this event_id already exists; use UPDATE to change it"),
        6: ("event_id", "several organizers of your domain use this event_id; it is ambiguous"),
        7: ("event_id", "no event with this event_id was created from your domain"),
        10: ("event_id", "the event is already cancelled"),
        11: ("event_id", "the event is cancelled"),
        12: ("event_id", "the event is cancelled"),
        13: ("attendees", f"snack@{MAIL_DOMAIN} is an address of this service and cannot be invited"),
    }
    assert len(world.mails_to("d1@client.test")) == 1
    assert world.mails_to("d2@client.test") == world.mails_to("late@client.test") == []
    assert [e.organizer for e in world.services.store.find_by_event_id("example.test", f"shared-{run}")] == [
        "olga@example.test",
        "pete@example.test",
    ]


def test_a_chunk_applied_twice_has_one_effect(world: World) -> None:
    """SQS may deliver a chunk again after it was applied: no second event revision or invitation."""
    run = uuid.uuid4().hex[:8]
    rows = [
        HEADER,
        f"CREATE,twice-{run},olga@example.test,{future()},09:00,10:00,UTC,Webinar,,,,t1@client.test",
        f"UPDATE,twice-{run},,,11:00,12:00,,,,,,",
        f"INVITE,twice-{run},,,,,,,,,,t2@client.test",
    ]
    world.deliver("batch", batch_mail(SENDER, "\n".join(rows) + "\n"), sender=SENDER)
    [chunk] = world.adapters.drain(QueueName.COMMANDS)
    for attempt in ("1", "2"):
        event = sqs_event(
            "commands", [Received(attempt, attempt, chunk.body, chunk.group, 1, 0.0)], fifo=True
        )
        assert make_handler(world.services)(event, LambdaContext("commands"))["batchItemFailures"] == []
    world.pump()
    stored = world.services.store.get_event(event_key("olga@example.test", f"twice-{run}"))
    assert stored is not None and stored.sequence == 1 and stored.start.hour == 11
    assert len(world.mails_to("t1@client.test")) == 1
    assert len(world.mails_to("t2@client.test")) == 1
    [result] = world.mails_to(SENDER)
    assert "3 applied" in result["Subject"] and "0 refused" in result["Subject"], result["Subject"]


def test_a_worker_dying_before_the_fan_out_loses_no_update(world: World, monkeypatch) -> None:
    """The UPDATE is stored, then the worker dies: the chunk's next delivery still sends it."""
    run = uuid.uuid4().hex[:8]
    create = (
        f"{HEADER}\nCREATE,late-{run},olga@example.test,{future()},09:00,10:00,UTC,Review,,,,y1@client.test\n"
    )
    world.deliver("batch", batch_mail(SENDER, create), sender=SENDER)
    world.pump()
    answer_rsvp(
        world.services, event_key("olga@example.test", f"late-{run}"), ButtonAnswer.YES, "y1@client.test"
    )
    world.pump()
    world.deliver("batch", batch_mail(SENDER, f"{HEADER}\nUPDATE,late-{run},,,11:00,,,,,,,\n"), sender=SENDER)
    [chunk] = world.adapters.drain(QueueName.COMMANDS)

    def die(*_: object, **__: object) -> None:
        raise RuntimeError("worker killed")

    event = sqs_event("commands", [Received("1", "1", chunk.body, chunk.group, 1, 0.0)], fifo=True)
    with monkeypatch.context() as patched:
        patched.setattr(apply_command_rows, "fan_out_message", die)
        with pytest.raises(RuntimeError, match="worker killed"):
            make_handler(world.services)(event, LambdaContext("commands"))
    assert make_handler(world.services)(event, LambdaContext("commands"))["batchItemFailures"] == []
    world.pump()
    print(
        "MAILS",
        [m["Subject"] for m in world.mails_to("y1@client.test")],
        world.services.store.get_event(event_key("olga@example.test", f"late-{run}")),
    )
    _invitation, update = world.mails_to("y1@client.test")
    assert "SEQUENCE:1" in next(
        p.get_content() for p in update.walk() if p.get_content_type() == "text/calendar"
    )


def test_one_invocation_queues_the_sends_of_all_its_chunks_together(world: World, monkeypatch) -> None:
    """Ten chunks in one worker invocation: their invitations go out in one queue call."""
    run = uuid.uuid4().hex[:8]
    rows = [
        f"CREATE,{run}-{i},olga@example.test,{future()},09:00,09:30,UTC,Oil change,,,,c{i}-{run}@client.test"
        for i in range(400)
    ]
    world.deliver("batch", batch_mail(SENDER, "\n".join([HEADER, *rows]) + "\n"), sender=SENDER)
    chunks = world.adapters.drain(QueueName.COMMANDS)[:10]
    assert len(chunks) == 10
    calls: list[tuple[QueueName, int]] = []
    send = world.services.queue.send

    def counted(queue: QueueName, messages: list) -> None:
        calls.append((queue, len(messages)))
        send(queue, messages)

    monkeypatch.setattr(world.services.queue, "send", counted)
    records = [Received(str(n), str(n), c.body, c.group, 1, 0.0) for n, c in enumerate(chunks)]
    assert make_handler(world.services)(
        sqs_event("commands", records, fifo=True), LambdaContext("commands")
    ) == {"batchItemFailures": []}
    assert calls == [(QueueName.SENDS, 10)]


def test_a_run_of_create_rows_is_written_in_one_store_call(world: World, monkeypatch) -> None:
    """Consecutive CREATE rows of a chunk share one `put_events` (one transaction on SQLite); a
    row of another command ends the run, so an INVITE finds the event created just before it."""
    run = uuid.uuid4().hex[:8]
    create = f"olga@example.test,{future()},09:00,09:30,UTC,Oil change,,,"
    rows = [
        HEADER,
        *(f"CREATE,{run}-{i},{create},c{i}@client.test" for i in range(3)),
        f"INVITE,{run}-0,,,,,,,,,,extra@client.test",
        *(f"CREATE,{run}-{i},{create},c{i}@client.test" for i in range(3, 5)),
    ]
    world.deliver("batch", batch_mail(SENDER, "\n".join(rows) + "\n"), sender=SENDER)
    # The splitter spreads events over FIFO groups: put the rows back into one chunk, in file order.
    chunks = [decode(m.body) for m in world.adapters.drain(QueueName.COMMANDS)]
    assert all(isinstance(c, ApplyRows) for c in chunks)
    first = chunks[0]
    assert isinstance(first, ApplyRows)
    together = [r for c in chunks if isinstance(c, ApplyRows) for r in c.rows]
    chunk = ApplyRows(first.batch_id, first.sender, "all", tuple(sorted(together, key=lambda r: r.row)))
    store = world.services.store
    runs: list[int] = []
    put_events = store.put_events

    def counted(events):  # type: ignore[no-untyped-def]
        runs.append(len(events))
        return put_events(events)

    def one_row(event):  # type: ignore[no-untyped-def]
        raise AssertionError(f"{event.key} written alone")

    monkeypatch.setattr(store, "put_events", counted)
    monkeypatch.setattr(store, "put_event", one_row)
    result = apply_command_rows.apply_rows(world.services, chunk)
    assert runs == [3, 2]
    assert (result.applied, result.refused) == (6, [])
    # Delivered again: every key is taken, by the row itself; no row is written a second time.
    again = apply_command_rows.apply_rows(world.services, chunk)
    assert runs == [3, 2, 3, 2]
    assert (again.applied, again.refused, again.deliveries) == (6, [], result.deliveries)
    assert sorted(d.email for d in result.deliveries) == [
        *(f"c{i}@client.test" for i in range(5)),
        "extra@client.test",
    ]


def test_the_batch_reply_attaches_each_events_links_beside_the_refused_rows(world: World) -> None:
    """CSV organizers get what the snack mail gives (issue 14): landing page, RSVP and dashboard links."""
    from calsnack.serve.lambda_events import api_gateway_event, response_body

    from lambdas.api.handler import make_handler as api_for

    api = api_for(world.services)

    def get(url: str) -> tuple[int, str]:
        response = api(
            api_gateway_event("GET", url.removeprefix("https://calsnack.test"), {}, b""), LambdaContext("api")
        )
        return response["statusCode"], response_body(response).decode()

    eid = f"links-{uuid.uuid4().hex[:8]}"
    rows = [
        HEADER,
        f"CREATE,{eid},olga@example.test,{future()},09:00,09:30,UTC,Open day,,,,",
        f"CREATE,={eid},olga@example.test,{future()},09:00,09:30,UTC,=HYPERLINK(1),,,,",
        "INVITE,no-such-event,,,,,,,,,,x@client.test",
    ]
    world.deliver("batch", batch_mail(SENDER, "\r\n".join(rows) + "\r\n"), sender=SENDER)
    world.pump()
    [result] = world.mails_to(SENDER)
    names = [p.get_filename() for p in result.iter_attachments()]
    assert names[0].startswith("refused-") and names[1].startswith("links-") and len(names) == 2
    assert [r[0] for r in refused_rows(result)[1:]] == ["4"]
    part = list(result.iter_attachments())[1]
    records = list(csv.DictReader(io.StringIO(part.get_payload(decode=True).decode())))
    assert [r["event_id"] for r in records] == [f"'={eid}", eid]
    assert records[0]["summary"] == "'=HYPERLINK(1)"
    links = records[1]
    key = event_key("olga@example.test", eid)
    assert links["landing_page"].startswith(f"{world.services.settings.base_url}/e/{key}?t=")
    assert "Your dashboard: https://calsnack.test/dashboard?" in result.get_body(("plain",)).get_content()
    status, landing = get(links["landing_page"])
    assert status == 200 and "Open day" in landing
    for answer in ("yes", "maybe", "no"):
        status, page = get(links[f"rsvp_{answer}"])
        assert status == 200 and 'name="email"' in page, answer
    assert get(links["dashboard"])[0] == 200
    status, events = get(links["dashboard"].replace("/dashboard?", "/dashboard/api/events?"))
    assert status == 200 and "Open day" in events


def test_calsnack_link_prints_a_batchs_and_an_events_links_on_the_embedded_stack(
    world: World, tmp_path, capsys
) -> None:
    """The same links as the batch reply, signed with the data directory's key (issue 14)."""
    import json

    from calsnack.cli.main import main

    if world.name != "embedded":
        pytest.skip("`calsnack link` reads the embedded data directory")
    (tmp_path / "link.key").write_bytes(world.services.settings.link_key)
    eid = f"cli-{uuid.uuid4().hex[:8]}"
    rows = [HEADER, f"CREATE,{eid},olga@example.test,{future()},09:00,09:30,UTC,Open day,,,,"]
    world.deliver("batch", batch_mail(SENDER, "\r\n".join(rows) + "\r\n"), sender=SENDER)
    world.pump()
    [result] = world.mails_to(SENDER)
    batch_id = result["Subject"].split()[1].rstrip(":")
    part = next(p for p in result.iter_attachments() if p.get_filename().startswith("links-"))
    [mailed] = list(csv.DictReader(io.StringIO(part.get_payload(decode=True).decode())))
    common = ["--data-dir", str(tmp_path), "--base-url", "https://calsnack.test/", "--json"]
    assert main(["link", "--batch", batch_id, *common]) == 0
    [printed] = json.loads(capsys.readouterr().out)["events"]
    assert main(["link", "--event", "Olga@example.test", eid, *common]) == 0
    assert json.loads(capsys.readouterr().out)["events"] == [printed]
    del printed["dashboard"], mailed["dashboard"]  # the same link, valid from another moment
    assert printed == mailed
    assert main(["link", "--event", "olga@example.test", eid, "--data-dir", str(tmp_path)]) == 0
    assert "http://127.0.0.1:8080/e/" in capsys.readouterr().out
    assert main(["link", "--batch", "0" * 24, *common]) == 1
    assert main(["link", "--event", "olga@example.test", "nope", *common]) == 1
    assert main(["link", "--batch", batch_id, "--data-dir", str(tmp_path / "none")]) == 1
    assert "no data in" in capsys.readouterr().err
