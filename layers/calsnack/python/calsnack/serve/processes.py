"""Extra worker processes, so the command worker and the sender use every core, as Lambda scales out.

Each process opens the same data directory (SQLite in WAL mode takes one writer at a time
and any number of readers) and runs the same handlers over the same queues; the queue's
visibility timeout and FIFO groups keep them from taking the same work twice.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from multiprocessing.synchronize import Event as ProcessEvent
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from calsnack.serve.options import ServeOptions


def _watch_parent(stop: threading.Event, parent_stop: ProcessEvent) -> None:
    """Stop when the parent asks, or when it died without asking (SIGKILL): never linger as an orphan."""
    parent = multiprocessing.parent_process()
    while not stop.is_set():
        if parent_stop.wait(timeout=0.5) or (parent is not None and not parent.is_alive()):
            stop.set()


def work_forever(options: ServeOptions, parent_stop: ProcessEvent) -> None:
    # The parent owns shutdown: a signal to the process group must not cut a handler short here.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from calsnack.serve.options import process_services
    from calsnack.serve.workers import Worker, batch_sources

    services = process_services(options)
    stop = threading.Event()
    workers = [Worker(services.queue, s, stop) for s in batch_sources(services)]
    for w in workers:
        w.start()
    _watch_parent(stop, parent_stop)
    for w in workers:
        w.wake.set()
        w.join(timeout=30)


def start_helpers(
    options: ServeOptions, count: int
) -> tuple[list[multiprocessing.process.BaseProcess], ProcessEvent]:
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    helpers: list[multiprocessing.process.BaseProcess] = [
        context.Process(target=work_forever, args=(options, stop), name=f"calsnack-worker-{n}", daemon=True)
        for n in range(count)
    ]
    for p in helpers:
        p.start()
    return helpers, stop
