"""The embedded worker loop: how often an idle worker touches the queue, and with what."""

from __future__ import annotations

import threading
import time

from calsnack.adapters.embedded.queue import SqliteQueue
from calsnack.ports import QueueMessage
from calsnack.serve.workers import EventSource, Worker


def test_a_fifo_group_in_flight_is_polled_not_spun_on(tmp_path):
    """A visible message behind its group's in-flight head cannot be taken: the worker waits for
    its next poll (it used to retry at once, in a loop), and looking takes no write lock."""
    queue = SqliteQueue(tmp_path / "queue.db")
    queue.send("commands", [QueueMessage("first", group="g"), QueueMessage("second", group="g")])
    [head] = queue.receive("commands", 1, 60)
    writes = receives = 0
    write, receive = queue.db.write, queue.receive

    def counted_write():  # type: ignore[no-untyped-def]
        nonlocal writes
        writes += 1
        return write()

    def counted_receive(*args):  # type: ignore[no-untyped-def]
        nonlocal receives
        receives += 1
        return receive(*args)

    queue.db.write = counted_write  # type: ignore[method-assign]
    queue.receive = counted_receive  # type: ignore[method-assign]
    stop = threading.Event()
    handled: list[object] = []
    worker = Worker(
        queue, EventSource("c", "commands", lambda e, c: handled.append(e), 10, 60, fifo=True), stop
    )
    worker.start()
    time.sleep(0.5)
    stop.set()
    worker.wake.set()
    worker.join()
    assert handled == []
    assert 1 <= receives <= 0.5 / worker.idle_poll + 2
    assert writes == 0
    assert head.body == "first"
