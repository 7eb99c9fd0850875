"""finish_batch: the one reply per complete batch, with the refused rows first and the batch's links.

How a reply to a file of junk stays small is tests/unit/api/test_batch_reply.py's; this is when a
reply goes, to whom, and what it carries.
"""

from __future__ import annotations

import csv
import io
from email.message import EmailMessage

from calsnack.domain.model import BatchStatus, RowError
from calsnack.ports import Services
from calsnack.usecases.event_links import LINK_COLUMNS
from calsnack.usecases.finish_batch import finish_batch

from tests.harness import RecordingMailer, text_of
from tests.unit.usecases.conftest import seed

BATCH = "b1"
SENDER = "ops@corp.example"
HEADER = ("command", "event_id", "attendees")


def _batch(services: Services, *, sender: str = SENDER, total: int = 3) -> None:
    services.store.create_batch(
        BatchStatus(BATCH, sender, "corp.example", "<batch-1@corp.example>", created_at=None, header=HEADER)
    )
    services.store.batch_parsed(BATCH, total, ())


def _rows(attachment: EmailMessage) -> list[list[str]]:
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))


def test_an_incomplete_batch_gets_no_reply_yet(recorded: Services, mailer: RecordingMailer) -> None:
    _batch(recorded)
    recorded.store.batch_progress(BATCH, "rows:c1", applied=2)
    assert not finish_batch(recorded, BATCH)
    assert mailer.sent == []
    recorded.store.batch_progress(
        BATCH, "rows:c2", refused=[RowError(4, "event_id", "no such event", ("CANCEL", "x"))]
    )
    assert finish_batch(recorded, BATCH)
    assert len(mailer.to(SENDER)) == 1


def test_a_complete_batch_is_answered_once(recorded: Services, mailer: RecordingMailer) -> None:
    _batch(recorded, total=1)
    recorded.store.batch_progress(BATCH, "rows:c1", applied=1)
    assert finish_batch(recorded, BATCH)
    assert not finish_batch(recorded, BATCH)  # a second worker seeing it complete
    assert len(mailer.sent) == 1


def test_the_reply_counts_and_attaches_refusals_then_links(
    recorded: Services, mailer: RecordingMailer
) -> None:
    _batch(recorded)
    seed(recorded, SENDER, "webinar", applied_row=f"{BATCH}:000000002", summary="Webinar")
    seed(recorded, SENDER, "other", applied_row="b0:000000002")
    recorded.store.batch_progress(BATCH, "rows:c1", applied=2, queued=5)
    recorded.store.batch_progress(
        BATCH, "rows:c2", refused=[RowError(4, "event_id", "no such event", ("CANCEL", "x"))]
    )
    finish_batch(recorded, BATCH)

    [reply] = mailer.to(SENDER)
    assert str(reply["Subject"]) == f"Batch {BATCH}: 2 applied, 1 refused"
    assert reply["In-Reply-To"] == "<batch-1@corp.example>"
    text = text_of(reply)
    assert "applied 2 of 3 rows of your batch (1 refused)" in text
    assert "Personal invitations queued: 5." in text
    assert "row 4, event_id: no such event" in text
    assert "/dashboard?" in text
    refused, links = reply.iter_attachments()
    assert refused.get_filename() == f"refused-{BATCH}.csv"
    assert [r[0] for r in _rows(refused)[1:]] == ["4"]
    assert links.get_filename() == f"links-{BATCH}.csv"
    header, *events = _rows(links)
    assert tuple(header) == LINK_COLUMNS and [e[0] for e in events] == ["webinar"]
    assert f"batch's 1 events are attached as links-{BATCH}.csv" in text


def test_a_batch_of_no_events_attaches_the_refusals_only(recorded: Services, mailer: RecordingMailer) -> None:
    _batch(recorded, total=1)
    recorded.store.batch_progress(BATCH, "rows:c1", refused=[RowError(2, "event_id", "no such event")])
    finish_batch(recorded, BATCH)
    [reply] = mailer.to(SENDER)
    assert [a.get_filename() for a in reply.iter_attachments()] == [f"refused-{BATCH}.csv"]


def test_a_batch_without_a_sender_is_answered_to_nobody(recorded: Services, mailer: RecordingMailer) -> None:
    _batch(recorded, sender="", total=1)
    recorded.store.batch_progress(BATCH, "rows:c1", applied=1)
    assert not finish_batch(recorded, BATCH)
    assert mailer.sent == []


def test_an_unknown_batch_is_answered_to_nobody(recorded: Services, mailer: RecordingMailer) -> None:
    assert not finish_batch(recorded, "nope")
    assert mailer.sent == []
