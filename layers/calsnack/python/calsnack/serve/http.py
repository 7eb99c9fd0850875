"""The embedded HTTP server, playing API Gateway: each request becomes a REST proxy event.

Management paths first go through the Lambda REQUEST authorizer, as the CDK stack wires
them: its policy decides 401/403 or passes its context on in `requestContext.authorizer`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Collection, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


def make_server(
    host: str, port: int, handler: Handler, *, authorizer: Authorizer | None = None
) -> ThreadingHTTPServer:
    # A Lambda execution environment runs one invocation at a time, and the handlers rely on it:
    # the Powertools resolver keeps the current event and route in module-level state. Requests
    # are read and answered in parallel; the function itself runs one call at a time.
    invocation = threading.Lock()

    class Gateway(BaseHTTPRequestHandler):
        server_version = "calsnack"
        protocol_version = "HTTP/1.1"

        def _invoke(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.send_error(413, "Request body too large")
                return
            body = self.rfile.read(length) if length else b""
            event = api_gateway_event(self.command, self.path, dict(self.headers.items()), body)
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
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            payload = json.dumps({"message": "Method Not Allowed"}).encode()
            self.send_response(405)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
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

    server = ThreadingHTTPServer((host, port), Gateway)
    server.daemon_threads = True
    return server
