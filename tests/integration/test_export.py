"""The analytics export read back with DuckDB through the Athena views (infra/sql) gives the counts
`calsnack report` gives: `calsnack export` on the embedded stack, and the exporter Lambda fed the
DynamoDB stream records moto produced (writing to a moto S3 bucket) on the AWS one."""

from __future__ import annotations

import argparse
import dataclasses
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest
from calsnack.adapters.aws.blobs import S3BlobStore
from calsnack.analytics.files import read_rows
from calsnack.analytics.rows import TABLES
from calsnack.cli.export import register
from calsnack.domain.addresses import domain_of
from calsnack.domain.model import PartStat, event_key
from calsnack.serve.lambda_events import LambdaContext
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp
from calsnack.usecases.build_report import report_domain, report_event, report_organizer

from infra.analytics import VIEWS, view_sql
from tests.contract.adapter_sets import REGION, TABLE
from tests.contract.builders import answer, make_event
from tests.integration.conftest import World
from tests.mailfactory import batch_mail, invitation, reply

OLGA = "olga@example.test"  # calendar and CSV organizer
IVY = "ivy@partner.test"  # a second organizer, in a second sending domain
OPS = "ops@example.test"  # sends the CSV batches for example.test
HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,location,meeting_url,description,attendees"
COUNTS = ("invited", "accepted", "tentative", "declined", "needs_action")


def future(days: int = 20) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def click(world: World, organizer: str, event_id: str, answer: ButtonAnswer, email: str) -> None:
    answer_rsvp(world.services, event_key(organizer, event_id), answer, email)


def calendar_reply(world: World, organizer: str, event_id: str, email: str, partstat: str) -> None:
    event = world.services.store.get_event(event_key(organizer, event_id))
    assert event is not None
    world.deliver("other", reply(event.uid, email, partstat, domain=world.domain), sender=email)


def batch(world: World, *rows: str) -> None:
    world.deliver(
        "batch", batch_mail(OPS, "\r\n".join([HEADER, *rows]) + "\r\n", domain=world.domain), sender=OPS
    )
    world.pump()


def scenario(world: World) -> dict[str, str]:
    """Invitations from a calendar client and from CSV batches, button clicks and calendar replies,
    changed answers, revisions, cancellations and repeated deliveries. Returns the event ids."""
    ids = {name: f"{name}-{uuid.uuid4().hex[:8]}" for name in ("webinar", "renewal", "drill", "launch")}
    webinar = f"{ids['webinar']}@google.com"
    ids["webinar"] = webinar

    # A calendar invitation; Yes, Maybe and a No from someone never invited.
    world.deliver("snack", invitation(webinar, domain=world.domain), sender=OLGA)
    click(world, OLGA, webinar, ButtonAnswer.YES, "yann@guests.test")
    click(world, OLGA, webinar, ButtonAnswer.MAYBE, "mia@guests.test")
    click(world, OLGA, webinar, ButtonAnswer.NO, "nora@other.test")
    world.pump()
    # Changed answers: yann declines by calendar reply, mia says Yes on a button (a second invitation
    # at the same revision: a repeated delivery the store records once).
    calendar_reply(world, OLGA, webinar, "yann@guests.test", "DECLINED")
    click(world, OLGA, webinar, ButtonAnswer.YES, "mia@guests.test")
    world.pump()
    # The organizer moves it, and the same mail arrives twice.
    moved = invitation(webinar, domain=world.domain, sequence=1, summary="Moved")
    world.deliver("snack", moved, sender=OLGA)
    world.deliver("snack", moved, sender=OLGA)
    world.pump()

    # A CSV batch: CREATE with attendees, INVITE more; clicks and replies; an UPDATE reaches Yes/Maybe.
    renewal = ids["renewal"]
    batch(
        world,
        f"CREATE,{renewal},{OLGA},{future()},09:00,09:30,America/Chicago,Policy renewal,,,,"
        "a1@client.test;a2@client.test;a3@client.test",
        f"INVITE,{renewal},,,,,,,,,,a4@other.test;a1@client.test",
    )
    click(world, OLGA, renewal, ButtonAnswer.YES, "a1@client.test")
    click(world, OLGA, renewal, ButtonAnswer.NO, "a2@client.test")
    calendar_reply(world, OLGA, renewal, "a3@client.test", "TENTATIVE")
    click(world, OLGA, renewal, ButtonAnswer.MAYBE, "walkin@other.test")
    world.pump()
    batch(world, f"UPDATE,{renewal},,,10:00,,,Policy renewal (moved),,,,")
    calendar_reply(world, OLGA, renewal, "a3@client.test", "ACCEPTED")

    # A CSV event cancelled after a Yes: the cancellation reaches the Yes.
    drill = ids["drill"]
    batch(
        world,
        f"CREATE,{drill},{OLGA},{future(30)},08:00,08:15,UTC,Fire drill,,,,d1@client.test;d2@client.test",
    )
    click(world, OLGA, drill, ButtonAnswer.YES, "d1@client.test")
    world.pump()
    batch(world, f"CANCEL,{drill},,,,,,,,,,")

    # Another domain's organizer: a calendar event with clicks, then cancelled by the client.
    launch = f"{ids['launch']}@outlook.test"
    ids["launch"] = launch
    world.deliver("snack", invitation(launch, IVY, domain=world.domain, summary="Launch"), sender=IVY)
    click(world, IVY, launch, ButtonAnswer.YES, "b1@guests.test")
    click(world, IVY, launch, ButtonAnswer.MAYBE, "b2@guests.test")
    click(world, IVY, launch, ButtonAnswer.NO, "b3@guests.test")
    world.pump()
    world.deliver(
        "snack", invitation(launch, IVY, domain=world.domain, method="CANCEL", sequence=1), sender=IVY
    )
    world.pump()
    return ids


# -- reading the export -----------------------------------------------------------------------


def views(root: Path) -> duckdb.DuckDBPyConnection:
    """The tables as DuckDB reads the files as they are, and the views exactly as Athena gets them."""
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA calsnack")
    for table in TABLES:
        files = (root / table).as_posix() + "/dt=*/*.json.gz"
        connection.execute(
            f"CREATE VIEW calsnack.{table} AS SELECT * FROM read_json_auto('{files}', hive_partitioning = true)"
        )
    for view in VIEWS:
        connection.execute(f"CREATE VIEW calsnack.{view} AS {view_sql(view)}")
    return connection


def query(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = connection.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def summed(events: list[dict[str, Any]]) -> dict[str, int]:
    return {name: sum(e["counts"][name] for e in events) for name in COUNTS}


def assert_views_match_the_report(world: World, root: Path) -> None:
    connection = views(root)
    store = world.services.store
    events = list(store.all_events())

    by_event = {
        (r["organizer"], r["event_id"]): r for r in query(connection, "SELECT * FROM calsnack.by_event")
    }
    assert set(by_event) == {(e.organizer, e.event_id) for e in events}
    for event in events:
        [reported] = report_event(store, event.organizer, event.event_id)["events"]
        row = by_event[(event.organizer, event.event_id)]
        assert {k: row[k] for k in COUNTS} == reported["counts"], event.event_id
        for column in ("uid", "status", "sequence", "summary", "timezone"):
            assert row[column] == reported[column], (event.event_id, column)

    by_organizer = {r["organizer"]: r for r in query(connection, "SELECT * FROM calsnack.by_organizer")}
    organizers = {e.organizer for e in events}
    assert set(by_organizer) == organizers
    for organizer in organizers:
        reported = report_organizer(store, organizer)["events"]
        row = by_organizer[organizer]
        assert {k: row[k] for k in COUNTS} == summed(reported), organizer
        assert row["events"] == len(reported)
        assert row["cancelled"] == sum(e["status"] == "cancelled" for e in reported)

    by_domain = {r["domain"]: r for r in query(connection, "SELECT * FROM calsnack.by_domain")}
    domains = {domain_of(e.organizer) for e in events}
    assert set(by_domain) == domains
    for domain in domains:
        reported = report_domain(store, domain)["events"]
        row = by_domain[domain]
        assert {k: row[k] for k in COUNTS} == summed(reported), domain
        assert row["events"] == len(reported)


def assert_rows_carry_their_event(root: Path) -> None:
    """Each table reads on its own: every row names its event; answers are spelled as iCalendar."""
    for table in ("invitations", "answers"):
        for path in (root / table).rglob("*.json.gz"):
            for row in read_rows(path.read_bytes()):
                assert row["organizer"] and row["event_id"], row
                if table == "answers":
                    assert row["answer"] in ("ACCEPTED", "TENTATIVE", "DECLINED")
                    assert path.parent.name == f"dt={str(row['answered_at'])[:10]}"


# -- the two exporters ------------------------------------------------------------------------


def export_embedded(data_dir: Path, out: Path) -> Path:
    """`calsnack export --data-dir DATA --out OUT`, parsed as the command line parses it."""
    parser = argparse.ArgumentParser(prog="calsnack")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["export", "--data-dir", str(data_dir), "--out", str(out)])
    assert args.func(args) == 0
    return out


def stream_records() -> list[dict[str, Any]]:
    """Every record of the table's stream so far, shaped as Lambda hands them to a function."""
    arn = boto3.client("dynamodb", region_name=REGION).describe_table(TableName=TABLE)["Table"][
        "LatestStreamArn"
    ]
    # botocore sends ARN calls to an account endpoint (<account>.streams-ddb...) moto does not serve.
    streams = boto3.client(
        "dynamodbstreams", region_name=REGION, endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
    )
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            response = streams.get_records(ShardIterator=iterator, Limit=1000)
            if not response["Records"]:
                break
            for record in response["Records"]:
                change = dict(record["dynamodb"])
                # boto3 parses the time; Lambda's event carries epoch seconds.
                change["ApproximateCreationDateTime"] = change["ApproximateCreationDateTime"].timestamp()
                records.append({**record, "dynamodb": change, "eventSourceARN": arn})
            iterator = response.get("NextShardIterator")
    return records


def run_exporter(world: World, records: list[dict[str, Any]], bucket: str) -> list[dict[str, Any]]:
    """The exporter Lambda over the records in batches of 500 (the event source's batch size)."""
    from lambdas.exporter.handler import make_handler

    s3 = boto3.client("s3", region_name=REGION)
    handler = make_handler(dataclasses.replace(world.services, analytics=S3BlobStore(bucket, s3)))
    return [
        handler({"Records": records[i : i + 500]}, LambdaContext("exporter"))
        for i in range(0, len(records), 500)
    ]


def download(bucket: str, root: Path) -> Path:
    s3 = boto3.client("s3", region_name=REGION)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            target = root / item["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, item["Key"], str(target))
    return root


def export_aws(world: World, out: Path) -> Path:
    """The exporter Lambda over every stream record so far, into a new bucket, downloaded to `out`."""
    bucket = f"analytics-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=bucket)
    responses = run_exporter(world, stream_records(), bucket)
    assert all(r["batchItemFailures"] == [] for r in responses), responses
    return download(bucket, out)


# -- tests ------------------------------------------------------------------------------------


def test_the_views_over_the_export_give_the_reports_counts(world: World, tmp_path: Path) -> None:
    ids = scenario(world)
    # The scenario covers what the views must get right (checked against the report itself).
    [webinar] = report_event(world.services.store, OLGA, ids["webinar"])["events"]
    assert webinar["counts"] == {
        "invited": 2,
        "accepted": 1,
        "tentative": 0,
        "declined": 2,
        "needs_action": 0,
    }
    [renewal] = report_event(world.services.store, OLGA, ids["renewal"])["events"]
    assert renewal["counts"] == {
        "invited": 5,
        "accepted": 2,
        "tentative": 1,
        "declined": 1,
        "needs_action": 1,
    }

    out = tmp_path / "export"
    if world.name == "embedded":
        export_embedded(tmp_path, out)  # the embedded World keeps its data in tmp_path
    else:
        export_aws(world, out)
    assert sorted(p.name for p in out.iterdir()) == ["answers", "events", "invitations"]
    for table in TABLES:
        assert all(p.name.startswith("dt=") for p in (out / table).iterdir())
    assert_rows_carry_their_event(out)
    assert_views_match_the_report(world, out)


@pytest.mark.parametrize("world", ["aws"], indirect=True)
def test_the_stream_export_keeps_the_history(world: World, tmp_path: Path) -> None:
    """The stream exporter writes a row per revision sent and per answer given; the snapshot the latest."""
    ids = scenario(world)
    out = export_aws(world, tmp_path / "export")
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for table in TABLES:
        for path in (out / table).rglob("*.json.gz"):
            rows[table] += read_rows(path.read_bytes())
    webinar = ids["webinar"]
    answers = sorted(
        (r["attendee"], r["answer"], r["channel"]) for r in rows["answers"] if r["event_id"] == webinar
    )
    assert answers == [
        ("mia@guests.test", "ACCEPTED", "button"),
        ("mia@guests.test", "TENTATIVE", "button"),
        ("nora@other.test", "DECLINED", "button"),
        ("yann@guests.test", "ACCEPTED", "button"),
        ("yann@guests.test", "DECLINED", "calendar"),
    ]
    sent = sorted(
        (r["attendee"], r["method"], r["sequence"]) for r in rows["invitations"] if r["event_id"] == webinar
    )
    assert sent == [
        ("mia@guests.test", "REQUEST", 0),
        ("mia@guests.test", "REQUEST", 1),
        ("yann@guests.test", "REQUEST", 0),
    ]
    drill = [r for r in rows["invitations"] if r["event_id"] == ids["drill"] and r["method"] == "CANCEL"]
    assert [(r["attendee"], r["channel"]) for r in drill] == [("d1@client.test", "button")]
    assert sorted(r["sequence"] for r in rows["events"] if r["event_id"] == ids["drill"]) == [0, 1]


@pytest.mark.parametrize("world", ["aws"], indirect=True)
def test_the_exporter_writes_only_records_before_a_failed_one(world: World, tmp_path: Path) -> None:
    """An attendee item whose event cannot be read fails its record; Lambda retries from there."""
    store = world.services.store
    before = len(stream_records())
    event = store.put_event(make_event(OLGA, f"ok-{uuid.uuid4().hex[:8]}"))
    at = datetime.now(UTC)
    store.record_answer(event.key, answer("first@x.test", PartStat.ACCEPTED, at))
    store.record_answer("f" * 32, answer("orphan@x.test", PartStat.ACCEPTED, at))  # no such event
    store.record_answer(event.key, answer("last@x.test", PartStat.DECLINED, at))
    records = stream_records()[before:]
    positions = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    failed = max(
        p
        for p, r in zip(positions, records, strict=True)
        if r["dynamodb"]["Keys"]["sk"]["S"] == "orphan@x.test"
    )

    bucket = f"analytics-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=bucket)
    [response] = run_exporter(world, records, bucket)

    assert response["batchItemFailures"] == [{"itemIdentifier": str(failed)}]
    out = download(bucket, tmp_path / "export")
    answers = [r for p in (out / "answers").rglob("*.json.gz") for r in read_rows(p.read_bytes())]
    assert [r["attendee"] for r in answers] == ["first@x.test"]
    last_before = max(p for p in positions if p < failed)
    assert {p.name for p in out.rglob("*.json.gz")} == {f"{positions[0]}-{last_before}-0000.json.gz"}
