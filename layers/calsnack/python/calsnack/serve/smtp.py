"""The embedded SMTP server, playing SES inbound: authenticate, store durably, then emit the S3 event.

Mail is written (fsync) and its S3 event queued before the 250 reply, so a killed
server loses nothing it accepted; a 4xx is given only when the mail cannot be stored.
"""

from __future__ import annotations

import asyncio
import email.policy
import json
import re
import uuid
from email.parser import BytesHeaderParser
from email.utils import formatdate

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from calsnack.adapters.embedded.blobs import FileBlobStore
from calsnack.adapters.embedded.queue import SqliteQueue
from calsnack.mail.authresults import HEADER, MethodResult, format_results
from calsnack.mail.inbound import author
from calsnack.ports import QueueMessage
from calsnack.serve.lambda_events import s3_put_event

INBOUND_QUEUE = "inbound"
#: SES accepts messages up to 40 MB; so does this server (advertised as SIZE, refused with 552).
MAX_MESSAGE_SIZE = 40 * 1024 * 1024
#: A command line (RFC 5321 §4.5.3.1.4: 512 octets, more with ESMTP parameters), with slack;
#: a longer one is discarded as it arrives and answered 500, never buffered whole.
COMMAND_LINE_LIMIT = 4096
#: Idle seconds before a connection is closed: RFC 5321 §4.5.3.2.7 asks a server to wait at
#: least 5 minutes for a command, and the whole DATA phase must fit in it too.
IDLE_TIMEOUT = 300.0
MAILBOX_ROUTES = {"snack": "snack", "batch": "batch"}


def route_of_recipient(address: str) -> str:
    local = address.rpartition("@")[0].lower()
    return MAILBOX_ROUTES.get(local, "other")


_HEADER_END = re.compile(rb"\r?\n\r?\n")


def _header_from_domain(data: bytes) -> str:
    """The From domain exactly as the inbound use case will read it (`calsnack.mail.inbound.author`)."""
    end = _HEADER_END.search(data)
    head = data[: end.end()] if end else data
    message = BytesHeaderParser(policy=email.policy.default).parsebytes(head)
    return author(message)[1].rpartition("@")[2].lower()


class InboundHandler:
    def __init__(
        self,
        *,
        domain: str,
        authserv_id: str,
        local_auth: str,
        blobs: FileBlobStore,
        queue: SqliteQueue,
        bucket: str = "embedded-mail",
    ) -> None:
        self.domain = domain.lower()
        self.authserv_id = authserv_id
        self.local_auth = local_auth
        self.blobs = blobs
        self.queue = queue
        self.bucket = bucket

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.rpartition("@")[2].lower() != self.domain:
            return "550 5.7.1 Relaying denied: this server only receives mail for " + self.domain
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def _headers(self, session: Session, envelope: Envelope, data: bytes) -> bytes:
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        verdict = self.local_auth if peer in ("127.0.0.1", "::1") else "none"
        mail_from = envelope.mail_from or ""
        from_domain = _header_from_domain(data)
        # The envelope sender and the From domain are the stranger's words: written as
        # RFC 8601 values (quoted when not plain), they cannot open a result of their own.
        verdicts = format_results(
            self.authserv_id,
            [
                MethodResult("spf", verdict, (("smtp.mailfrom", mail_from),)),
                MethodResult("dkim", "none"),
                MethodResult("dmarc", verdict, (("header.from", from_domain),)),
            ],
        )
        results = f"{HEADER}: {verdicts}\r\n"
        received = (
            f"Received: from {session.host_name or 'unknown'} ([{peer}]) by {self.domain} (calsnack) "
            f"with SMTP id {uuid.uuid4().hex[:16]}; {formatdate(localtime=False)}\r\n"
        )
        return f"Return-Path: <{mail_from}>\r\n".encode() + results.encode() + received.encode()

    def store(self, session: Session, envelope: Envelope) -> None:
        data = envelope.original_content or b""
        raw = self._headers(session, envelope, data) + data
        routes = sorted({route_of_recipient(str(r)) for r in envelope.rcpt_tos})
        message_id = uuid.uuid4().hex
        # One sender's mails are read one at a time, in order (an update after its invitation);
        # other senders' mails go on in parallel, so a slow mail holds up only its own sender.
        sender = (envelope.mail_from or "").lower()
        events = []
        for route in routes:
            key = f"mail/{route}/{message_id}"
            self.blobs.put(key, raw)
            body = json.dumps(s3_put_event(self.bucket, key, len(raw)))
            events.append(QueueMessage(body=body, group=f"from:{sender}"))
        self.queue.send(INBOUND_QUEUE, events)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.store, session, envelope)
        except Exception:
            return "451 4.3.0 Could not store the message; try again later"
        return "250 2.0.0 OK: queued"


class LenientSMTP(SMTP):
    """Accepts bare-LF messages, as Postfix and SES do: Python's smtplib sends bytes unconverted,
    which makes a whole message one long "line".

    aiosmtpd reads command lines and message lines through one stream whose buffer limit is
    `line_length_limit`. Commands get `COMMAND_LINE_LIMIT` (a 40 MB command line was buffered
    whole before); only while a message is read does the limit rise to the message size,
    which `data_size_limit` bounds anyway.
    """

    line_length_limit = COMMAND_LINE_LIMIT

    async def smtp_DATA(self, arg: str) -> None:
        self._set_line_limit(MAX_MESSAGE_SIZE)
        try:
            await super().smtp_DATA(arg)
        finally:
            self._set_line_limit(COMMAND_LINE_LIMIT)

    def _set_line_limit(self, limit: int) -> None:
        self.line_length_limit = limit
        # asyncio.StreamReader keeps its limit in `_limit`, read at every readuntil().
        self._reader._limit = limit  # type: ignore[attr-defined]


class InboundController(Controller):
    def __init__(
        self, handler: InboundHandler, *, idle_timeout: float = IDLE_TIMEOUT, **kwargs: object
    ) -> None:
        super().__init__(handler, **kwargs)  # type: ignore[arg-type]
        self.idle_timeout = idle_timeout

    def factory(self) -> SMTP:
        return LenientSMTP(
            self.handler,
            data_size_limit=MAX_MESSAGE_SIZE,
            decode_data=False,
            enable_SMTPUTF8=True,
            hostname=self.hostname,
            timeout=self.idle_timeout,
        )
