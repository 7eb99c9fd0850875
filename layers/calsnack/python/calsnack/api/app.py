"""The API Gateway application: the routers of each area, error pages, the OpenAPI document and
its Swagger UI (/docs, see `api.swagger`).

`build_app` makes one resolver over the services it is given, with routers of its own: the
routes reach their services through the closure, never through module state, so two apps
(two tests, two adapter sets) never share anything. Not Powertools' `append_context`: the
resolver clears its context after every `resolve`, and it would still be one dict per app.

Public pages (`public`, `dashboard`) answer errors with HTML a person can read; the JSON
routes (the dashboard's API and the management routes) answer with JSON.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import (
    APIKey,
    APIKeyIn,
    HTTPBearer,
    OpenAPI,
    PathItem,
    RequestBody,
)

from calsnack.api import dashboard, management, pages, public, renewal, swagger
from calsnack.api.access import DashboardExpired, DashboardRefused, InvalidLink
from calsnack.api.responses import html
from calsnack.config import Settings
from calsnack.ports import Services

#: POST /batches reads its CSV body itself (Powertools validates JSON and form bodies only).
BATCH_BODY = RequestBody.model_validate(
    {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
)


class Resolver(APIGatewayRestResolver):
    """Every document Powertools builds (/openapi.json, and the one inside /docs) describes the
    one body it cannot: the CSV of POST /batches, still from code."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> OpenAPI:
        schema = super().get_openapi_schema(*args, **kwargs)
        batches = (schema.paths or {}).get("/batches")
        if isinstance(batches, PathItem) and batches.post is not None:
            batches.post.requestBody = BATCH_BODY
        return schema


TITLE = "calsnack"
VERSION = "1"
SECURITY_SCHEMES = {
    "bearerAuth": HTTPBearer(bearerFormat="calsnack API key (csk_…)"),
    "apiKeyHeader": APIKey.model_validate({"name": "X-Api-Key", "in": APIKeyIn.header}),
}


def wants_json(path: str) -> bool:
    """JSON for API callers (the dashboard's script, management clients); HTML for people."""
    first = path.lstrip("/").split("/", 1)[0]
    return (
        path.startswith("/dashboard/api/")
        or first in management.MANAGEMENT_PREFIXES
        or first == "openapi.json"
    )


def _json(status: int, message: str) -> Response[dict[str, Any]]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"statusCode": status, "message": message},
    )


def _site_page(settings: Settings, title: str, message: str, status: int) -> Response[str]:
    return html(
        pages.message_page(pages.Site(settings.base_url, settings.product_name), title, message, ok=False),
        settings.base_url,
        status,
    )


def build_app(services: Services) -> Resolver:
    """The API over `services`: public pages, the dashboard, its renewal and the management routes."""
    settings = services.settings
    app = Resolver(enable_validation=True)
    app.include_router(public.routes(services))
    app.include_router(dashboard.routes(services))
    app.include_router(renewal.routes(services))
    app.include_router(management.routes(services))
    app.configure_openapi(
        title=TITLE,
        version=VERSION,
        summary="Calendar invitations at industrial scale: public pages, the organizer's dashboard, batches and reports.",
        security_schemes=SECURITY_SCHEMES,  # type: ignore[arg-type]
    )
    app.enable_swagger(
        path=swagger.PATH,
        title=TITLE,
        version=VERSION,
        security_schemes=SECURITY_SCHEMES,  # type: ignore[arg-type]
        swagger_base_url=swagger.ASSETS_BASE,
        middlewares=[swagger.with_security_headers(settings.base_url)],
    )

    def _page(title: str, message: str, status: int) -> Response[str]:
        return _site_page(settings, title, message, status)

    def _not_found() -> Response[Any]:
        if wants_json(app.current_event.path):
            return _json(404, "not found")
        return _page("Not found", "This link is not valid.", 404)

    @app.not_found
    def not_found(_: Exception) -> Response[Any]:
        return _not_found()

    @app.exception_handler(InvalidLink)  # type: ignore[untyped-decorator]
    def invalid_link(_: InvalidLink) -> Response[Any]:
        return _not_found()

    @app.exception_handler(DashboardRefused)  # type: ignore[untyped-decorator]
    def dashboard_refused(exc: DashboardRefused) -> Response[Any]:
        if wants_json(app.current_event.path):
            return _json(403, str(exc))
        if isinstance(exc, DashboardExpired):
            return renewal.expired_page(services, exc)
        return _page("Dashboard", str(exc), 403)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def invalid_request(exc: RequestValidationError) -> Response[Any]:
        """JSON callers learn which field failed (as Powertools reports it); a person gets a plain page.

        On a public page a malformed parameter can only come from an altered link.
        """
        if wants_json(app.current_event.path):
            return Response(
                status_code=422,
                content_type=content_types.APPLICATION_JSON,
                body={
                    "statusCode": 422,
                    "detail": [{"loc": e["loc"], "type": e["type"]} for e in exc.errors()],
                },
            )
        if app.current_event.http_method == "POST" and "/rsvp/" in app.current_event.path:
            return _page("Your answer", "Please enter a valid e-mail address.", 400)
        return _page("Not found", "This link is not valid.", 404)

    @app.exception_handler(UnicodeDecodeError)  # type: ignore[untyped-decorator]
    def undecodable_body(_: UnicodeDecodeError) -> Response[Any]:
        """A text body that is not UTF-8 (Powertools decodes JSON and form bodies as UTF-8)."""
        if wants_json(app.current_event.path):
            return _json(400, "the request body is not UTF-8 text")
        return _page("Your answer", "The form could not be read; please try again.", 400)

    @app.exception_handler(ValueError)  # type: ignore[untyped-decorator]
    def malformed_form(exc: ValueError) -> Response[Any]:
        """Powertools refuses a multipart body without a boundary with a bare ValueError: that is the
        caller's mistake (400); any other ValueError is ours and stays a server error."""
        content_type = app.current_event.headers.get("content-type", "").lower()
        if not (content_type.startswith("multipart/form-data") and "boundary=" not in content_type):
            raise exc
        if wants_json(app.current_event.path):
            return _json(400, "a multipart/form-data body needs a boundary")
        return _page("Your answer", "The form could not be read; please try again.", 400)

    @app.get("/openapi.json", tags=["public"], summary="This API's OpenAPI document")
    def openapi() -> Response[str]:
        return Response(
            status_code=200,
            content_type=content_types.APPLICATION_JSON,
            body=openapi_document(),
            headers={"Cache-Control": "no-cache"},
        )

    def openapi_document() -> str:
        """The document Powertools generates from the routes (with `Resolver`'s CSV body)."""
        schema = app.get_openapi_schema(servers=[{"url": settings.base_url}])
        document: dict[str, Any] = schema.model_dump(mode="json", by_alias=True, exclude_none=True)
        return json.dumps(document, ensure_ascii=False)

    return app
