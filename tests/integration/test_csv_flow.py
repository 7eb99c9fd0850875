"""CSV batches through the Lambda handlers on both adapter sets: CREATE, INVITE, UPDATE, CANCEL, refusals."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from calsnack.domain.model import event_key
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp
from calsnack.usecases.build_report import report_event

from tests.integration.conftest import World
from tests.mailfactory import batch_mail

SENDER = "ops@example.test"
HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,location,meeting_url,description,attendees"


def future(days: int = 20) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def counts(world: World, event_id: str) -> dict[str, int]:
    return report_event(world.services.store, "olga@example.test", event_id)["events"][0]["counts"]


def refused_rows(message) -> list[list[str]]:
    part = next(p for p in message.iter_attachments() if (p.get_filename() or "").endswith(".csv"))
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
