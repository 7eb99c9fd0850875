"""AWS-shaped events, so the embedded runtime feeds the Lambda handlers exactly what AWS would."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

from calsnack.adapters.embedded.queue import Received

REGION = "local-1"
ACCOUNT = "000000000000"


@dataclass
class LambdaContext:
    """The attributes Powertools reads from the Lambda context object."""

    function_name: str
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/calsnack/embedded"
    log_stream_name: str = "embedded"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def s3_put_event(bucket: str, key: str, size: int) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": now,
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:ses"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": uuid.uuid4().hex, "x-amz-id-2": uuid.uuid4().hex},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "inbound-mail",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": ACCOUNT},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": uuid.uuid4().hex,
                        "sequencer": uuid.uuid4().hex[:16].upper(),
                    },
                },
            }
        ]
    }


def sqs_event(queue: str, messages: Sequence[Received], *, fifo: bool) -> dict[str, Any]:
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}{'.fifo' if fifo else ''}"
    records = []
    for m in messages:
        attributes = {
            "ApproximateReceiveCount": str(m.receive_count),
            "SentTimestamp": str(int(m.sent_at * 1000)),
            "SenderId": ACCOUNT,
            "ApproximateFirstReceiveTimestamp": str(int(m.sent_at * 1000)),
        }
        if fifo and m.group:
            attributes |= {
                "MessageGroupId": m.group,
                "MessageDeduplicationId": m.message_id,
                "SequenceNumber": m.message_id.zfill(20),
            }
        records.append(
            {
                "messageId": m.message_id,
                "receiptHandle": m.receipt,
                "body": m.body,
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


#: Bodies API Gateway passes base64-encoded, as the stack's `binaryMediaTypes` lists them: uploads
#: whose bytes must arrive untouched (a CSV file in Windows-1252, a multipart form).
BINARY_MEDIA_TYPES = frozenset({"multipart/form-data", "text/csv", "application/octet-stream"})


def api_gateway_event(
    method: str, target: str, headers: Mapping[str, str], body: bytes, *, source_ip: str = "127.0.0.1"
) -> dict[str, Any]:
    """A REST API (v1) proxy event for `/{proxy+}`; `source_ip` is the client's address, as API Gateway sees it."""
    url = urlsplit(target)
    query = parse_qs(url.query, keep_blank_values=True)
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    binary = content_type.split(";", 1)[0].strip().lower() in BINARY_MEDIA_TYPES
    text_body: str | None = None
    encoded = False
    if body and not binary:
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            binary = True
    if body and binary:
        text_body, encoded = base64.b64encode(body).decode(), True
    return {
        "resource": "/{proxy+}",
        "path": url.path,
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": {"proxy": url.path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": url.path,
            "stage": "embedded",
            "requestId": str(uuid.uuid4()),
            "accountId": ACCOUNT,
            "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent", "")},
        },
        "body": text_body,
        "isBase64Encoded": encoded,
    }


def method_arn(method: str, path: str, *, api_id: str = "embedded", stage: str = "embedded") -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


def authorizer_request_event(proxy: Mapping[str, Any]) -> dict[str, Any]:
    """The REQUEST authorizer event API Gateway builds for the proxy event it is about to send."""
    first = str(proxy["path"]).lstrip("/").split("/", 1)[0]
    nested = "/" in str(proxy["path"]).lstrip("/")
    resource = f"/{first}/{{proxy+}}" if nested else f"/{first}"
    context = dict(proxy["requestContext"])
    stage = str(context.get("stage", "embedded"))
    return {
        "type": "REQUEST",
        "methodArn": method_arn(proxy["httpMethod"], proxy["path"], stage=stage),
        "resource": resource,
        "path": proxy["path"],
        "httpMethod": proxy["httpMethod"],
        "headers": proxy["headers"],
        "multiValueHeaders": proxy["multiValueHeaders"],
        "queryStringParameters": proxy["queryStringParameters"],
        "multiValueQueryStringParameters": proxy["multiValueQueryStringParameters"],
        "pathParameters": proxy["pathParameters"],
        "stageVariables": proxy["stageVariables"],
        "requestContext": context | {"resourcePath": resource},
    }


def response_body(response: Mapping[str, Any]) -> bytes:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode()
