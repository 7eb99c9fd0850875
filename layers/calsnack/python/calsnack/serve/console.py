"""The `calsnack serve` console: the use cases' log records as one readable line each.

The use cases log what they do through Powertools (JSON, as CloudWatch wants it in Lambda).
On one machine a person watches the terminal instead, so `--log-format text` (the default)
swaps the formatter of the service's logger for this one; `--log-format json` keeps
Powertools' JSON lines and turns its metrics (CloudWatch EMF) on.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

PREFIX = "calsnack serve: "

#: Record attributes every log record has; the rest are the `extra` fields a use case gave.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName", "tallied"}


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _mail_handled(f: dict[str, Any]) -> str:
    return f"mail for {f.get('route', '?')}@ handled: {f.get('outcome', '?')}"


def _snack_sent(f: dict[str, Any]) -> str:
    return f"snack sent to {f.get('to', '?')} for “{f.get('summary', '')}”"


def _batch_queued(f: dict[str, Any]) -> str:
    refused = f", {_count(f['refused'])} refused while reading" if f.get("refused") else ""
    return (
        f"batch {f.get('batch_id', '?')} from {f.get('sender', '?')}: {_count(f.get('rows', 0))} rows read,"
        f" {_count(f.get('queued', 0))} rows queued{refused}"
    )


def _invitations_sent(f: dict[str, Any]) -> str:
    batch = f" (batch {f['batch_id']})" if f.get("batch_id") else ""
    failed = f", {_count(f['failed'])} failed" if f.get("failed") else ""
    return f"{_count(f.get('sent', 0))} invitations sent{failed}{batch}"


def _batch_reported(f: dict[str, Any]) -> str:
    return (
        f"batch {f.get('batch_id', '?')}: result mailed to {f.get('to', '?')}"
        f" ({_count(f.get('applied', 0))} rows applied, {_count(f.get('refused', 0))} refused)"
    )


#: The records that describe one thing done, by their message, and how to say it.
_LINES: dict[str, Callable[[dict[str, Any]], str]] = {
    "mail handled": _mail_handled,
    "snack sent": _snack_sent,
    "batch queued": _batch_queued,
    "invitations sent": _invitations_sent,
    "batch result sent": _batch_reported,
}


class ConsoleFormatter(LambdaPowertoolsFormatter):
    """One line per record: a sentence for the records in `_LINES`, else the message and its fields.

    A Powertools formatter underneath, since the handlers' decorators append keys (the Lambda
    context, cold start) to whatever formatter their logger has; the line leaves them out.
    """

    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        message = record.getMessage()
        say = _LINES.get(message)
        if say is not None:
            line = say(fields)
        else:
            details = ", ".join(f"{k}={v}" for k, v in fields.items())
            line = f"{message} ({details})" if details else message
        if record.levelno >= logging.WARNING:
            line = f"{record.levelname.lower()}: {line}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return PREFIX + line


class InvitationTally(logging.Filter):
    """One "invitations sent" line per batch every `every` seconds, instead of one per send message.

    A 20,000-row batch is thousands of send messages; the console sums them and says how many
    went out since its last line. What is left when the sending stops is said `every` seconds
    later by a timer, so the last line is never missing.
    """

    def __init__(self, handler: logging.Handler, every: float = 2.0) -> None:
        super().__init__()
        self.handler, self.every = handler, every
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[int, int]] = {}
        self._last: dict[str, float] = {}
        self._timer: threading.Timer | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage() != "invitations sent" or getattr(record, "tallied", False):
            return True
        batch = str(getattr(record, "batch_id", "") or "")
        with self._lock:
            sent, failed = self._pending.pop(batch, (0, 0))
            sent += int(getattr(record, "sent", 0))
            failed += int(getattr(record, "failed", 0))
            now = time.monotonic()
            if now - self._last.get(batch, float("-inf")) >= self.every:
                self._last[batch] = now
                record.sent, record.failed = sent, failed
                return True
            self._pending[batch] = (sent, failed)
            if self._timer is None:
                self._timer = threading.Timer(self.every, self._flush, args=(record.name,))
                self._timer.daemon = True
                self._timer.start()
        return False

    def _flush(self, name: str) -> None:
        with self._lock:
            pending, self._pending, self._timer = self._pending, {}, None
            now = time.monotonic()
            for batch in pending:
                self._last[batch] = now
        for batch, (sent, failed) in pending.items():
            record = logging.makeLogRecord(
                {"name": name, "levelno": logging.INFO, "levelname": "INFO", "msg": "invitations sent"}
            )
            record.__dict__.update(sent=sent, failed=failed, batch_id=batch, tallied=True)
            self.handler.handle(record)


def configure(log_format: str) -> None:
    """Set Powertools up for the console (`text`) or for Lambda-style JSON logs and metrics (`json`).

    Call before the Lambda handlers are imported: Powertools reads the environment when each
    handler module creates its Logger and Metrics. Helper processes inherit the environment.
    """
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "calsnack")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "calsnack")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "false" if log_format == "json" else "true")


def use_console_lines(log_format: str) -> None:
    """In text mode, the service's logger writes `ConsoleFormatter` lines.

    Before the handlers are imported this configures the logger their Powertools Loggers then
    share (Powertools configures a service's logger once); after, it swaps the formatter.
    """
    if log_format != "text":
        return
    name = os.environ.get("POWERTOOLS_SERVICE_NAME", "calsnack")
    service = logging.getLogger(name)
    if not service.handlers:
        Logger(service=name, logger_formatter=ConsoleFormatter())
    for handler in service.handlers:
        handler.setFormatter(ConsoleFormatter())
        if not any(isinstance(f, InvitationTally) for f in handler.filters):
            handler.addFilter(InvitationTally(handler))
