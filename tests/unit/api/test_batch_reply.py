"""The batch's reply mail against a file of junk rows (issue 17.7): small whatever was refused, in
bounded memory, and still in CONTRACT §3's shape (counts, then the refused rows as CSV)."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from calsnack.csvcommands.refused import REFUSED_HEADER
from calsnack.domain.model import BatchStatus, RowError
from calsnack.usecases.finish_batch import REFUSED_ROWS_ATTACHED, finish_batch

from tests.unit.api.conftest import api_key, bearer, run_uploads

pytestmark = pytest.mark.usefixtures("services")

HEADER = ("command", "event_id", "subject")
JUNK_ROWS = 100_000


def junk_batch(services, rows: int) -> str:
    """A batch whose every row was refused, recorded as the splitter records them (in chunks)."""
    batch_id = "b" * 24
    services.store.create_batch(
        BatchStatus(
            batch_id,
            "ops@example.com",
            "example.com",
            "<m@example.com>",
            created_at=datetime.now(UTC),
            header=HEADER,
        )
    )
    chunk = 5000
    for start in range(2, rows + 2, chunk):
        refused = [
            RowError(
                r,
                "command",
                f"unknown command 'JUNK{r}'" if r % 2 else "the event_id is missing",
                (f"JUNK{r}", "", "x" * 40),
            )
            for r in range(start, min(start + chunk, rows + 2))
        ]
        services.store.batch_progress(batch_id, f"parse:{start:07d}", refused=refused)
    services.store.batch_parsed(batch_id, rows, ())
    return batch_id


def sent_mails(services) -> list[email.message.EmailMessage]:
    folder = Path(services.mailer.outbox) / "new"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.iterdir())
    ]


def test_the_reply_to_100k_junk_rows_stays_small_and_says_what_it_cut(services):
    batch_id = junk_batch(services, JUNK_ROWS)
    tracemalloc.start()
    try:
        assert finish_batch(services, batch_id)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    [mail] = sent_mails(services)
    raw = mail.as_bytes()
    # Before the cap: every row echoed, 12.5 MB of mail and 105 MB at peak for these rows.
    assert len(raw) < 300_000
    assert peak < 10_000_000  # the refusals were streamed, never all in memory (1.5 MB measured)
    text = mail.get_body(("plain",)).get_content()
    assert f"({JUNK_ROWS} refused)" in text
    assert "50000 × command: the event_id is missing" in text
    assert f"first {REFUSED_ROWS_ATTACHED} of the {JUNK_ROWS} refused rows" in text
    [attachment] = list(mail.iter_attachments())
    records = list(csv.reader(io.StringIO(attachment.get_payload(decode=True).decode("utf-8-sig"))))
    assert records[0] == [*REFUSED_HEADER, *HEADER]
    assert len(records) == 1 + REFUSED_ROWS_ATTACHED
    assert [int(r[0]) for r in records[1:]] == list(range(2, 2 + REFUSED_ROWS_ATTACHED))


def test_a_reply_with_few_refusals_attaches_them_all(services):
    batch_id = junk_batch(services, 7)
    finish_batch(services, batch_id)
    [mail] = sent_mails(services)
    text = mail.get_body(("plain",)).get_content()
    assert "The refused rows, with the row number, the column and the reason, are attached." in text
    [attachment] = list(mail.iter_attachments())
    assert len(attachment.get_payload(decode=True).decode("utf-8-sig").splitlines()) == 1 + 7


def test_a_reply_with_no_refusals_still_attaches_the_refused_rows_first_as_a_header(services):
    # A reader of the reply's first CSV finds the refused rows (none), never another file.
    batch_id = junk_batch(services, 0)
    finish_batch(services, batch_id)
    [mail] = sent_mails(services)
    assert "(0 refused)" in mail.get_body(("plain",)).get_content()
    first = next(mail.iter_attachments())
    assert first.get_filename() == f"refused-{batch_id}.csv"
    records = list(csv.reader(io.StringIO(first.get_payload(decode=True).decode("utf-8-sig"))))
    assert records == [[*REFUSED_HEADER, *HEADER]]


def test_an_uploaded_junk_file_is_split_by_the_worker_and_answered_small(gateway, services, queue):
    rows = 5000
    body = "command,event_id\r\n" + "".join(f"JUNK{i},e{i}\r\n" for i in range(rows))
    key = api_key(services)
    reply = gateway.post("/batches", body=body, headers=bearer(key) | {"Content-Type": "text/csv"})
    assert reply.status == 202
    assert len(reply.body) < 500  # the request answers at once, before any row is read
    assert sent_mails(services) == []
    assert run_uploads(services, queue) == 1
    status = gateway.get(f"/batches/{reply.json()['batch_id']}", headers=bearer(key)).json()
    assert (status["rows_total"], status["rows_refused"], status["errors_truncated"]) == (rows, rows, True)
    assert len(status["errors"]) == 1000
    [mail] = sent_mails(services)
    assert len(mail.as_bytes()) < 300_000
