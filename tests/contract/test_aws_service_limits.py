"""Every AWS request the adapters make stays within its service's limits, at the limit itself.

The clients come with tests/aws_limits.py's guards, which refuse what AWS refuses and moto
accepts (transaction and batch sizes, SQS and SES payloads). docs/data-model.md lists the limits.
"""

from __future__ import annotations

import base64

import pytest
from botocore.exceptions import ClientError
from calsnack.adapters.aws.mailer import SesMailer
from calsnack.adapters.aws.queue import SqsQueue
from calsnack.adapters.aws.store import DynamoStore, batching
from calsnack.domain.model import BatchStatus, RowError
from calsnack.ports import OutgoingMail, QueueMessage, QueueName, Rejected

from tests import aws_limits
from tests.contract.adapter_sets import TABLE, AwsWorld
from tests.contract.builders import T0, unique

#: A realistic bad row of a wide file: 20 cells of 1,100 characters (~22 kB of JSON).
LONG_ROW = tuple("é" * 550 + "x" * 550 for _ in range(20))


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(batching, "pause", lambda attempt: None)


def new_batch(store: DynamoStore) -> str:
    batch_id = unique("limits")
    store.create_batch(
        BatchStatus(
            batch_id=batch_id,
            sender="ops@example.com",
            domain="example.com",
            message_id="<m@x>",
            created_at=T0,
            header=("event_id", "command"),
        )
    )
    return batch_id


def refusals(count: int, cells: tuple[str, ...] = LONG_ROW) -> list[RowError]:
    return [RowError(row, "start", "the start is not a date", cells) for row in range(2, count + 2)]


# -- the guards themselves ------------------------------------------------------------------


def test_the_guards_refuse_what_aws_refuses(aws_world: AwsWorld) -> None:
    big = {"pk": {"S": unique("big")}, "sk": {"S": "x"}, "v": {"S": "x" * (300 * 1024)}}
    actions = [{"Put": {"TableName": TABLE, "Item": {**big, "sk": {"S": str(n)}}}} for n in range(14)]
    with pytest.raises(ClientError, match="4 MB"):
        aws_world.dynamodb.transact_write_items(TransactItems=actions)
    with pytest.raises(ClientError, match="maximum allowed size"):
        aws_world.dynamodb.put_item(TableName=TABLE, Item={**big, "v": {"S": "x" * (401 * 1024)}})
    with pytest.raises(ClientError, match="less than or equal to 25"):
        aws_world.dynamodb.batch_write_item(
            RequestItems={
                TABLE: [
                    {"PutRequest": {"Item": {**big, "sk": {"S": str(n)}, "v": {"S": ""}}}} for n in range(26)
                ]
            }
        )
    queue = aws_world.sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    with pytest.raises(ClientError, match="BatchRequestTooLong"):
        aws_world.sqs.send_message_batch(
            QueueUrl=queue, Entries=[{"Id": str(n), "MessageBody": "y" * 30_000} for n in range(9)]
        )


# -- DynamoDB: TransactWriteItems (100 actions, 4 MB) ----------------------------------------


def test_a_chunk_of_500_long_refused_rows_is_recorded_whole(aws_world: AwsWorld) -> None:
    """Issue 12.4: ~11 MB of refusals once went into one transaction, which DynamoDB refuses."""
    store = aws_world.store
    batch_id = new_batch(store)
    errors = refusals(500)
    assert sum(len(str(e.cells).encode()) for e in errors) > 3 * aws_limits.TRANSACT_BYTES

    assert store.batch_progress(batch_id, "parse:000000", refused=errors) is True
    assert store.batch_progress(batch_id, "parse:000000", refused=errors) is False  # a repeat
    store.batch_parsed(batch_id, 500, ())

    status = store.get_batch(batch_id)
    assert status is not None
    assert status.rows_refused == 500
    assert [e.row for e in status.errors] == list(range(2, 502))
    assert status.errors[0].cells == LONG_ROW
    assert status.complete


def test_a_chunk_cut_short_between_its_transactions_completes_on_repeat(
    aws_world: AwsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = aws_world.store
    batch_id = new_batch(store)
    errors = refusals(500)
    real = store.client.transact_write_items
    calls = []

    def dies_on_the_third(**request):
        calls.append(request)
        if len(calls) == 3:
            raise RuntimeError("Lambda timed out")
        return real(**request)

    monkeypatch.setattr(store.client, "transact_write_items", dies_on_the_third)
    with pytest.raises(RuntimeError):
        store.batch_progress(batch_id, "rows:7", applied=3, refused=errors, queued=3)
    monkeypatch.setattr(store.client, "transact_write_items", real)
    assert store.batch_progress(batch_id, "rows:7", applied=3, refused=errors, queued=3) is True
    assert store.batch_progress(batch_id, "rows:7", applied=3, refused=errors, queued=3) is False

    status = store.get_batch(batch_id)
    assert status is not None
    assert (status.rows_applied, status.rows_refused, status.invitations_queued) == (3, 500, 3)
    assert len(status.errors) == 500


def test_a_refused_row_larger_than_an_item_keeps_the_start_of_its_cells(aws_world: AwsWorld) -> None:
    store = aws_world.store
    batch_id = new_batch(store)
    huge = ("é" * 131_072, "x" * 131_072, "y" * 131_072, "z")  # ~650 kB: past the 400 KB item limit
    store.batch_progress(batch_id, "parse:000000", refused=[RowError(2, "summary", "too long", huge)])
    store.batch_parsed(batch_id, 2, [RowError(3, "summary", "too long", huge)])

    status = store.get_batch(batch_id)
    assert status is not None
    assert [e.row for e in status.errors] == [2, 3]
    for error in status.errors:
        assert error.cells == ("é" * 1000 + "…", "x" * 1000 + "…", "y" * 1000 + "…", "z")


def test_many_refusal_parts_are_written_in_batches_of_25(aws_world: AwsWorld) -> None:
    """batch_parsed's BatchWriteItem: 25 items and 16 MB a request, each item under 400 KB."""
    store = aws_world.store
    batch_id = new_batch(store)
    errors = refusals(1500)
    store.batch_parsed(batch_id, 1500, errors)
    status = store.get_batch(batch_id)
    assert status is not None
    assert status.rows_refused == 1500
    assert len(status.errors) == 1500


# -- SQS: 10 entries and 256 KiB a request ---------------------------------------------------


def test_messages_at_the_sqs_limits_are_sent(aws_world: AwsWorld) -> None:
    url = aws_world.sqs.create_queue(QueueName=unique("limits"))["QueueUrl"]
    queue = SqsQueue({QueueName.SENDS: url, QueueName.COMMANDS: url}, aws_world.sqs)
    one_tenth = aws_limits.SQS_BATCH_BYTES // 10
    queue.send(QueueName.SENDS, [QueueMessage("a" * one_tenth) for _ in range(25)])
    queue.send(QueueName.SENDS, [QueueMessage("b" * aws_limits.SQS_MESSAGE_BYTES) for _ in range(2)])
    queue.send(QueueName.SENDS, [QueueMessage("c" * (one_tenth + 1)) for _ in range(10)])
    attributes = aws_world.sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "37"
    with pytest.raises(ValueError, match="exceeds"):
        queue.send(QueueName.SENDS, [QueueMessage("d" * (aws_limits.SQS_MESSAGE_BYTES + 1))])


# -- SES v2: 40 MB a message (base64), 50 recipients ------------------------------------------


def _mail(size: int) -> OutgoingMail:
    head = b"From: bounces@snack.example\r\nTo: a@example.com\r\nSubject: big\r\n\r\n"
    return OutgoingMail(
        raw=head + b"x" * (size - len(head)), sender="bounces@snack.example", recipients=("a@example.com",)
    )


def test_a_message_past_ses_size_limit_is_rejected_not_raised(aws_world: AwsWorld) -> None:
    """Rejected: that one message is written off; SES's own MessageRejected would stop all sending."""
    mailer = SesMailer(aws_world.sesv2, "calsnack")
    largest = aws_limits.SES_MESSAGE_BYTES // 4 * 3
    assert len(base64.b64encode(_mail(largest).raw)) <= aws_limits.SES_MESSAGE_BYTES
    assert mailer.send(_mail(largest))
    with pytest.raises(Rejected, match="40 MB"):
        mailer.send(_mail(largest + 1))
    recipients = tuple(f"r{n}@example.com" for n in range(51))
    with pytest.raises(Rejected, match="50"):
        mailer.send(OutgoingMail(raw=_mail(1000).raw, sender="bounces@snack.example", recipients=recipients))


# -- DynamoDB: BatchGetItem (100 keys) -------------------------------------------------------


def test_suppression_lookups_of_many_addresses_ask_100_keys_a_request(aws_world: AwsWorld) -> None:
    store = aws_world.store
    emails = [f"{unique('a')}@example.org" for _ in range(260)]  # 520 keys: six requests
    for email in emails[::50]:
        store.suppress(email, "*", "bounce", T0)
    assert store.suppressed(emails, "example.com") == set(emails[::50])
