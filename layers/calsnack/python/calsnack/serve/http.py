"""The embedded HTTP server, playing API Gateway: each request becomes a REST proxy event."""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from calsnack.serve.lambda_events import LambdaContext, api_gateway_event, response_body

#: API Gateway's payload limit.
MAX_BODY = 10 * 1024 * 1024


def make_server(
    host: str, port: int, handler: Callable[[dict[str, Any], Any], dict[str, Any]]
) -> ThreadingHTTPServer:
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
            response = handler(event, LambdaContext(function_name="calsnack-api"))
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

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _invoke

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer((host, port), Gateway)
    server.daemon_threads = True
    return server
