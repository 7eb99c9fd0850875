"""AWS requests and DynamoDB write units per million invitations, counted on moto and scaled.

Every botocore call the adapters make is counted while a CSV batch goes through the real
Lambda handlers (inbound mail → command worker → sender) against moto. Write units are
estimated from item sizes as DynamoDB bills them: one unit per started KiB written, twice
that inside a transaction, plus a unit per index a put writes. SQS requests are counted as
SQS bills them: each started 64 KiB of a request's payload is one request. Two shapes are
measured: the reminder market (one event per
row, one attendee each) and the webinar (one event, every attendee through INVITE rows).
"""

from __future__ import annotations

import json
import math
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

#: us-east-1 list prices, USD (2026): SES outbound per 1,000 messages; SQS per million requests
#: (FIFO for commands, standard for sends, averaged as FIFO to stay conservative); DynamoDB
#: on-demand per million write / read request units; Lambda per GB-second (arm64).
PRICES = {"ses_per_1000": 0.10, "sqs_per_million": 0.50, "ddb_write_per_million": 0.625,
          "ddb_read_per_million": 0.125}  # fmt: skip

#: The payload size SQS bills as one request.
SQS_CHUNK = 64 * 1024

SENDER = "ops@example.test"
HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,location,description,attendees"
#: A reminder as insurers and garages send them: a place and a few lines of text.
PLACE = '"Branch 12, 100 Main Street, Springfield"'
NOTE = ('"Your car is due for its oil change. Bring the car and its service book; it takes about'
        ' half an hour. To move the appointment, answer No and we will call you, or call 555-0100."')  # fmt: skip


def _size(value: dict[str, Any]) -> int:
    """DynamoDB's item size: attribute names plus values (strings UTF-8, numbers ~ digits/2)."""
    total = 0
    for name, typed in value.items():
        total += len(name.encode())
        ((kind, inner),) = typed.items()
        if kind == "S":
            total += len(inner.encode())
        elif kind == "B":
            total += len(inner)
        elif kind == "N":
            total += len(inner) // 2 + 1
        elif kind == "BOOL" or kind == "NULL":
            total += 1
        elif kind == "M":
            total += 3 + _size(inner)
        elif kind == "L":
            total += 3 + sum(_size({"": v}) for v in inner)
        else:
            total += len(json.dumps(inner))
    return total


def _index_writes(item: dict[str, Any]) -> int:
    """A put writes each index whose key the item carries: one unit each (KEYS_ONLY, small).

    Updates in this code never change index keys, so they write no index.
    """
    return sum(1 for name in item if name.startswith("gsi") and name.endswith("pk"))


class Meter:
    """Counts calls per service and operation, and the write units of DynamoDB writes."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.updated_keys: list[tuple[str, dict[str, Any], int]] = []
        self.write_units = 0.0
        #: SQS bills each started 64 KiB of a request's payload as one request.
        self.sqs_billed = 0

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build", self._before)
        client.meta.events.register("after-call.sqs.ReceiveMessage", self._received)

    def _received(self, parsed: dict[str, Any], **_: Any) -> None:
        payload = sum(len(m["Body"].encode()) for m in parsed.get("Messages", []))
        self.sqs_billed += max(1, math.ceil(payload / SQS_CHUNK)) - 1  # the call itself counted before

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        self.calls[f"{service}:{model.name}"] += 1
        if service == "sqs":
            bodies = [e["MessageBody"] for e in params.get("Entries", []) if "MessageBody" in e]
            bodies += [params["MessageBody"]] if "MessageBody" in params else []
            self.sqs_billed += max(1, math.ceil(sum(len(b.encode()) for b in bodies) / SQS_CHUNK))
        if service != "dynamodb":
            return
        if model.name == "PutItem":
            self.write_units += math.ceil(_size(params["Item"]) / 1024) + _index_writes(params["Item"])
        elif model.name in ("UpdateItem", "DeleteItem"):
            self.updated_keys.append((params["TableName"], params["Key"], 1))
        elif model.name == "BatchWriteItem":
            for requests in params["RequestItems"].values():
                for r in requests:
                    if "PutRequest" in r:
                        item = r["PutRequest"]["Item"]
                        self.write_units += math.ceil(_size(item) / 1024) + _index_writes(item)
                    else:
                        self.write_units += 1
        elif model.name == "TransactWriteItems":
            for item in params["TransactItems"]:
                ((kind, body),) = item.items()
                if kind == "Put":
                    item = body["Item"]
                    self.write_units += 2 * math.ceil(_size(item) / 1024) + _index_writes(item)
                elif kind in ("Update", "Delete"):
                    self.updated_keys.append((body["TableName"], body["Key"], 2))
                else:
                    self.write_units += 2

    def settle(self, dynamodb: Any) -> None:
        """Updates are billed on the item's size: read each updated item's final size once."""
        sizes: dict[str, int] = {}
        for table, key, factor in self.updated_keys:
            ident = json.dumps(key, sort_keys=True)
            if ident not in sizes:
                item = dynamodb.get_item(TableName=table, Key=key).get("Item", key)
                sizes[ident] = math.ceil(_size(item) / 1024)
            self.write_units += factor * sizes[ident]
        self.updated_keys = []


def run_shape(shape: str, invitations: int) -> dict[str, Any]:
    import boto3
    from calsnack.config import Settings
    from calsnack.ports import Services
    from calsnack.serve.options import quiet_powertools
    from moto import mock_aws
    from moto.dynamodb.models.table import Table

    from tests.contract.adapter_sets import MAIL_DOMAIN, AwsWorld
    from tests.integration.conftest import World
    from tests.mailfactory import batch_mail

    quiet_powertools()
    # moto backs up every table with a deep copy before each transaction, so a run of many
    # chunks grows quadratically (12 GB at 6,400 events). The bench's transactions never fail
    # half-way, so the backup is skipped: the requests counted are the same.
    Table.__deepcopy__ = lambda self, memo: self  # type: ignore[method-assign]
    with mock_aws(), tempfile.TemporaryDirectory():
        aws = AwsWorld()
        adapters = aws.adapter_set()
        meter = Meter()
        for client in (aws.dynamodb, aws.sqs, aws.s3, aws.sesv2):
            meter.attach(client)
        settings = Settings(domain=MAIL_DOMAIN, base_url="https://calsnack.test", authserv_id="amazonses.com",
                            link_key=b"bench-key-0123456789abcdef012345")  # fmt: skip
        services = Services(settings=settings, store=adapters.store, queue=adapters.queue, blobs=adapters.blobs,
                            mailer=adapters.mailer)  # fmt: skip
        world = World("aws", services, adapters)
        day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
        if shape == "reminders":
            rows = [f"CREATE,r{i},{SENDER},{day},09:00,09:30,America/Chicago,Oil change,{PLACE},{NOTE},c{i}@client.test"
                    for i in range(invitations)]  # fmt: skip
        else:
            people = [f"p{i}@client.test" for i in range(invitations)]
            rows = [f"CREATE,webinar,{SENDER},{day},16:00,17:00,Europe/Berlin,Webinar,,,"]
            rows += [
                f"INVITE,webinar,,,,,,,,,{';'.join(people[i : i + 100])}" for i in range(0, invitations, 100)
            ]
        world.deliver("batch", batch_mail(SENDER, HEADER + "\n" + "\n".join(rows) + "\n", domain=MAIL_DOMAIN),
                      sender=SENDER)  # fmt: skip
        world.pump()
        meter.settle(boto3.client("dynamodb", region_name="us-east-1"))
        sent = sum(1 for r, _ in world.outbox() if any(x.endswith("@client.test") for x in r))
    assert sent == invitations, (sent, invitations)
    scale = 1_000_000 / invitations
    by_service: Counter[str] = Counter()
    for name, count in meter.calls.items():
        by_service[name.split(":")[0]] += count
    sqs = meter.sqs_billed * scale
    ses = by_service["sesv2"] * scale
    ddb_writes = meter.write_units * scale
    ddb_reads = sum(c for n, c in meter.calls.items() if n.startswith("dynamodb:") and
                    n.split(":")[1] in ("GetItem", "Query", "BatchGetItem")) * scale  # fmt: skip
    cost = (ses / 1000 * PRICES["ses_per_1000"] + sqs / 1e6 * PRICES["sqs_per_million"]
            + ddb_writes / 1e6 * PRICES["ddb_write_per_million"] + ddb_reads / 1e6 * PRICES["ddb_read_per_million"])  # fmt: skip
    return {
        "shape": shape,
        "measured_invitations": invitations,
        "per_million": {
            "sqs_requests": round(sqs),
            "sqs_api_calls": round(by_service["sqs"] * scale),
            "ses_requests": round(ses),
            "dynamodb_write_units": round(ddb_writes),
            "dynamodb_read_requests": round(ddb_reads),
            "s3_requests": round(by_service["s3"] * scale),
        },
        "cost_usd_per_million": round(cost, 2),
        "calls": dict(sorted(meter.calls.items())),
    }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    # 12,800 reminder rows fill the splitter's 64 groups with two full chunks of 100 each,
    # as a large file does; fewer rows would leave chunks part-empty and overstate SQS.
    results = [run_shape("webinar", 2_000), run_shape("reminders", 12_800)]
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
