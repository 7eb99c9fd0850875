"""The embedded inbound worker bounds each mail's time, and one slow mail holds up no other sender's."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from calsnack.adapters.embedded.queue import SqliteQueue
from calsnack.ports import QueueMessage
from calsnack.serve.timebox import HandlerFailed, HandlerTimeout, TimeBoxed
from calsnack.serve.workers import EventSource, Worker

from tests.e2e.handlers import sleep_then_mark_handler


@pytest.fixture
def box():
    b = TimeBoxed(sleep_then_mark_handler, 20)
    yield b
    b.stop()


def test_a_call_past_its_timeout_is_killed_and_the_next_gets_a_fresh_process(box: TimeBoxed) -> None:
    assert box({"sleep": 0}, None) == {"slept": 0}  # the process is up
    box.timeout = 0.5
    with pytest.raises(HandlerTimeout):
        box({"sleep": 600}, None)
    box.timeout = 20
    assert box({"sleep": 0}, None) == {"slept": 0}


def test_a_failing_handler_reports_its_traceback(box: TimeBoxed) -> None:
    with pytest.raises(HandlerFailed, match="ValueError: bad mail"):
        box({"fail": "bad mail"}, None)
    assert box({"sleep": 0}, None) == {"slept": 0}


def test_stopping_from_another_thread_ends_the_call_with_handler_failed(box: TimeBoxed) -> None:
    """serve's shutdown stops a box while its worker thread waits on the call; both then stop it."""
    assert box({"sleep": 0}, None) == {"slept": 0}
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            box({"sleep": 600}, None)
        except BaseException as exc:  # the test inspects whatever the thread got
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.3)
    stoppers = [threading.Thread(target=box.stop) for _ in range(4)]
    for t in stoppers:
        t.start()
    for t in [*stoppers, caller]:
        t.join(timeout=20)
    assert [type(e) for e in outcome] == [HandlerFailed]


def test_a_slow_mail_holds_up_only_its_own_sender(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "queue.db")
    stop = threading.Event()
    boxes = [TimeBoxed(sleep_then_mark_handler, 120) for _ in range(2)]
    workers = [
        Worker(queue, EventSource("inbound-mail", "inbound", b, 1, 240, raw_events=True), stop) for b in boxes
    ]
    mark = tmp_path / "other-sender"
    same = tmp_path / "same-sender"
    queue.send(
        "inbound",
        [
            QueueMessage(json.dumps({"sleep": 600}), group="from:slow@evil.example"),
            QueueMessage(json.dumps({"mark": str(same)}), group="from:slow@evil.example"),
            QueueMessage(json.dumps({"mark": str(mark)}), group="from:olga@example.test"),
        ],
    )
    for w in workers:
        w.start()
    try:
        deadline = time.monotonic() + 60
        while not mark.exists():
            assert time.monotonic() < deadline, "the other sender's mail waited behind the slow one"
            time.sleep(0.05)
        # The slow sender's next mail waits for its first: one sender's mails stay in order.
        assert not same.exists()
    finally:
        stop.set()
        for b in boxes:
            b.stop()
        for w in workers:
            w.wake.set()
            w.join(timeout=10)


def test_serve_reads_inbound_mail_in_time_boxed_slots_grouped_by_sender(tmp_path: Path) -> None:
    from calsnack.serve.options import ServeOptions
    from calsnack.serve.runtime import Runtime
    from calsnack.serve.smtp import INBOUND_QUEUE

    runtime = Runtime(ServeOptions(data_dir=tmp_path, smtp_port=0, http_port=0))
    try:
        inbound = [w.source for w in runtime.workers if w.source.queue == INBOUND_QUEUE]
        assert len(inbound) == 2 and all(isinstance(s.handler, TimeBoxed) for s in inbound)
        assert all(s.handler.timeout == 60 and s.visibility_timeout > 60 for s in inbound)
    finally:
        runtime.http.server_close()
