"""The embedded HTTP server as API Gateway: authorizer first, one invocation at a time, its error codes."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from calsnack.api.management import MANAGEMENT_PREFIXES
from calsnack.domain.model import PartStat
from calsnack.serve.http import Authorizer, make_server

from tests.e2e.stack import free_port
from tests.unit.api.conftest import ORGANIZER, answer, api_key, make_event


class Tracked:
    """The API handler, counting how many invocations overlap (a Lambda environment allows one)."""

    def __init__(self) -> None:
        from lambdas.api.handler import lambda_handler

        self.handler = lambda_handler
        self.lock = threading.Lock()
        self.active = self.peak = 0

    def __call__(self, event, context):
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(0.005)  # widen the window in which an overlap would show
            return self.handler(event, context)
        finally:
            with self.lock:
                self.active -= 1


@pytest.fixture
def api() -> Tracked:
    return Tracked()


@pytest.fixture
def base(services, api) -> Iterator[str]:
    from lambdas.authorizer.handler import lambda_handler as authorize

    port = free_port()
    server = make_server("127.0.0.1", port, api, authorizer=Authorizer(authorize, MANAGEMENT_PREFIXES))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def fetch(url: str, *, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_parallel_requests_each_get_their_own_answer(base, services, links, api):
    """The resolver keeps per-request state; parallel calls must never see each other's."""
    event = make_event(services)
    for n in range(3):
        answer(services, event, f"p{n}@example.org", PartStat.ACCEPTED)
    query = urlencode(
        {
            k: v[0]
            for k, v in parse_qs(urlsplit(links.dashboard(ORGANIZER, int(time.time()) + 600)).query).items()
        }
    )
    urls = [
        f"{base}/dashboard/api/events/{event.key}/{'timeline' if n % 2 else 'attendees'}?{query}"
        for n in range(40)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(fetch, urls))
    for url, (status, body) in zip(urls, results, strict=True):
        assert status == 200, body
        assert ("buckets" if url.split("?")[0].endswith("timeline") else "attendees") in json.loads(body)
    assert api.peak == 1


def test_management_paths_pass_the_authorizer_first(base, services):
    assert fetch(f"{base}/reports/domain")[0] == 401
    status, body = fetch(f"{base}/reports/domain", headers={"X-Api-Key": "csk_wrong"})
    assert status == 403 and b"explicit deny" in body
    status, body = fetch(f"{base}/reports/domain", headers={"X-Api-Key": api_key(services)})
    assert status == 200 and json.loads(body) == {"events": []}


def test_methods_api_gateway_does_not_route_are_refused(base):
    assert fetch(f"{base}/healthz", method="TRACE")[0] == 405


def test_a_body_that_is_not_utf8_is_a_client_error(base, services, links):
    event = make_event(services)
    query = urlencode(
        {
            k: v[0]
            for k, v in parse_qs(urlsplit(links.dashboard(ORGANIZER, int(time.time()) + 600)).query).items()
        }
    )
    status, _ = fetch(
        f"{base}/dashboard/api/events/{event.key}/vips?{query}",
        method="POST",
        body=b'{"addresses": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )
    assert status == 400
    status, _ = fetch(
        f"{base}/dashboard/api/events/{event.key}/vips?{query}",
        method="POST",
        body=b"x",
        headers={"Content-Type": "multipart/form-data"},
    )
    assert status == 400
