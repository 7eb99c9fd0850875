"""The `calsnack serve` console: one readable line per thing done (`--log-format text`)."""

from __future__ import annotations

import logging
import os
import time

from calsnack.serve.console import ConsoleFormatter, InvitationTally, configure, use_console_lines


def record(msg: str, level: int = logging.INFO, **fields: object) -> logging.LogRecord:
    made = logging.makeLogRecord(
        {"name": "calsnack.x", "levelno": level, "levelname": logging.getLevelName(level), "msg": msg}
    )
    made.__dict__.update(fields)
    return made


def test_each_thing_done_is_one_sentence() -> None:
    say = ConsoleFormatter().format
    assert say(record("snack sent", to="olga@example.com", summary="Team lunch")) == (
        "calsnack serve: snack sent to olga@example.com for “Team lunch”"
    )
    assert say(
        record("batch queued", batch_id="b1", sender="ops@x.test", rows=20000, queued=19990, refused=10)
    ) == (
        "calsnack serve: batch b1 from ops@x.test: 20,000 rows read, 19,990 rows queued, 10 refused while reading"
    )
    assert say(record("invitations sent", sent=1200, failed=0, batch_id="b1")) == (
        "calsnack serve: 1,200 invitations sent (batch b1)"
    )
    assert say(record("batch result sent", batch_id="b1", to="ops@x.test", applied=19990, refused=10)) == (
        "calsnack serve: batch b1: result mailed to ops@x.test (19,990 rows applied, 10 refused)"
    )
    assert say(record("mail handled", route="snack", outcome="invitation")) == (
        "calsnack serve: mail for snack@ handled: invitation"
    )
    assert say(record("unauthenticated batch dropped", logging.WARNING, sender="x@y.test")) == (
        "calsnack serve: warning: unauthenticated batch dropped (sender=x@y.test)"
    )


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(ConsoleFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_send_messages_are_summed_into_a_line_every_few_seconds() -> None:
    handler = Lines()
    handler.addFilter(InvitationTally(handler, every=0.3))
    for _ in range(5):
        handler.handle(record("invitations sent", sent=4, failed=0, batch_id="b1"))
    handler.handle(record("snack sent", to="olga@example.com", summary="x"))
    assert handler.lines == [
        "calsnack serve: 4 invitations sent (batch b1)",
        "calsnack serve: snack sent to olga@example.com for “x”",
    ]
    deadline = time.monotonic() + 5
    while len(handler.lines) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    # What was held back is said when the timer fires: nothing is lost when the sending stops.
    assert handler.lines[2] == "calsnack serve: 16 invitations sent (batch b1)"


def test_json_turns_on_powertools_logs_and_metrics_text_keeps_metrics_off(monkeypatch) -> None:
    names = ("POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_DISABLED", "POWERTOOLS_SERVICE_NAME")
    for mode, metrics_disabled in (("json", "false"), ("text", "true")):
        for name in names:
            monkeypatch.delenv(name, raising=False)
        configure(mode)
        assert os.environ["POWERTOOLS_LOG_LEVEL"] == "INFO"
        assert os.environ["POWERTOOLS_METRICS_DISABLED"] == metrics_disabled
        assert os.environ["POWERTOOLS_SERVICE_NAME"] == "calsnack"


def test_only_text_mode_swaps_the_formatter() -> None:
    service = logging.getLogger(os.environ.get("POWERTOOLS_SERVICE_NAME", "calsnack"))
    handler = logging.StreamHandler()
    original = handler.formatter
    service.addHandler(handler)
    try:
        use_console_lines("json")
        assert handler.formatter is original
        use_console_lines("text")
        assert isinstance(handler.formatter, ConsoleFormatter)
        assert [type(f) for f in handler.filters] == [InvitationTally]
    finally:
        service.removeHandler(handler)
