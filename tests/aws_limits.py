"""AWS's request limits, enforced on boto3 clients in tests, because moto enforces few of them.

`enforce_limits(client)` hooks the client's `before-parameter-build` events and raises the
ClientError AWS would answer with when a request goes past a limit the adapters rely on
(docs/data-model.md, "Service limits, call by call"). An adapter that splits and caps correctly never sees
one; one that does not fails its test here instead of in production.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

ITEM_BYTES = 400 * 1024
TRANSACT_ITEMS = 100
TRANSACT_BYTES = 4 * 1024 * 1024
BATCH_WRITE_ITEMS = 25
BATCH_WRITE_BYTES = 16 * 1024 * 1024
BATCH_GET_KEYS = 100
#: SQS now takes up to 1 MiB; calsnack's queues are made with a 256 KiB maximum (infra/queues.py),
#: which keeps ten messages under Lambda's 6 MB synchronous payload.
SQS_MESSAGE_BYTES = 256 * 1024
SQS_BATCH_ENTRIES = 10
SQS_BATCH_BYTES = 256 * 1024
#: SES v2: 40 MB a message after base64 encoding, 50 recipients.
SES_MESSAGE_BYTES = 40 * 1024 * 1024
SES_RECIPIENTS = 50
S3_PUT_BYTES = 5 * 1024**3


def _refuse(operation: str, code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def value_size(value: Mapping[str, Any]) -> int:
    """An attribute value's size as DynamoDB bills and limits it (strings and binaries by their
    bytes, numbers about one byte per two digits, containers 3 bytes plus their elements)."""
    (kind, content), *_ = value.items()
    if kind == "S":
        return len(str(content).encode())
    if kind == "N":
        digits = str(Decimal(str(content)).normalize()).lstrip("-").replace(".", "")
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(v).encode()) for v in content)
    if kind == "NS":
        return sum(value_size({"N": v}) for v in content)
    if kind == "BS":
        return sum(len(v) for v in content)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in content)
    if kind == "M":
        return 3 + item_size(content)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _action_size(action: Mapping[str, Any]) -> int:
    (kind, body), *_ = action.items()
    if kind == "Put":
        return item_size(body["Item"])
    return item_size(body["Key"]) + sum(
        value_size(v) for v in body.get("ExpressionAttributeValues", {}).values()
    )


def _put_item(params: Mapping[str, Any], **_: Any) -> None:
    if item_size(params["Item"]) > ITEM_BYTES:
        raise _refuse("PutItem", "ValidationException", "Item size has exceeded the maximum allowed size")


def _transact_write_items(params: Mapping[str, Any], **_: Any) -> None:
    actions = params["TransactItems"]
    if len(actions) > TRANSACT_ITEMS:
        raise _refuse(
            "TransactWriteItems",
            "ValidationException",
            f"Member must have length less than or equal to {TRANSACT_ITEMS}",
        )
    sizes = [_action_size(a) for a in actions]
    if max(sizes, default=0) > ITEM_BYTES:
        raise _refuse(
            "TransactWriteItems", "ValidationException", "Item size has exceeded the maximum allowed size"
        )
    if sum(sizes) > TRANSACT_BYTES:
        raise _refuse(
            "TransactWriteItems",
            "ValidationException",
            "Transaction request size exceeds the maximum of 4 MB",
        )


def _batch_write_item(params: Mapping[str, Any], **_: Any) -> None:
    requests = [r for table in params["RequestItems"].values() for r in table]
    if len(requests) > BATCH_WRITE_ITEMS:
        raise _refuse(
            "BatchWriteItem",
            "ValidationException",
            f"Member must have length less than or equal to {BATCH_WRITE_ITEMS}",
        )
    sizes = [item_size(r["PutRequest"]["Item"]) if "PutRequest" in r else 0 for r in requests]
    if max(sizes, default=0) > ITEM_BYTES:
        raise _refuse(
            "BatchWriteItem", "ValidationException", "Item size has exceeded the maximum allowed size"
        )
    if sum(sizes) > BATCH_WRITE_BYTES:
        raise _refuse("BatchWriteItem", "ValidationException", "Request size exceeds 16 MB")


def _batch_get_item(params: Mapping[str, Any], **_: Any) -> None:
    keys = sum(len(table["Keys"]) for table in params["RequestItems"].values())
    if keys > BATCH_GET_KEYS:
        raise _refuse(
            "BatchGetItem",
            "ValidationException",
            f"Too many items requested for the BatchGetItem call: {keys}",
        )


def _send_message(params: Mapping[str, Any], **_: Any) -> None:
    if len(params["MessageBody"].encode()) > SQS_MESSAGE_BYTES:
        raise _refuse("SendMessage", "InvalidParameterValue", "Message must be shorter than 262144 bytes.")


def _send_message_batch(params: Mapping[str, Any], **_: Any) -> None:
    entries = params["Entries"]
    if len(entries) > SQS_BATCH_ENTRIES:
        raise _refuse(
            "SendMessageBatch",
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are {SQS_BATCH_ENTRIES}.",
        )
    sizes = [len(e["MessageBody"].encode()) for e in entries]
    if max(sizes, default=0) > SQS_MESSAGE_BYTES:
        raise _refuse(
            "SendMessageBatch", "InvalidParameterValue", "Message must be shorter than 262144 bytes."
        )
    if sum(sizes) > SQS_BATCH_BYTES:
        raise _refuse(
            "SendMessageBatch",
            "AWS.SimpleQueueService.BatchRequestTooLong",
            f"Batch requests cannot be longer than {SQS_BATCH_BYTES} bytes.",
        )


def _send_email(params: Mapping[str, Any], **_: Any) -> None:
    destination = params.get("Destination", {})
    recipients = sum(len(destination.get(f, [])) for f in ("ToAddresses", "CcAddresses", "BccAddresses"))
    if recipients > SES_RECIPIENTS:
        raise _refuse("SendEmail", "BadRequestException", "Recipient count exceeds 50.")
    raw = params.get("Content", {}).get("Raw", {}).get("Data")
    if raw is not None and len(base64.b64encode(raw)) > SES_MESSAGE_BYTES:
        raise _refuse("SendEmail", "MessageRejected", "Message length is more than 40 MB.")


def _put_object(params: Mapping[str, Any], **_: Any) -> None:
    body = params.get("Body", b"")
    if isinstance(body, bytes | bytearray) and len(body) > S3_PUT_BYTES:
        raise _refuse("PutObject", "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")


_GUARDS: Mapping[str, Mapping[str, Callable[..., None]]] = {
    "dynamodb": {
        "PutItem": _put_item,
        "TransactWriteItems": _transact_write_items,
        "BatchWriteItem": _batch_write_item,
        "BatchGetItem": _batch_get_item,
    },
    "sqs": {"SendMessage": _send_message, "SendMessageBatch": _send_message_batch},
    "sesv2": {"SendEmail": _send_email},
    "s3": {"PutObject": _put_object},
}


def enforce_limits(*clients: Any) -> None:
    """Make these boto3 clients refuse what AWS refuses (see the module docstring)."""
    for client in clients:
        service = client.meta.service_model.service_name
        for operation, guard in _GUARDS.get(service, {}).items():
            client.meta.events.register(f"before-parameter-build.{service}.{operation}", guard)
