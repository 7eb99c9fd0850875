"""The Swagger UI at /docs: Powertools' page around the vendored swagger-ui-dist, no CDN.

`static/swagger-ui-bundle.min.js` and `static/swagger-ui.min.css` are swagger-ui-dist 5.36.0's
`swagger-ui-bundle.js` and `swagger-ui.css` (already minified; named as Powertools'
`swagger_base_url` asks for them), with its LICENSE and NOTICE beside them. The base URL is
relative ("static"), so the files load from /static/ under any host or API Gateway stage.

Powertools' page starts Swagger UI with one inline script (the document is inside it): the
page's Content-Security-Policy admits exactly that script by its SHA-256, and nothing else inline.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from calsnack.api.responses import security_headers

PATH = "/docs"
#: Relative to /docs, so it resolves under the stage prefix of an API Gateway URL too.
ASSETS_BASE = "static"

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def script_hashes(page: str) -> list[str]:
    """CSP sources for each inline script of the page, as `'sha256-…'`."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"
        for script in _INLINE_SCRIPT.findall(page)
    ]


Middleware = Callable[[APIGatewayRestResolver, NextMiddleware], Response[Any]]


def with_security_headers(base_url: str) -> Middleware:
    """Powertools answers /docs without headers; ours are added, admitting its inline script."""

    def middleware(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
        response = next_middleware(app)
        body = response.body if isinstance(response.body, str) else ""
        response.headers.update(security_headers(base_url, script_hashes(body)))
        return response

    return middleware
