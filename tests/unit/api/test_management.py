"""Batches, reports and API keys through the authorizer: a key acts for its own sending domain only."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from calsnack.domain.model import Answer, Channel, PartStat
from calsnack.ports import QueueName

from tests.unit.api.conftest import BASE, answer, api_key, bearer, make_event, run_uploads

pytestmark = pytest.mark.usefixtures("services")

CSV = (
    "command,event_id,organizer,date,start_time,end_time,timezone,subject,attendees\r\n"
    "CREATE,w1,olga@example.com,2031-05-01,10:00,11:00,Europe/Berlin,Webinar,ann@example.org\r\n"
    "CREATE,w2,olga@elsewhere.test,2031-05-01,10:00,11:00,Europe/Berlin,Not ours,bob@example.org\r\n"
)


def csv_headers(key: str) -> dict[str, str]:
    return bearer(key) | {"Content-Type": "text/csv"}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        ({"Authorization": "Bearer "}, 401),
        ({"Authorization": "Bearer csk_not-a-key"}, 403),
        ({"X-Api-Key": "something else"}, 403),
    ],
)
def test_calls_without_a_valid_key_never_reach_the_api(gateway, headers, status):
    for path in ("/reports/domain", "/batches/0123456789abcdef01234567", "/apikeys"):
        reply = gateway.get(path, headers=headers)
        assert reply.status == status, (path, reply.text)


def test_a_revoked_key_is_refused(gateway, services):
    key = api_key(services)
    assert gateway.get("/reports/domain", headers=bearer(key)).status == 200
    key_id = gateway.get("/apikeys", headers=bearer(key)).json()["keys"][0]["key_id"]
    other = api_key(services)
    assert gateway.request("DELETE", f"/apikeys/{key_id}", headers=bearer(other)).json()["revoked"] is True
    assert gateway.get("/reports/domain", headers=bearer(key)).status == 403
    assert gateway.get("/reports/domain", headers={"X-Api-Key": other}).status == 200


def test_routes_refuse_a_call_that_bypassed_the_authorizer(gateway, services):
    reply = gateway.get("/reports/domain", headers=bearer(api_key(services)), authorize=False)
    assert reply.status == 401


def test_a_csv_batch_is_accepted_and_its_status_reported(gateway, services, queue):
    key = api_key(services)
    reply = gateway.post("/batches", body=CSV, headers=csv_headers(key))
    assert reply.status == 202, reply.text
    accepted = reply.json()
    batch_id = accepted["batch_id"]
    assert accepted["sender"] == "api@example.com"
    assert accepted["status_url"] == f"{BASE}/batches/{batch_id}"
    assert services.blobs.get(f"batches/{batch_id}.csv") == CSV.encode()
    # The request only checked the header: the split is the command worker's (no API lock held).
    pending = gateway.get(f"/batches/{batch_id}", headers=bearer(key)).json()
    assert pending["parsed"] is False and pending["domain"] == "example.com"
    assert run_uploads(services, queue) == 1
    assert len(queue.messages[QueueName.COMMANDS]) > 1, "the rows went to the command queue"
    status = gateway.get(f"/batches/{batch_id}", headers=bearer(key))
    assert status.status == 200
    body = status.json()
    assert body["parsed"] is True and body["rows_total"] == 2 and body["domain"] == "example.com"


def test_the_sender_must_be_in_the_keys_domain(gateway, services):
    key = api_key(services)
    ok = gateway.post("/batches?sender=ops@example.com", body=CSV, headers=csv_headers(key))
    assert ok.status == 202 and ok.json()["sender"] == "ops@example.com"
    assert gateway.post("/batches?sender=ops@evil.test", body=CSV, headers=csv_headers(key)).status == 403
    assert gateway.post("/batches?sender=nonsense", body=CSV, headers=csv_headers(key)).status == 400


def test_a_batch_is_visible_to_its_own_domain_only(gateway, services):
    mine, theirs = api_key(services, "example.com"), api_key(services, "other.test")
    batch_id = gateway.post("/batches", body=CSV, headers=csv_headers(mine)).json()["batch_id"]
    assert gateway.get(f"/batches/{batch_id}", headers=bearer(theirs)).status == 404
    assert gateway.get("/batches/ffffffffffffffffffffffff", headers=bearer(mine)).status == 404


def multipart(
    fields: dict[str, tuple[str, bytes]], boundary: str = "----calsnack-test-7f3a"
) -> tuple[bytes, str]:
    """A multipart/form-data body as browsers and curl send it: raw bytes, no transfer encoding."""
    parts = []
    for name, (filename, content) in fields.items():
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        head += "Content-Type: text/csv\r\n\r\n" if filename else "\r\n"
        parts.append(head.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_multipart_upload_is_read_from_its_file_field(gateway, services):
    # Windows-1252 bytes must arrive untouched (API Gateway passes multipart bodies base64-encoded).
    data = CSV.replace("Webinar", "Caf\u00e9").encode("cp1252")
    body, content_type = multipart({"note": ("", b"hello"), "file": ("batch.csv", data)})
    reply = gateway.post(
        "/batches", body=body, headers=bearer(api_key(services)) | {"Content-Type": content_type}
    )
    assert reply.status == 202, reply.text
    assert services.blobs.get(f"batches/{reply.json()['batch_id']}.csv") == data


def test_a_form_without_a_file_is_refused(gateway, services):
    body, content_type = multipart({"note": ("", b"hello")})
    reply = gateway.post(
        "/batches", body=body, headers=bearer(api_key(services)) | {"Content-Type": content_type}
    )
    assert reply.status == 400


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"", "text/csv"), (b'{"rows": []}', "application/json"), (b"\x00\x01garbage", "text/csv")],
)
def test_an_unusable_upload_is_refused(gateway, services, body, content_type):
    reply = gateway.post(
        "/batches", body=body, headers=bearer(api_key(services)) | {"Content-Type": content_type}
    )
    assert reply.status == 400, reply.text
    assert reply.json()["message"]


def test_a_retried_upload_with_the_same_idempotency_key_is_one_batch(gateway, services, queue):
    key = api_key(services)
    headers = csv_headers(key) | {"Idempotency-Key": "upload-42"}
    first = gateway.post("/batches", body=CSV, headers=headers).json()["batch_id"]
    # A retry before the worker split the file queues the same message id (SQS FIFO drops it).
    assert gateway.post("/batches", body=CSV, headers=headers).json()["batch_id"] == first
    ids = [m.dedup_id for m in queue.messages[QueueName.COMMANDS]]
    assert ids == [f"ingest:{first}"] * 2
    run_uploads(services, queue)
    sent = len(queue.messages[QueueName.COMMANDS])
    assert gateway.post("/batches", body=CSV, headers=headers).json()["batch_id"] == first
    assert len(queue.messages[QueueName.COMMANDS]) == sent


def test_reports_cover_the_keys_domain_only(gateway, services):
    key = api_key(services)
    make_event(services, event_id="mine", summary="Mine")
    make_event(services, event_id="theirs", organizer="eve@other.test")
    domain = gateway.get("/reports/domain", headers=bearer(key)).json()
    assert [e["event_id"] for e in domain["events"]] == ["mine"]
    assert set(domain["events"][0]["counts"]) == {
        "invited",
        "accepted",
        "tentative",
        "declined",
        "needs_action",
    }
    assert gateway.get("/reports/domain?domain=other.test", headers=bearer(key)).status == 403
    organizer = gateway.get("/reports/organizer?email=olga@example.com", headers=bearer(key)).json()
    assert [e["summary"] for e in organizer["events"]] == ["Mine"]
    assert gateway.get("/reports/organizer?email=eve@other.test", headers=bearer(key)).status == 403
    one = gateway.get("/reports/event?organizer=olga@example.com&event_id=mine", headers=bearer(key)).json()
    assert one["events"][0]["status"] == "confirmed"
    none = gateway.get("/reports/event?organizer=olga@example.com&event_id=nope", headers=bearer(key)).json()
    assert none == {"events": []}
    assert (
        gateway.get("/reports/event?organizer=eve@other.test&event_id=theirs", headers=bearer(key)).status
        == 403
    )


def test_keys_can_be_listed_rotated_and_revoked_within_the_domain(gateway, services):
    key = api_key(services)
    created = gateway.post(
        "/apikeys",
        body=json.dumps({"label": "rotation"}),
        headers=bearer(key) | {"Content-Type": "application/json"},
    )
    assert created.status == 201
    fresh = created.json()
    assert fresh["key"].startswith("csk_") and fresh["domain"] == "example.com"
    listed = gateway.get("/apikeys", headers={"X-Api-Key": fresh["key"]}).json()
    assert [k["label"] for k in listed["keys"]] == ["test", "rotation"]
    assert all("key" not in k for k in listed["keys"])
    foreign = api_key(services, "other.test")
    assert gateway.request("DELETE", f"/apikeys/{fresh['key_id']}", headers=bearer(foreign)).status == 404
    assert gateway.request("DELETE", "/apikeys/zz", headers=bearer(key)).status == 422


def test_a_batchs_status_gives_each_of_its_events_links(gateway, services, queue):
    """API organizers get the snack mail's links (issue 14): landing page, RSVP and dashboard."""
    from urllib.parse import urlsplit

    from tests.harness import drain

    key = api_key(services)
    batch_id = gateway.post("/batches", body=CSV, headers=csv_headers(key)).json()["batch_id"]
    assert gateway.get(f"/batches/{batch_id}", headers=bearer(key)).json()["events"] == []
    run_uploads(services, queue)
    drain(services, queue)
    body = gateway.get(f"/batches/{batch_id}", headers=bearer(key)).json()
    assert body["rows_applied"] == 1 and body["rows_refused"] == 1
    [links] = body["events"]
    assert links["event_id"] == "w1" and links["summary"] == "Webinar"
    for name in ("landing_page", "rsvp_yes", "rsvp_maybe", "rsvp_no"):
        url = urlsplit(links[name])
        assert links[name].startswith(BASE)
        page = gateway.get(f"{url.path}?{url.query}")
        assert page.status == 200 and "Webinar" in page.text, name
    dashboard = urlsplit(links["dashboard"])
    assert gateway.get(f"{dashboard.path}?{dashboard.query}").status == 200
    events = gateway.get(f"{dashboard.path}/api/events?{dashboard.query}").json()
    assert "Webinar" in json.dumps(events)
    assert "/rsvp/maybe?" in links["rsvp_maybe"] and "o=olga%40example.com" in links["dashboard"]


def test_an_event_report_counts_an_occurrence_declined_on_its_own(gateway, services):
    key = api_key(services)
    event = make_event(services, event_id="series")
    answer(services, event, "ann@example.org", PartStat.ACCEPTED, datetime(2030, 1, 1, tzinfo=UTC))
    services.store.record_answer(
        event.key,
        Answer(
            event.organizer,
            event.event_id,
            "ann@example.org",
            PartStat.DECLINED,
            datetime(2030, 1, 2, tzinfo=UTC),
            Channel.CALENDAR,
            occurrence="2030-02-04T09:00:00+00:00",
        ),
    )
    report = gateway.get("/reports/event?organizer=olga@example.com&event_id=series", headers=bearer(key))
    (one,) = report.json()["events"]
    assert one["counts"]["accepted"] == 1
    assert one["occurrences"] == [
        {"occurrence": "2030-02-04T09:00:00+00:00", "counts": {**one["counts"], "accepted": 0, "declined": 1}}
    ]
