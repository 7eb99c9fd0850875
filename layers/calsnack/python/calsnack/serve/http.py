"""The embedded HTTP server, playing API Gateway: each request becomes a REST proxy event.

Management paths first go through the Lambda REQUEST authorizer, as the CDK stack wires
them: its policy decides 401/403 or passes its context on in `requestContext.authorizer`.
The server keeps API Gateway's limits on heads and bodies, and a bounded pool of workers that
idle or half-open connections cannot occupy (docs/security.md, "Connection limits").
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import selectors
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from aws_lambda_powertools import Logger

from calsnack.serve.lambda_events import (
    LambdaContext,
    api_gateway_event,
    authorizer_request_event,
    response_body,
)

logger = Logger(child=True)

#: API Gateway's payload limit.
MAX_BODY = 10 * 1024 * 1024
#: The request line, and the whole head (request line and headers): API Gateway allows about
#: 10 KiB of headers; a longer head is refused before any thread or the function sees it.
MAX_REQUEST_LINE = 8 * 1024
MAX_HEAD = 16 * 1024
#: Seconds a connection may take to send its whole head, and may stay silent while its body arrives.
IDLE_TIMEOUT = 20.0
#: The slowest body accepted (bytes a second, on top of the idle timeout): a drip holds no worker for long.
MIN_BODY_RATE = 16 * 1024
#: Connections whose head is still arriving; more are closed at once (each holds a file descriptor).
MAX_WAITING = 512
#: Worker threads answering complete requests (the function itself runs one call at a time).
THREADS = 16

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _gateway_error(status: int, message: str, key: str = "message") -> dict[str, Any]:
    """The bodies API Gateway itself answers with when the request never reaches the function."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({key: message}),
    }


def _matches(pattern: str, arn: str) -> bool:
    """IAM resource matching: `*` spans any characters (slashes too), `?` one character."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, arn) is not None


def policy_allows(policy: Mapping[str, Any], arn: str) -> tuple[bool, bool]:
    """(allowed, explicitly denied) for `arn` under the authorizer's IAM policy document."""
    allowed = denied = False
    for statement in policy.get("Statement", []):
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a in ("execute-api:Invoke", "execute-api:*", "*") for a in actions):
            continue
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if any(_matches(r, arn) for r in resources):
            if statement.get("Effect") == "Deny":
                denied = True
            elif statement.get("Effect") == "Allow":
                allowed = True
    return allowed and not denied, denied


class Authorizer:
    """Runs a Lambda REQUEST authorizer for the protected path prefixes, the way API Gateway does."""

    def __init__(self, handler: Handler, prefixes: Collection[str]) -> None:
        self.handler = handler
        self.prefixes = frozenset(prefixes)
        self.lock = threading.Lock()

    def guards(self, path: str) -> bool:
        return path.lstrip("/").split("/", 1)[0] in self.prefixes

    def authorize(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """None when the call may go on (its event now carries the context); else the refusal."""
        request = authorizer_request_event(event)
        started = time.monotonic()
        try:
            with self.lock:
                result = self.handler(request, LambdaContext(function_name="calsnack-authorizer"))
        except Exception as exc:
            if str(exc) == "Unauthorized":
                return _gateway_error(401, "Unauthorized")
            logger.exception("authorizer failed")
            return _gateway_error(500, "Internal server error")
        allowed, denied = policy_allows(result.get("policyDocument") or {}, request["methodArn"])
        if not allowed:
            explicit = " with an explicit deny" if denied else ""
            return _gateway_error(
                403, f"User is not authorized to access this resource{explicit}", key="Message"
            )
        # REST APIs hand the context on flattened, with the principal and the authorizer's latency.
        event["requestContext"]["authorizer"] = {
            **{k: str(v) for k, v in (result.get("context") or {}).items()},
            "principalId": result.get("principalId", ""),
            "integrationLatency": int((time.monotonic() - started) * 1000),
        }
        return None


class _Replayed(io.RawIOBase):
    """The connection's bytes as a file: the head the server already read, then the socket."""

    def __init__(self, head: bytes, connection: socket.socket) -> None:
        self._head = memoryview(head)
        self._connection = connection

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        return self._connection.recv_into(buffer)


@dataclass
class _Waiting:
    """A connection whose request head is still arriving; no thread is spent on it."""

    connection: socket.socket
    address: Any
    deadline: float
    head: bytearray = field(default_factory=bytearray)


class GatewayServer(socketserver.TCPServer):
    """Connections wait in one selector until their whole request head is in (or their time is up);
    only complete heads reach the bounded pool of worker threads.

    So idle and half-open connections cost a file descriptor each, never a thread, and
    cannot keep `/healthz` waiting; each connection carries one request (`Connection: close`).
    """

    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        threads: int = THREADS,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        super().__init__(address, handler)
        self.idle_timeout = idle_timeout
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")
        self._heads: dict[socket.socket, bytes] = {}
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._stopped.clear()
        waiting: dict[int, _Waiting] = {}
        with selectors.DefaultSelector() as selector:
            self.socket.setblocking(False)
            selector.register(self.socket, selectors.EVENT_READ)
            try:
                while not self._stop.is_set():
                    for key, _ in selector.select(poll_interval):
                        if key.fileobj is self.socket:
                            self._accept(selector, waiting)
                        else:
                            self._receive(selector, waiting, waiting[key.fd])
                    now = time.monotonic()
                    for fd in [fd for fd, w in waiting.items() if w.deadline <= now]:
                        self._drop(selector, waiting.pop(fd))
            finally:
                for w in waiting.values():
                    w.connection.close()
                self._stopped.set()

    def shutdown(self) -> None:
        self._stop.set()
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def take_head(self, connection: socket.socket) -> bytes:
        return self._heads.pop(connection, b"")

    def _accept(self, selector: selectors.BaseSelector, waiting: dict[int, _Waiting]) -> None:
        while True:
            try:
                connection, address = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                # Out of file descriptors: the next select tries again, after timeouts freed some.
                logger.warning("cannot accept a connection", exc_info=True)
                return
            if len(waiting) >= MAX_WAITING:
                connection.close()
                continue
            connection.setblocking(False)
            waiting[connection.fileno()] = _Waiting(connection, address, time.monotonic() + self.idle_timeout)
            selector.register(connection, selectors.EVENT_READ)

    def _receive(self, selector: selectors.BaseSelector, waiting: dict[int, _Waiting], w: _Waiting) -> None:
        try:
            data = w.connection.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(selector, waiting.pop(w.connection.fileno()))
            return
        w.head += data
        end = w.head.find(b"\r\n\r\n")
        if end < 0 and len(w.head) <= MAX_HEAD:
            return
        selector.unregister(w.connection)
        del waiting[w.connection.fileno()]
        if end < 0 or end > MAX_HEAD:
            # Too large to be a request API Gateway would pass on: answered here, in a few bytes.
            w.connection.setblocking(True)
            w.connection.settimeout(1)
            with contextlib.suppress(OSError):
                w.connection.sendall(_HEAD_TOO_LARGE)
            w.connection.close()
            return
        w.connection.setblocking(True)
        self._heads[w.connection] = bytes(w.head)
        self._pool.submit(self._work, w.connection, w.address)

    @staticmethod
    def _drop(selector: selectors.BaseSelector, w: _Waiting) -> None:
        selector.unregister(w.connection)
        w.connection.close()

    def _work(self, connection: socket.socket, address: Any) -> None:
        try:
            self.finish_request(connection, address)
        except Exception:
            self.handle_error(connection, address)
        finally:
            self._heads.pop(connection, None)
            self.shutdown_request(connection)


_HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json\r\n"
    b'Content-Length: 46\r\nConnection: close\r\n\r\n{"message": "Request header fields too large"}'
)


def make_server(
    host: str,
    port: int,
    handler: Handler,
    *,
    authorizer: Authorizer | None = None,
    threads: int = THREADS,
    idle_timeout: float = IDLE_TIMEOUT,
) -> GatewayServer:
    # A Lambda execution environment runs one invocation at a time, and the handlers rely on it:
    # the Powertools resolver keeps the current event and route in module-level state. Requests
    # are read and answered in parallel; the function itself runs one call at a time.
    invocation = threading.Lock()

    class Gateway(BaseHTTPRequestHandler):
        server_version = "calsnack"
        protocol_version = "HTTP/1.1"
        # The socket timeout while a body arrives and the answer leaves.
        timeout = idle_timeout

        def setup(self) -> None:
            super().setup()
            self.rfile = io.BufferedReader(_Replayed(server.take_head(self.connection), self.connection))

        def handle(self) -> None:
            """One request a connection: a kept-alive connection would hold a worker while idle."""
            self.close_connection = True
            self.handle_one_request()

        def parse_request(self) -> bool:
            if len(self.raw_requestline) > MAX_REQUEST_LINE:
                self.requestline, self.request_version, self.command = "", "", ""
                self.send_error(414, "Request-URI Too Long")
                return False
            ok = super().parse_request()
            self.close_connection = True
            return ok

        def _body(self) -> bytes | None:
            """The body, or None once a refusal was sent (too large, malformed, or too slow to come)."""
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                # API Gateway needs the length up front too (411 rather than a guess).
                self.send_error(411 if length >= 0 else 400, "A Content-Length is required")
                return None
            if length > MAX_BODY:
                self.send_error(413, "Request body too large")
                return None
            deadline = time.monotonic() + idle_timeout + length / MIN_BODY_RATE
            parts: list[bytes] = []
            remaining = length
            try:
                while remaining:
                    self.connection.settimeout(max(0.01, min(idle_timeout, deadline - time.monotonic())))
                    chunk = self.rfile.read1(min(remaining, 65536))
                    if not chunk:
                        return None
                    parts.append(chunk)
                    remaining -= len(chunk)
            except TimeoutError:
                self.send_error(408, "Request body too slow")
                return None
            return b"".join(parts)

        def _invoke(self) -> None:
            body = self._body()
            if body is None:
                return
            event = api_gateway_event(
                self.command, self.path, dict(self.headers.items()), body, source_ip=self.client_address[0]
            )
            refusal = authorizer.authorize(event) if authorizer and authorizer.guards(event["path"]) else None
            response = refusal or self._call(event)
            payload = response_body(response)
            self.send_response(int(response.get("statusCode", 200)))
            headers = {k: [v] for k, v in (response.get("headers") or {}).items()}
            for k, values in (response.get("multiValueHeaders") or {}).items():
                headers[k] = list(values)
            for k, values in headers.items():
                if k.lower() not in ("content-length", "connection"):
                    for v in values:
                        self.send_header(k, str(v))
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _call(self, event: dict[str, Any]) -> dict[str, Any]:
            """A function that fails is a 502 to the client, as behind API Gateway, not a dropped connection."""
            try:
                with invocation:
                    return handler(event, LambdaContext(function_name="calsnack-api"))
            except Exception:
                logger.exception("API function failed", extra={"path": event.get("path")})
                return _gateway_error(502, "Internal server error")

        def _unsupported(self) -> None:
            """Methods outside API Gateway's ANY never reach the function."""
            if self._body() is None:
                return
            payload = json.dumps({"message": "Method Not Allowed"}).encode()
            self.send_response(405)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _invoke

        def __getattr__(self, name: str) -> Any:
            # The server looks up `do_<METHOD>`; any other method (TRACE, QUERY, …) is refused here.
            if name.startswith("do_"):
                return self._unsupported
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            return

    # `Gateway.setup` takes its request head from this server through the closure (`self.server` is
    # typed as any socketserver).
    server = GatewayServer((host, port), Gateway, threads=threads, idle_timeout=idle_timeout)
    return server
