"""What only the AWS set has to get right: request limits, partial failures, error mapping, key layout.

The behaviour shared with the embedded set is pinned by the other modules of this suite.
"""

from __future__ import annotations

import os

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from calsnack.adapters.aws import queue as aws_queue
from calsnack.adapters.aws.mailer import CLIENT_CONFIG as mailer_client_config
from calsnack.adapters.aws.mailer import SesMailer
from calsnack.adapters.aws.queue import BATCH_BYTES, QueueSendError, SqsQueue, batches
from calsnack.adapters.aws.retry import ATTEMPTS
from calsnack.adapters.aws.store import ATTENDEE_SHARDS, DynamoStore, batching
from calsnack.adapters.aws.store.codec import event_from_item, event_item
from calsnack.adapters.aws.store.keys import attendee_pk, event_pk
from calsnack.bootstrap import aws_services
from calsnack.domain.model import (
    ApiKey,
    BatchStatus,
    Delivery,
    Method,
    PartStat,
    RowError,
    Source,
    event_key_prefix,
)
from calsnack.ical.derived import derived_calendar
from calsnack.ical.write import fields_calendar
from calsnack.ports import OutgoingMail, QueueMessage, QueueName, Rejected, SendingStopped, Throttled
from calsnack.usecases.send_deliveries import SEND_ALLOWANCE

from tests.aws_limits import item_size
from tests.contract.adapter_sets import REGION, TABLE
from tests.contract.builders import T0, answer, calendar_of, make_event, unique


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(aws_queue, "pause", lambda attempt: None)
    monkeypatch.setattr(batching, "pause", lambda attempt: None)


# -- SQS ------------------------------------------------------------------------------------


def test_batches_respect_entry_and_byte_limits():
    small = [QueueMessage("x") for _ in range(23)]
    assert [len(b) for b in batches(small, fifo=False)] == [10, 10, 3]
    big = [QueueMessage("y" * (100 * 1024)) for _ in range(5)]
    assert [len(b) for b in batches(big, fifo=False)] == [2, 2, 1]
    with pytest.raises(ValueError):
        list(batches([QueueMessage("z" * (BATCH_BYTES + 1))], fifo=False))


def test_a_fifo_batch_holds_one_message_per_group():
    messages = [QueueMessage(str(i), group=g) for i, g in enumerate("aabcab")]
    assert [[m.body for m in b] for b in batches(messages, fifo=True)] == [["0"], ["1", "2", "3"], ["4", "5"]]
    assert len(list(batches(messages, fifo=False))) == 1


def sqs_stub():
    client = boto3.client("sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def entries(*bodies):
    return [{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)]


def failure(entry_id, sender_fault=False):
    return {"Id": entry_id, "SenderFault": sender_fault, "Code": "InternalError"}


def test_sqs_failures_are_retried_entry_by_entry():
    client, stub = sqs_stub()
    url = "https://sqs.us-east-1.amazonaws.com/1/sends"
    first = entries("0", "1", "2", "3", "4")
    stub.add_response(
        "send_message_batch",
        {"Successful": [], "Failed": [failure("1"), failure("3")]},
        {"QueueUrl": url, "Entries": first},
    )
    stub.add_response(
        "send_message_batch",
        {"Successful": [], "Failed": []},
        {"QueueUrl": url, "Entries": [first[1], first[3]]},
    )
    with stub:
        SqsQueue({QueueName.SENDS: url}, client).send(
            QueueName.SENDS, [QueueMessage(str(i)) for i in range(5)]
        )
    stub.assert_no_pending_responses()


def test_a_sender_fault_is_not_retried():
    client, stub = sqs_stub()
    stub.add_response("send_message_batch", {"Successful": [], "Failed": [failure("0", sender_fault=True)]})
    with stub, pytest.raises(QueueSendError):
        SqsQueue({QueueName.SENDS: "https://sqs/sends"}, client).send(QueueName.SENDS, [QueueMessage("0")])


def test_sqs_gives_up_after_the_last_attempt():
    client, stub = sqs_stub()
    for _ in range(ATTEMPTS):
        stub.add_response("send_message_batch", {"Successful": [], "Failed": [failure("0")]})
    with stub, pytest.raises(QueueSendError):
        SqsQueue({QueueName.SENDS: "https://sqs/sends"}, client).send(QueueName.SENDS, [QueueMessage("0")])
    stub.assert_no_pending_responses()


def test_a_fifo_message_needs_a_group():
    client, _ = sqs_stub()
    with pytest.raises(ValueError):
        SqsQueue({QueueName.COMMANDS: "https://sqs/c.fifo"}, client).send(
            QueueName.COMMANDS, [QueueMessage("row")]
        )


# -- SES ------------------------------------------------------------------------------------


UNVERIFIED_CHECK = (
    "Email address is not verified. The following identities failed the check in region US-EAST-1:"
)


@pytest.mark.parametrize(
    ("code", "message", "status", "raised"),
    [
        # The rate limit, in each shape SES v2 reports it: back off and retry.
        ("TooManyRequestsException", "Maximum sending rate exceeded.", 429, Throttled),
        ("ThrottlingException", "Maximum sending rate exceeded.", 400, Throttled),
        ("Throttling", "Maximum sending rate exceeded.", 400, Throttled),
        ("ThrottlingException", "Rate exceeded", 400, Throttled),
        # The daily quota and the account's state: stop sending, keep the work.
        ("ThrottlingException", "Daily message quota exceeded.", 400, SendingStopped),
        ("LimitExceededException", "Daily message quota exceeded.", 400, SendingStopped),
        ("LimitExceededException", "", 400, SendingStopped),
        ("SendingPausedException", "Sending is paused for this account.", 400, SendingStopped),
        ("AccountSuspendedException", "The account has been suspended.", 400, SendingStopped),
        ("MailFromDomainNotVerifiedException", "MAIL FROM domain not verified.", 400, SendingStopped),
        # Our own sending identity unverified (the domain's DNS records not yet published).
        ("MessageRejected", f"{UNVERIFIED_CHECK} a@snack.example", 400, SendingStopped),
        ("MessageRejected", f"{UNVERIFIED_CHECK} snack.example, b@x.example", 400, SendingStopped),
        ("NotFoundException", "Configuration set <calsnack> does not exist.", 404, SendingStopped),
        # This one message: its recipient fails, the chunk goes on.
        ("BadRequestException", "Illegal address", 400, Rejected),
        ("MessageRejected", "Message length is more than 40 MB.", 400, Rejected),
        # In the sandbox, a recipient who is no verified identity.
        ("MessageRejected", f"{UNVERIFIED_CHECK} b@x.example", 400, Rejected),
        # SES's own transient failure: retried like throttling.
        ("InternalFailure", "", 500, Throttled),
        # Anything else is a bug of ours: raised as it is.
        ("AccessDeniedException", "not authorized to perform ses:SendEmail", 403, ClientError),
    ],
)
def test_ses_errors_map_to_the_port(code, message, status, raised):
    client = boto3.client("sesv2", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error(
            "send_email", service_error_code=code, service_message=message, http_status_code=status
        )
        with pytest.raises(raised):
            SesMailer(client).send(OutgoingMail(b"Subject: x\r\n\r\n", "a@snack.example", ("b@x.example",)))


def test_an_unreachable_ses_is_retried_like_throttling():
    client = boto3.client(
        "sesv2", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x",
        endpoint_url="http://127.0.0.1:9", config=mailer_client_config,
    )  # fmt: skip
    with pytest.raises(Throttled, match="unreachable"):
        SesMailer(client).send(OutgoingMail(b"Subject: x\r\n\r\n", "a@snack.example", ("b@x.example",)))


def test_the_ses_client_answers_within_the_senders_allowance():
    # A send begun with SEND_ALLOWANCE seconds left ends before the deadline: no botocore
    # retries hide time from the budget, and the socket timeouts bound one call.
    assert mailer_client_config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert mailer_client_config.connect_timeout + mailer_client_config.read_timeout <= SEND_ALLOWANCE


# -- DynamoDB -------------------------------------------------------------------------------


def all_items(world):
    return [
        item
        for page in world.dynamodb.get_paginator("scan").paginate(TableName=TABLE)
        for item in page["Items"]
    ]


def test_one_events_attendees_spread_over_every_shard(aws_world):
    key = unique("evt")
    emails = [f"p{i}@x.example" for i in range(200)]
    aws_world.store.record_sent([Delivery(key, e, 0, Method.REQUEST) for e in emails], T0)
    items = [i for i in all_items(aws_world) if i["pk"]["S"].startswith(f"EVT#{key}#A")]
    assert len(items) == 200
    assert {i["pk"]["S"] for i in items} == {attendee_pk(key, s) for s in range(ATTENDEE_SHARDS)}
    # Attendee items stay out of the indexes: a million invitations write no GSI.
    assert not any(name.startswith("gsi") for i in items for name in i)


def test_event_items_live_under_their_domain_and_carry_no_index_keys(aws_world):
    event = aws_world.store.put_event(make_event("Ada@Corp.Example", "e-1"))
    pk = f"EVTS#{event_key_prefix('corp.example')}#{event.key[8]}"
    item = aws_world.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": event.key}})["Item"]
    assert event.key.startswith(event_key_prefix("corp.example", "e-1"))
    # An event costs its own write units only: no index is written per event of a batch.
    assert not any(name.startswith("gsi") for name in item)
    assert item["start"]["S"] == "2031-06-01T18:00:00-05:00"


def test_a_csv_events_calendar_is_stored_only_if_its_fields_do_not_rebuild_it():
    made = make_event(f"ada@{unique('d')}.example", "reminder-1")
    rebuilt = make_event(f"bob@{unique('d')}.example", "reminder-2")
    rebuilt = rebuilt.revised(calendar=fields_calendar(rebuilt))
    for event, kept in ((made, True), (rebuilt, False), (rebuilt.revised(source=Source.CALENDAR), True)):
        item = event_item(event, derived_calendar)
        assert ("calendar" in item) is kept
        assert event_from_item(item, derived_calendar) == event


def test_a_csv_event_whose_calendar_its_fields_give_is_one_write_unit():
    """A realistic CSV event: a two-line description, a place, a meeting link, a zone with DST."""
    event = make_event(f"ada@{unique('d')}.example", unique("ev-"))
    event = event.revised(calendar=fields_calendar(event))
    assert item_size(event_item(event, derived_calendar)) <= 1024
    # Its reminder keeps the text stored (compressed), at a second write unit at most.
    with_reminder = event.revised(calendar=calendar_of(event, reminder=30))
    assert 1024 < item_size(event_item(with_reminder, derived_calendar)) <= 2048


def test_an_event_item_without_a_calendar_its_fields_do_not_give_is_refused():
    event = make_event(f"ada@{unique('d')}.example", unique("ev-"), source=Source.CALENDAR)
    item = event_item(event, derived_calendar)
    del item["calendar"]
    with pytest.raises(ValueError, match="holds no calendar"):
        event_from_item(item, derived_calendar)


def test_an_organizers_events_are_chosen_by_dynamodb_not_shipped_and_dropped(aws_world, monkeypatch):
    domain = f"{unique('d')}.example"
    ours = [aws_world.store.put_event(make_event(f"ann@{domain}", f"a-{n}")) for n in range(3)]
    for n in range(20):
        aws_world.store.put_event(make_event(f"noreply@{domain}", f"reminder-{n}"))
    returned: list[int] = []
    query = aws_world.store.client.query

    def counted(**request):
        response = query(**request)
        returned.append(response["Count"])
        return response

    monkeypatch.setattr(aws_world.store.client, "query", counted)
    assert aws_world.store.events_by_organizer(f"ann@{domain}") == ours
    assert sum(returned) == 3


def test_a_domain_whose_digest_prefix_collides_is_not_mixed_in(aws_world):
    """Eight hex digits of a domain's digest can collide; the organizer's domain decides."""
    domain = f"{unique('d')}.example"
    ours = aws_world.store.put_event(make_event(f"ann@{domain}", "shared-id"))
    stranger = make_event("eve@elsewhere.example", "shared-id")
    item = event_item(stranger, derived_calendar)
    # The stranger's event stored where one of `domain`'s events with this id would be.
    item["pk"], item["sk"] = {"S": event_pk(ours.key)}, {"S": ours.key[:16] + "f" * 40}
    aws_world.dynamodb.put_item(TableName=TABLE, Item=item)
    assert aws_world.store.find_by_event_id(domain, "shared-id") == [ours]
    assert aws_world.store.events_by_domain(domain) == [ours]


def test_markers_expire_and_state_does_not(aws_world):
    done, batch = unique("done-"), unique("batch-")
    store: DynamoStore = aws_world.store
    store.mark_done(done)
    store.record_answer(unique("evt"), answer("a@x.example", PartStat.ACCEPTED, T0))
    store.create_batch(BatchStatus(batch, "s@corp.example", "corp.example"))
    store.batch_progress(batch, "c1", applied=1, refused=[RowError(2, "date", "past")])
    for item in all_items(aws_world):
        pk, sk = item["pk"]["S"], item["sk"]["S"]
        is_marker = pk == f"DONE#{done}" or (pk.startswith(f"BATCH#{batch}#") and sk.startswith("CHUNK#"))
        assert ("ttl" in item) == is_marker, (pk, sk)


def test_a_conflicting_transaction_is_retried():
    client = boto3.client("dynamodb", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    store = DynamoStore(TABLE, client, derived_calendar=derived_calendar)
    with Stubber(client) as stub:
        stub.add_client_error(
            "transact_write_items",
            service_error_code="TransactionCanceledException",
            modeled_fields={"CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]},
        )
        stub.add_response("transact_write_items", {})
        assert store.batch_progress("b", "c", applied=1)
        stub.add_client_error(
            "transact_write_items",
            service_error_code="TransactionCanceledException",
            modeled_fields={"CancellationReasons": [{"Code": "ConditionalCheckFailed"}, {"Code": "None"}]},
        )
        assert not store.batch_progress("b", "c", applied=1)
        stub.add_client_error(
            "transact_write_items",
            service_error_code="TransactionCanceledException",
            modeled_fields={"CancellationReasons": [{"Code": "None"}, {"Code": "ValidationError"}]},
        )
        with pytest.raises(ClientError):
            store.batch_progress("b", "c", applied=1)


def test_suppressed_retries_unprocessed_keys():
    client = boto3.client("dynamodb", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    store = DynamoStore(TABLE, client, derived_calendar=derived_calendar)
    everywhere = {"pk": {"S": "SUP#a@x.example"}, "sk": {"S": "*"}}
    for_corp = {"pk": {"S": "SUP#a@x.example"}, "sk": {"S": "corp.example"}}
    with Stubber(client) as stub:
        stub.add_response(
            "batch_get_item",
            {
                "Responses": {TABLE: []},
                "UnprocessedKeys": {TABLE: {"Keys": [for_corp], "ConsistentRead": True}},
            },
            {"RequestItems": {TABLE: {"Keys": [everywhere, for_corp], "ConsistentRead": True}}},
        )
        stub.add_response(
            "batch_get_item",
            {"Responses": {TABLE: [{**for_corp, "reason": {"S": "unsubscribe"}}]}},
            {"RequestItems": {TABLE: {"Keys": [for_corp], "ConsistentRead": True}}},
        )
        assert store.suppressed(["A@x.example"], "Corp.Example") == {"a@x.example"}
        stub.assert_no_pending_responses()


def test_api_key_items_are_listed_through_gsi1(aws_world):
    domain, key_hash = f"{unique()}.example", unique("hash-")
    aws_world.store.put_api_key(ApiKey(key_hash, domain, T0, "ci"))
    item = aws_world.dynamodb.get_item(
        TableName=TABLE, Key={"pk": {"S": f"APIKEY#{key_hash}"}, "sk": {"S": "APIKEY"}}
    )["Item"]
    assert (item["gsi1pk"]["S"], item["gsi1sk"]["S"]) == (
        f"KEYS#{domain}",
        "2031-05-17T09:30:00.000000+00:00",
    )


# -- composition ----------------------------------------------------------------------------


def test_services_from_environment(aws_world, monkeypatch):
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = secrets.create_secret(Name=unique("link-key-"), SecretString="k3y")["ARN"]
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name, value in {
        "TABLE_NAME": TABLE,
        "MAIL_BUCKET": "mail",
        "COMMANDS_QUEUE_URL": "https://sqs/commands.fifo",
        "SENDS_QUEUE_URL": "https://sqs/sends",
        "MAIL_DOMAIN": "snack.example",
        "LINK_KEY_SECRET_ARN": arn,
        "BATCH_DOMAINS": " Corp.Example, ,other.example",
        "SEND_RATE": "12.5",
    }.items():
        monkeypatch.setenv(name, value)
    services = aws_services(os.environ)
    settings = services.settings
    assert (settings.domain, settings.base_url, settings.authserv_id) == (
        "snack.example",
        "https://snack.example",
        "amazonses.com",
    )
    assert (settings.link_key, settings.batch_domains, settings.send_rate) == (
        b"k3y",
        frozenset({"corp.example", "other.example"}),
        12.5,
    )
    assert services.store.get_event("none") is None
