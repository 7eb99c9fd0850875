"""A Lambda handler run in its own process and killed past its timeout, as Lambda kills an invocation.

The embedded inbound worker reads strangers' mail. Caps keep every known costly shape cheap,
but a thread cannot be stopped, so only a process bounds what the next unknown shape costs:
past the timeout the process is killed, the mail goes back to its queue (and after the
queue's receive limit to its dead letters), and a fresh process takes the next mail.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from calsnack.serve.lambda_events import LambdaContext


class HandlerTimeout(TimeoutError):
    """The handler ran past its timeout and its process was killed."""


class HandlerFailed(RuntimeError):
    """The handler raised; str() holds the traceback from its process."""


Handler = Callable[[dict[str, Any], Any], Any]


def _serve(make_handler: Callable[[], Handler], function_name: str, conn: Connection) -> None:
    # Ctrl-C reaches the whole process group: the parent decides when this process stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    handler = make_handler()
    while True:
        try:
            event = conn.recv()
        except EOFError:
            return
        try:
            conn.send((True, handler(event, LambdaContext(function_name=function_name))))
        except Exception:
            conn.send((False, traceback.format_exc()))


class TimeBoxed:
    """Calls a handler in a child process, at most `timeout` seconds a call.

    `make_handler` runs once in each new process, before its first call, and returns the
    handler (built over that process's own services). It crosses to the process by pickling:
    a module-level function, or a `functools.partial` of one. Not thread-safe: give each
    worker thread its own.
    """

    def __init__(self, make_handler: Callable[[], Handler], timeout: float, *, name: str = "timebox") -> None:
        self.make_handler = make_handler
        self.timeout = timeout
        self.name = name
        self._child: BaseProcess | None = None
        self._conn: Connection | None = None
        #: `stop` comes from the calling thread (a timeout) and from serve's shutdown at once;
        #: two closes of one pipe would close a descriptor number already reused elsewhere.
        self._stopping = threading.Lock()

    def start(self) -> None:
        """Start the process now, so its imports are done before the first call needs it."""
        if self._child is not None and self._child.is_alive():
            return
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve, args=(self.make_handler, self.name, child), name=self.name, daemon=True
        )
        process.start()
        child.close()
        self._child, self._conn = process, parent

    def __call__(self, event: dict[str, Any], context: object) -> Any:
        self.start()
        conn = self._conn
        assert conn is not None
        try:
            conn.send(event)
            answered = conn.poll(self.timeout)
            ok, value = conn.recv() if answered else (False, None)
        except (EOFError, OSError) as exc:
            # OSError covers a broken or reset pipe, and one `stop` closed from another thread.
            self.stop()
            raise HandlerFailed(f"{self.name}: its process ended during the call") from exc
        if not answered:
            self.stop()
            raise HandlerTimeout(f"{self.name} ran past {self.timeout:g} s and was stopped")
        if not ok:
            raise HandlerFailed(value)
        return value

    def stop(self) -> None:
        """Kill the process (a handler cannot be interrupted more gently) and forget it."""
        with self._stopping:
            child, conn = self._child, self._conn
            self._child, self._conn = None, None
        if child is not None:
            child.kill()
            child.join(timeout=10)
        if conn is not None:
            conn.close()
