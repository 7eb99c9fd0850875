"""Management routes for sending domains: CSV batches, reports and API keys, behind the API-key authorizer.

The authorizer (lambdas/authorizer, or the embedded server running the same handler)
puts the key's domain into the request context; every route acts within that domain.
"""

from __future__ import annotations

import base64
import email.policy
import hashlib
import heapq
import secrets
from dataclasses import asdict, replace
from email.message import EmailMessage
from email.parser import BytesParser
from operator import attrgetter
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, ForbiddenError, NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from calsnack.api.access import caller_domain
from calsnack.api.models import (
    MAX_ERRORS_SHOWN,
    ApiKeyList,
    ApiKeyOut,
    BatchAccepted,
    BatchStatusOut,
    BatchStatusWithLinks,
    EventLinksOut,
    IssuedApiKey,
    NewApiKey,
    Report,
)
from calsnack.api.responses import documented
from calsnack.domain.addresses import domain_of, is_address, normalize_address
from calsnack.ports import Services
from calsnack.usecases.accept_batch import accept_batch
from calsnack.usecases.build_report import report_domain, report_event, report_organizer
from calsnack.usecases.event_links import batch_events, event_links
from calsnack.usecases.ingest_batch import BatchRefused, BatchRequest
from calsnack.usecases.issue_api_key import issue_api_key
from calsnack.usecases.revoke_api_key import UnknownKey, revoke_api_key

#: First path segments routed through the authorizer (the CDK stack and the embedded server agree).
MANAGEMENT_PREFIXES = ("batches", "reports", "apikeys")

SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"apiKeyHeader": []}]
_CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/octet-stream")
ERRORS: dict[int, OpenAPIResponse] = {
    400: documented("the request cannot be used"),
    401: documented("no API key"),
    403: documented("the key is not valid, or not for this domain"),
}


def _raw_body(event: BaseProxyEvent) -> bytes:
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8")


def uploaded_csv(content_type: str, body: bytes) -> bytes:
    """The CSV file of a request: the body itself, or the file part of a multipart form."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        if isinstance(message, EmailMessage) and message.is_multipart():
            for part in message.iter_parts():
                if not isinstance(part, EmailMessage):
                    continue
                name = part.get_param("name", header="content-disposition")
                if part.get_filename() or name == "file":
                    payload = part.get_payload(decode=True)
                    if isinstance(payload, bytes) and payload:
                        return payload
        raise BadRequestError("the form has no CSV file (send it as the field named 'file')")
    if kind and kind not in _CSV_TYPES:
        raise BadRequestError(f"send the CSV file as text/csv or multipart/form-data, not {kind}")
    if not body:
        raise BadRequestError("the request has no CSV file")
    return body


def batch_id_for(domain: str, idempotency_key: str | None) -> str:
    """A retried upload with the same Idempotency-Key names the same batch, which is ingested once."""
    if idempotency_key:
        return hashlib.sha256(f"api\n{domain}\n{idempotency_key}".encode()).hexdigest()[:24]
    return secrets.token_hex(12)


def _in_domain(address: str, domain: str) -> str:
    value = normalize_address(address)
    if domain_of(value) != domain:
        raise ForbiddenError(f"{address} is not an address in {domain}")
    return value


def routes(services: Services) -> Router:
    router = Router()  # type: ignore[no-untyped-call]

    def _domain() -> str:
        return caller_domain(router.current_event)

    @router.post(
        "/batches",
        tags=["batches"],
        summary="Submit a CSV batch of CREATE / UPDATE / CANCEL / INVITE rows (CONTRACT §3)",
        description=(
            "The body is the CSV file (`text/csv`) or a `multipart/form-data` form whose field `file` holds it."
            " The header is checked at once (400 if unusable); the file is split and its rows applied"
            " asynchronously: poll the status URL. The result mail goes to `sender`."
        ),
        security=SECURITY,
        status_code=202,
        responses={**ERRORS, 202: documented("accepted: the rows are being applied")},
    )
    def submit_batch(
        sender: Annotated[str, Query(max_length=254, description="default api@<domain>")] = "",
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> BatchAccepted:
        domain = _domain()
        allowed = services.settings.batch_domains
        if allowed and domain not in allowed:
            raise ForbiddenError(f"the domain {domain} may not send batches to this service")
        address = normalize_address(sender) if sender else f"api@{domain}"
        if not is_address(address):
            raise BadRequestError("sender is not an e-mail address")
        if domain_of(address) != domain:
            raise ForbiddenError(f"the sender must be an address in {domain}")
        event = router.current_event
        data = uploaded_csv(event.headers.get("content-type", ""), _raw_body(event))
        batch_id = batch_id_for(domain, idempotency_key)
        existing = services.store.get_batch(batch_id, errors=False)
        if existing is None or not existing.parsed:
            blob_key = f"batches/{batch_id}.csv"
            services.blobs.put(blob_key, data)
            try:
                accept_batch(services, BatchRequest(batch_id, address, message_id="", blob_key=blob_key))
            except BatchRefused as exc:
                raise BadRequestError(str(exc)) from exc
        return BatchAccepted(
            batch_id=batch_id, sender=address, status_url=f"{services.settings.base_url}/batches/{batch_id}"
        )

    @router.get(
        "/batches/<batch_id>",
        tags=["batches"],
        summary="A batch's progress (rows applied and refused, invitations queued and sent) and its events' links",
        security=SECURITY,
        responses={**ERRORS, 404: documented("no batch of this domain has that id")},
    )
    def batch_status(batch_id: Annotated[str, Path(pattern=r"^[0-9a-f]{24}$")]) -> BatchStatusWithLinks:
        domain = _domain()
        store = services.store
        status = store.get_batch(batch_id, errors=False)
        if status is None or status.domain != domain:
            raise NotFoundError("no such batch")
        # The first refused rows, streamed: one more than shown tells that the list is cut.
        first = heapq.nsmallest(MAX_ERRORS_SHOWN + 1, store.refused_rows(batch_id), key=attrgetter("row"))
        now = services.clock()
        links = [
            EventLinksOut(**asdict(event_links(services.settings, e, now)))
            for e in batch_events(store, status)
        ]
        return BatchStatusWithLinks(
            **BatchStatusOut.of(replace(status, errors=first)).model_dump(), events=links
        )

    @router.get(
        "/reports/event",
        tags=["reports"],
        summary="One event and its counts",
        security=SECURITY,
        responses=ERRORS,
    )
    def report_for_event(
        organizer: Annotated[str, Query(max_length=254)], event_id: Annotated[str, Query(max_length=1000)]
    ) -> Report:
        domain = _domain()
        return Report.model_validate(report_event(services.store, _in_domain(organizer, domain), event_id))

    @router.get(
        "/reports/organizer",
        tags=["reports"],
        summary="An organizer's events and their counts",
        security=SECURITY,
        responses=ERRORS,
    )
    def report_for_organizer(email: Annotated[str, Query(max_length=254)]) -> Report:
        domain = _domain()
        return Report.model_validate(report_organizer(services.store, _in_domain(email, domain)))

    @router.get(
        "/reports/domain",
        tags=["reports"],
        summary="Every event of the key's sending domain and their counts",
        security=SECURITY,
        responses=ERRORS,
    )
    def report_for_domain(
        domain: Annotated[str, Query(max_length=253, description="default: the key's own domain")] = "",
    ) -> Report:
        own = _domain()
        if domain and domain.strip().lower() != own:
            raise ForbiddenError(f"this key reports on {own} only")
        return Report.model_validate(report_domain(services.store, own))

    @router.get(
        "/apikeys", tags=["apikeys"], summary="The domain's API keys", security=SECURITY, responses=ERRORS
    )
    def list_keys() -> ApiKeyList:
        domain = _domain()
        return ApiKeyList(domain=domain, keys=[ApiKeyOut.of(k) for k in services.store.api_keys(domain)])

    @router.post(
        "/apikeys",
        tags=["apikeys"],
        summary="Issue another key for the same domain (to rotate keys); the secret is shown once",
        security=SECURITY,
        status_code=201,
        responses=ERRORS,
    )
    def create_key(body: NewApiKey) -> IssuedApiKey:
        domain = _domain()
        issued = issue_api_key(services.store, domain, body.label, services.clock())
        return IssuedApiKey(key=issued.secret, **ApiKeyOut.of(issued.key).model_dump())

    @router.delete(
        "/apikeys/<key_id>",
        tags=["apikeys"],
        summary="Revoke one of the domain's keys",
        security=SECURITY,
        responses={**ERRORS, 404: documented("no key of this domain has that id")},
    )
    def delete_key(key_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12,64}$")]) -> ApiKeyOut:
        domain = _domain()
        try:
            key = revoke_api_key(services.store, domain, key_id)
        except UnknownKey as exc:
            raise NotFoundError(str(exc)) from exc
        return ApiKeyOut.of(key)

    return router
