"""Ledger markers and batch progress: re-delivered work changes nothing, one caller reports."""

from __future__ import annotations

from calsnack.domain.model import BatchStatus, RowError

from tests.contract.builders import T0, unique


def test_mark_done_records_a_key_once(store):
    key = unique("msg:")
    assert not store.done(key)
    assert store.mark_done(key)
    assert not store.mark_done(key)
    assert store.done(key)
    assert not store.done(key + "x")


HEADER = ("command", "event_id", "organizer", "date", "Subject ✓")


def new_batch(store) -> str:
    batch_id = unique("batch-")
    store.create_batch(
        BatchStatus(
            batch_id, "ops@corp.example", "corp.example", "<m1@corp.example>", created_at=T0, header=HEADER
        )
    )
    return batch_id


def test_a_new_batch_reads_back_empty(store):
    assert store.get_batch(unique("batch-")) is None
    batch_id = new_batch(store)
    store.create_batch(BatchStatus(batch_id, "other@corp.example", "corp.example", "<again@corp.example>"))
    assert store.get_batch(batch_id) == BatchStatus(
        batch_id, "ops@corp.example", "corp.example", "<m1@corp.example>", created_at=T0, header=HEADER
    )
    headerless = unique("batch-")
    store.create_batch(BatchStatus(headerless, "ops@corp.example", "corp.example"))
    assert store.get_batch(headerless) == BatchStatus(headerless, "ops@corp.example", "corp.example")


def test_batch_parsed_counts_its_refusals_once(store):
    batch_id = new_batch(store)
    errors = [
        RowError(9, "date", "not a date", ("CREATE", "e9", "2031-13-01")),
        RowError(3, "command", "unknown"),
    ]
    store.batch_parsed(batch_id, 10, errors)
    store.batch_parsed(batch_id, 10, errors)
    status = store.get_batch(batch_id)
    assert (status.parsed, status.rows_total, status.rows_refused) == (True, 10, 2)
    assert status.errors == sorted(errors, key=lambda e: e.row)
    assert not status.complete


def test_a_repeated_chunk_changes_nothing(store):
    batch_id = new_batch(store)
    refused = [RowError(5, "organizer", "not in the sending domain", ("CREATE", "e5", "x@evil.example"))]
    progress = {"applied": 3, "refused": refused, "queued": 40, "sent": 0, "failed": 0}
    assert store.batch_progress(batch_id, "rows:0001", **progress)
    assert not store.batch_progress(batch_id, "rows:0001", **progress)
    assert store.batch_progress(batch_id, "send:0001", sent=38, failed=2)
    assert not store.batch_progress(batch_id, "send:0001", sent=38, failed=2)
    status = store.get_batch(batch_id)
    assert (status.rows_applied, status.rows_refused) == (3, 1)
    assert (status.invitations_queued, status.invitations_sent, status.invitations_failed) == (40, 38, 2)
    assert status.errors == refused


def test_chunks_add_up_and_errors_come_back_by_row(store):
    batch_id = new_batch(store)
    store.batch_parsed(batch_id, 60, [RowError(30, "event_id", "missing")])
    for n in range(20):  # spread over the AWS store's counter shards
        store.batch_progress(batch_id, f"rows:{n:04d}", applied=2, refused=[RowError(60 - n, "date", "past")])
    status = store.get_batch(batch_id)
    assert (status.rows_applied, status.rows_refused, status.rows_done) == (40, 21, 61)
    assert [e.row for e in status.errors] == sorted([30, *range(41, 61)])


def test_exactly_one_claim_once_the_batch_is_complete(store):
    batch_id = new_batch(store)
    assert not store.claim_batch_report(batch_id)  # not parsed yet
    store.batch_progress(batch_id, "rows:1", applied=2)
    store.batch_parsed(batch_id, 6, [RowError(2, "command", "unknown")])
    assert not store.claim_batch_report(batch_id)  # 3 of 6 rows done
    store.batch_progress(batch_id, "rows:2", applied=1, refused=[RowError(5, "date", "past")])
    store.batch_progress(batch_id, "rows:2", applied=1, refused=[RowError(5, "date", "past")])
    assert not store.claim_batch_report(batch_id)  # 5 of 6: a repeated chunk does not complete it
    store.batch_progress(batch_id, "rows:3", applied=1)
    assert store.get_batch(batch_id).complete
    assert store.claim_batch_report(batch_id)
    assert not store.claim_batch_report(batch_id)
    assert store.get_batch(batch_id).reported
    assert not store.claim_batch_report(unique("batch-"))


def test_refused_rows_stream_every_refusal_and_the_status_can_leave_them_out(store):
    """The result mail and the status API read refusals as a stream, never all at once."""
    batch_id = new_batch(store)
    store.batch_parsed(batch_id, 3000, [RowError(2, "command", "unknown", ("DROP", "x"))])
    for n in range(30):  # parse and worker refusals, over the AWS store's shards and its error parts
        chunk = [
            RowError(3 + n * 100 + i, "date", "not a date " + "x" * 400, ("CREATE", f"e{i}"))
            for i in range(100)
        ]
        store.batch_progress(batch_id, f"rows:{n:04d}", refused=chunk)
    rows = store.refused_rows(batch_id)
    assert next(rows) in store.get_batch(batch_id).errors  # a stream: the first row comes first
    streamed = sorted([*store.refused_rows(batch_id)], key=lambda e: e.row)
    assert streamed == store.get_batch(batch_id).errors
    assert len(streamed) == 3001 and streamed[0] == RowError(2, "command", "unknown", ("DROP", "x"))
    bare = store.get_batch(batch_id, errors=False)
    assert bare.errors == [] and bare.rows_refused == 3001
    assert bare == BatchStatus(**{**vars_of(store.get_batch(batch_id)), "errors": []})
    assert list(store.refused_rows(unique("batch-"))) == []
    assert store.get_batch(unique("batch-"), errors=False) is None


def vars_of(status: BatchStatus) -> dict:
    return {f: getattr(status, f) for f in status.__dataclass_fields__}
