"""The embedded HTTP server as API Gateway: authorizer first, one invocation at a time, its error codes,
and its connection limits (head size, body size, idle timeout, a bounded pool of workers)."""

from __future__ import annotations

import json
import socket
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
from calsnack.ports import Services
from calsnack.serve.http import MAX_BODY, MAX_HEAD, MAX_REQUEST_LINE, Authorizer, make_server

from tests.e2e.stack import free_port
from tests.unit.api.conftest import ORGANIZER, answer, api_key, make_event


class Tracked:
    """The API handler, counting how many invocations overlap (a Lambda environment allows one)."""

    def __init__(self, services: Services) -> None:
        from lambdas.api.handler import make_handler

        self.handler = make_handler(services)
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
def api(services: Services) -> Tracked:
    return Tracked(services)


@pytest.fixture
def base(services, api) -> Iterator[str]:
    from lambdas.authorizer.handler import make_handler

    port = free_port()
    authorizer = Authorizer(make_handler(services), MANAGEMENT_PREFIXES)
    server = make_server("127.0.0.1", port, api, authorizer=authorizer)
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


@pytest.fixture
def strict(services, api) -> Iterator[tuple[str, int]]:
    """A server with two workers and a half-second idle timeout: limits show in test time."""
    port = free_port()
    server = make_server("127.0.0.1", port, api, threads=2, idle_timeout=0.5)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "127.0.0.1", port
    server.shutdown()
    server.server_close()


def _status_line(sock: socket.socket) -> bytes:
    sock.settimeout(5)
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0]


def test_a_half_open_request_is_closed_after_the_idle_timeout(strict):
    with socket.create_connection(strict) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # the head never ends
        sock.settimeout(5)
        assert sock.recv(4096) == b""  # closed by the server, with nothing sent


def test_a_body_that_stops_coming_is_answered_408(strict):
    with socket.create_connection(strict) as sock:
        sock.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        assert _status_line(sock) == b"HTTP/1.1 408 Request body too slow"


def test_a_body_over_api_gateways_10_mb_is_refused_413_unread(strict, api):
    with socket.create_connection(strict) as sock:
        sock.sendall(b"POST /batches HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1))
        assert _status_line(sock) == b"HTTP/1.1 413 Request body too large"
    assert api.peak == 0


def test_an_overlong_request_line_is_414_and_an_overlong_head_431(strict, api):
    with socket.create_connection(strict) as sock:
        sock.sendall(b"GET /" + b"a" * (MAX_REQUEST_LINE + 1) + b" HTTP/1.1\r\n\r\n")
        assert _status_line(sock).startswith(b"HTTP/1.1 414")
    with socket.create_connection(strict) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n" + b"X-Filler: " + b"f" * MAX_HEAD + b"\r\n\r\n")
        assert _status_line(sock).startswith(b"HTTP/1.1 431")
    assert api.peak == 0


def test_idle_and_half_open_connections_do_not_keep_healthz_waiting(strict):
    """Two workers, 200 silent or half-sent connections: none of them holds a worker."""
    host, port = strict
    idle = [socket.create_connection((host, port)) for _ in range(100)]
    half = [socket.create_connection((host, port)) for _ in range(100)]
    try:
        for sock in half:
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        # The idle timeout is 0.5 s: an answer within it shows that none of them waited for a worker.
        for _ in range(5):
            with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=0.4) as r:
                assert r.status == 200
    finally:
        for sock in idle + half:
            sock.close()


def test_each_answer_says_connection_close_once_and_a_100_continue_stays_interim(strict):
    with socket.create_connection(strict) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 200") and head.count(b"connection: close") == 1
    with socket.create_connection(strict) as sock:
        sock.sendall(
            b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
        )
        sock.settimeout(5)
        interim = b""
        while b"\r\n\r\n" not in interim:
            interim += sock.recv(1)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"ok")
        assert _status_line(sock) == b"HTTP/1.1 404 Not Found"  # the function got it: no GET-only route here
