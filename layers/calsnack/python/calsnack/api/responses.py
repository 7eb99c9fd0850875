"""Responses every public page shares: HTML with a strict Content-Security-Policy, and error pages."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

HTML = "text/html; charset=utf-8"


def origin_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def security_headers(base_url: str, script_hashes: Sequence[str] = ()) -> dict[str, str]:
    """No inline script or style at all, so nothing an organizer typed can ever run.

    The links' own origin (`--base-url`) is allowed next to 'self' because a page can be
    reached under another name (API Gateway's own host behind a custom domain) while
    its forms, scripts and styles point under the base URL. `script_hashes` admits the
    inline scripts of a page we did not write (the Swagger UI's, see `api.swagger`).
    """
    own = f"'self' {origin_of(base_url)}".strip()
    scripts = " ".join((own, *script_hashes))
    policy = (
        f"default-src 'none'; script-src {scripts}; style-src {own}; img-src {own} data:; "
        f"connect-src {own}; form-action {own}; base-uri 'none'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        # Links carry their signature in the query: never hand it to another site.
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
    }


def html(body: str, base_url: str, status: int = 200) -> Response[str]:
    return Response(status_code=status, content_type=HTML, body=body, headers=security_headers(base_url))


def documented(description: str, media_type: str = "") -> OpenAPIResponse:
    """A response as the OpenAPI document describes it (for non-JSON bodies and error codes)."""
    if not media_type:
        return {"description": description}
    return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}


HTML_PAGE = documented("an HTML page", "text/html")
