"""Every handler at its worst case under the template's limits (tests/lambda_runtime.py): the
largest batch its event source hands it, the biggest input AWS lets through, within the
function's timeout and memory and Lambda's payload limits. moto stands in for AWS; the sender's
slowest configured rate runs on a fake clock in test_sender_time_budget.py.

The assertions stay at the handler boundary (event in, response and stored state out), so the
use cases behind each handler may change freely.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import boto3
import pytest
from calsnack.adapters.aws.blobs import S3BlobStore
from calsnack.adapters.embedded.queue import Received
from calsnack.api.management import MANAGEMENT_PREFIXES
from calsnack.ports import QueueName, Services
from calsnack.queue_messages import decode
from calsnack.serve.http import Authorizer
from calsnack.serve.lambda_events import api_gateway_event, response_body, s3_put_event, sqs_event
from calsnack.usecases.ingest_batch import GROUPS
from calsnack.usecases.issue_api_key import issue_api_key

from tests.contract.adapter_sets import REGION
from tests.harness import stored_mail
from tests.integration.conftest import World
from tests.lambda_runtime import SYNC_PAYLOAD, Limits, invoke, template_limits
from tests.mailfactory import batch_mail, invitation

#: The handlers over the AWS adapter set (moto), the one whose limits these are.
on_aws = pytest.mark.parametrize("world", ["aws"], indirect=True)

#: SES receives mail of up to 40 MB, headers and encoding included, into the S3 bucket.
SES_INBOUND_BYTES = 40 * 1000 * 1000
#: API Gateway ends an integration after 29 s, whatever the function's timeout.
API_GATEWAY_TIMEOUT = 29.0
HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,location,meeting_url,description,attendees"
OPS = "ops@example.test"


def limits(entry: str) -> Limits:
    return template_limits()[entry]


def delivered(world: World, route: str, message: EmailMessage, sender: str) -> dict[str, Any]:
    """An S3 notification for `message` stored as SES stores it (the event Lambda gets, async)."""
    key = f"mail/{route}/{uuid.uuid4().hex}"
    raw = stored_mail(message, authserv_id=world.services.settings.authserv_id, envelope_from=sender)
    world.services.blobs.put(key, raw)
    return s3_put_event("mail", key, len(raw))


def future(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


@on_aws
def test_inbound_mail_takes_an_invitation_at_ses_size_limit(world: World) -> None:
    from lambdas.inbound_mail.handler import make_handler

    lambda_handler = make_handler(world.services)
    mail = invitation(f"huge-{uuid.uuid4().hex}@example.test")
    # An attachment whose base64 (76-character lines) fills the message up to SES's limit.
    raw = int(SES_INBOUND_BYTES * 0.985 * 3 / 4)
    mail.add_attachment(
        os.urandom(raw), maintype="application", subtype="octet-stream", filename="agenda.bin"
    )
    event = delivered(world, "snack", mail, "olga@example.test")
    size = event["Records"][0]["s3"]["object"]["size"]
    assert 0.97 * SES_INBOUND_BYTES < size <= SES_INBOUND_BYTES
    report = invoke(lambda_handler, event, limits("inbound_mail"))
    assert report.result["outcomes"]


def event_ids_in_own_groups(count: int) -> list[str]:
    """Fresh event ids, each in a FIFO group of its own: random ones share a group now and then,
    and their rows then pack into one message (12 events made 9 messages once in a while)."""
    ids: dict[int, str] = {}
    while len(ids) < count:
        event_id = f"lim-{uuid.uuid4().hex[:8]}"
        ids.setdefault(zlib.crc32(event_id.encode()) % GROUPS, event_id)
    return list(ids.values())


def csv_batch(events: int, invites_per_event: int, attendees_per_row: int) -> str:
    rows = [HEADER]
    for e, event_id in enumerate(event_ids_in_own_groups(events)):
        rows.append(f"CREATE,{event_id},olga@example.test,{future()},09:00,10:00,America/Chicago,"
                    f"Limits {e},Room {e},,A description long enough to look like one,")  # fmt: skip
        for r in range(invites_per_event):
            guests = ";".join(f"g{e}-{r}-{a}@client.test" for a in range(attendees_per_row))
            rows.append(f"INVITE,{event_id},,,,,,,,,,{guests}")
    return "\r\n".join(rows) + "\r\n"


@on_aws
def test_a_big_batch_through_inbound_mail_then_full_command_worker_batches(world: World) -> None:
    from lambdas.command_worker.handler import make_handler as command_worker_for
    from lambdas.inbound_mail.handler import make_handler as inbound_mail_for

    command_worker, inbound_mail = command_worker_for(world.services), inbound_mail_for(world.services)

    # 12 events in different FIFO groups, so the command worker gets batches of its full size.
    text = csv_batch(events=12, invites_per_event=5, attendees_per_row=4)
    report = invoke(
        inbound_mail, delivered(world, "batch", batch_mail(OPS, text), OPS), limits("inbound_mail")
    )
    assert report.result["outcomes"]

    worker = limits("command_worker")
    assert worker.batch_size == 10
    messages = world.adapters.drain(QueueName.COMMANDS)
    assert len(messages) >= worker.batch_size
    full_batches = 0
    for i in range(0, len(messages), worker.batch_size):
        batch = [Received(str(n), str(n), m.body, m.group, 1, 0.0) for n, m in
                 enumerate(messages[i : i + worker.batch_size], start=i)]  # fmt: skip
        full_batches += len(batch) == worker.batch_size
        result = invoke(command_worker, sqs_event("commands", batch, fifo=True), worker).result
        assert result["batchItemFailures"] == []
    assert full_batches >= 1
    sends = world.adapters.drain(QueueName.SENDS)
    invited = sum(len(getattr(decode(m.body), "deliveries", ())) for m in sends)
    assert invited == 12 * 5 * 4


def ses_event(kind: str, recipient: str, padding: int) -> dict[str, Any]:
    """An SES event-publishing record as SNS delivers it raw, with the mail's headers (the bulk)."""
    headers = [{"name": f"X-Header-{n}", "value": "v" * 200} for n in range(padding // 220)]
    body: dict[str, Any] = {
        "eventType": kind,
        "mail": {"messageId": uuid.uuid4().hex, "destination": [recipient], "headers": headers,
                 "commonHeaders": {"messageId": f"<{uuid.uuid4().hex}@snack.example>"}},
    }  # fmt: skip
    if kind == "Bounce":
        body["bounce"] = {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": recipient}]}
    elif kind == "Complaint":
        body["complaint"] = {"complainedRecipients": [{"emailAddress": recipient}]}
    return body


@on_aws
def test_feedback_records_a_full_batch_of_large_ses_events(world: World) -> None:
    from lambdas.feedback.handler import make_handler

    lambda_handler = make_handler(world.services)
    feedback = limits("feedback")
    assert feedback.batch_size is not None
    tag = uuid.uuid4().hex[:8]
    kinds = ["Delivery", "Bounce", "Complaint", "Delivery"]
    bodies = [
        json.dumps(
            ses_event(kinds[n % 4], f"r{n}@{tag}.test", padding=SYNC_PAYLOAD // feedback.batch_size // 2)
        )
        for n in range(feedback.batch_size)
    ]
    batch = [Received(str(n), str(n), body, None, 1, 0.0) for n, body in enumerate(bodies)]
    result = invoke(lambda_handler, sqs_event("feedback", batch, fifo=False), feedback).result
    assert result["batchItemFailures"] == []
    suppressed = world.services.store.suppressed({f"r{n}@{tag}.test" for n in range(len(bodies))}, "any.test")
    assert len(suppressed) == len(bodies) // 2  # the bounces and the complaints


@on_aws
def test_exporter_takes_full_stream_batches(world: World) -> None:
    from lambdas.exporter.handler import make_handler
    from tests.integration.test_export import stream_records

    exporter = limits("exporter")
    assert exporter.batch_size is not None
    # Enough table changes for a full batch: a batch of events with their attendees, invited.
    text = csv_batch(events=2, invites_per_event=10, attendees_per_row=15)
    world.deliver("batch", batch_mail(OPS, text, domain=world.domain), sender=OPS)
    world.pump()
    records = stream_records()
    assert len(records) >= exporter.batch_size
    bucket = f"analytics-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=bucket)
    lambda_handler = make_handler(dataclasses.replace(world.services, analytics=S3BlobStore(bucket, s3)))
    batch = {"Records": records[-exporter.batch_size :]}
    result = invoke(lambda_handler, batch, exporter).result
    assert result["batchItemFailures"] == []


def gateway_authorizer(services: Services) -> Authorizer:
    from lambdas.authorizer.handler import make_handler

    lambda_handler = make_handler(services)

    return Authorizer(lambda event, _context: invoke(lambda_handler, event, limits("authorizer")).result,
                      MANAGEMENT_PREFIXES)  # fmt: skip


@on_aws
def test_api_takes_the_largest_csv_upload_a_synchronous_invocation_carries(world: World) -> None:
    from lambdas.api.handler import make_handler

    lambda_handler = make_handler(world.services)
    deployed = limits("api")
    api = dataclasses.replace(deployed, timeout=min(deployed.timeout, API_GATEWAY_TIMEOUT))
    key = issue_api_key(world.services.store, "example.test", "limits", datetime.now(UTC)).secret
    # API Gateway hands text/csv over base64-encoded: 6 MB of event carry about 4.4 MB of CSV.
    rows, one_event = [HEADER], csv_batch(events=1, invites_per_event=0, attendees_per_row=0).splitlines()[1]
    rows.append(one_event)
    event_id = one_event.split(",")[1]
    guests = ";".join(f"u{a}@client.test" for a in range(40))
    row = f"INVITE,{event_id},,,,,,,,,,{guests}"
    budget = (SYNC_PAYLOAD - 20_000) * 3 // 4
    rows += [row] * ((budget - len(HEADER) - len(one_event)) // (len(row) + 2))
    body = ("\r\n".join(rows) + "\r\n").encode()
    headers = {"Content-Type": "text/csv", "Authorization": f"Bearer {key}"}
    event = api_gateway_event("POST", "/batches?sender=ops@example.test", headers, body)
    assert SYNC_PAYLOAD - 100_000 < len(json.dumps(event)) <= SYNC_PAYLOAD
    refusal = gateway_authorizer(world.services).authorize(event)
    assert refusal is None
    response = invoke(lambda_handler, event, api).result
    assert response["statusCode"] == 202, response_body(response)


@on_aws
def test_the_authorizer_answers_a_request_with_headers_at_api_gateways_limit(world: World) -> None:
    key = issue_api_key(world.services.store, "example.test", "limits", datetime.now(UTC)).secret
    # REST APIs take up to 10 KB of request line and headers.
    headers = {"Authorization": f"Bearer {key}", "X-Padding": "p" * 9_500}
    event = api_gateway_event("GET", "/batches/none", headers, b"")
    assert gateway_authorizer(world.services).authorize(event) is None
    assert event["requestContext"]["authorizer"]["domain"] == "example.test"


def test_the_harness_refuses_what_lambda_refuses() -> None:
    from tests.lambda_runtime import ASYNC_PAYLOAD, LimitExceeded

    inbound = limits("inbound_mail")
    with pytest.raises(LimitExceeded, match="exceeds"):
        invoke(lambda e, c: None, {"blob": base64.b64encode(b"x" * ASYNC_PAYLOAD).decode()}, inbound)
    sender = limits("sender")
    records = [{"body": "{}"}] * ((sender.batch_size or 0) + 1)
    with pytest.raises(LimitExceeded, match="batch size"):
        invoke(lambda e, c: None, {"Records": records}, sender)
