"""`calsnack serve`: builds the embedded services, hands them to the Lambda handlers' factories, and runs
until a signal."""

from __future__ import annotations

import signal
import sys
import threading
from functools import partial
from types import FrameType

from calsnack.serve import console
from calsnack.serve.http import Authorizer, make_server
from calsnack.serve.options import ServeOptions, inbound_handler, process_services
from calsnack.serve.processes import start_helpers
from calsnack.serve.smtp import INBOUND_QUEUE, InboundController, InboundHandler
from calsnack.serve.timebox import TimeBoxed
from calsnack.serve.workers import EventSource, Worker, batch_sources


class Runtime:
    def __init__(self, options: ServeOptions) -> None:
        console.configure(options.log_format)
        self.options = options
        self.stop = threading.Event()
        self.services = process_services(options)
        self.settings = self.services.settings
        self.queue = self.services.queue
        from calsnack.api.management import MANAGEMENT_PREFIXES
        from lambdas.api.handler import make_handler as api
        from lambdas.authorizer.handler import make_handler as authorizer

        self.inbound = [
            TimeBoxed(
                partial(inbound_handler, options), options.inbound_timeout, name=f"calsnack-inbound-{n}"
            )
            for n in range(options.inbound_slots)
        ]
        sources = [
            *(
                EventSource(
                    "inbound-mail", INBOUND_QUEUE, box, 1, 2 * options.inbound_timeout, raw_events=True
                )
                for box in self.inbound
            ),
            *batch_sources(self.services),
        ]
        self.workers = [Worker(self.queue, s, self.stop) for s in sources]
        handler = InboundHandler(
            domain=self.settings.domain,
            authserv_id=options.authserv_id,
            local_auth=options.local_auth,
            blobs=self.services.blobs,
            queue=self.queue,
        )
        self.smtp = InboundController(handler, hostname=options.host, port=options.smtp_port)
        self.http = make_server(
            options.host,
            options.http_port,
            api(self.services),
            authorizer=Authorizer(authorizer(self.services), MANAGEMENT_PREFIXES),
        )

    def start(self) -> None:
        self.queue.recover()
        for box in self.inbound:
            box.start()
        for w in self.workers:
            w.start()
        self.helpers, self.helpers_stop = start_helpers(self.options, max(0, self.options.workers - 1))
        self.smtp.start()
        threading.Thread(target=self.http.serve_forever, name="http", daemon=True).start()

    def shutdown(self) -> None:
        """Stop taking mail and requests first, then let workers finish what they hold."""
        self.smtp.stop()
        self.http.shutdown()
        self.stop.set()
        self.helpers_stop.set()
        for w in self.workers:
            w.wake.set()
            w.join(timeout=20)
        for p in self.helpers:
            p.join(timeout=30)
        for box in self.inbound:
            box.stop()

    def run_forever(self) -> None:
        def on_signal(signum: int, frame: FrameType | None) -> None:
            self.stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.start()
        o, s = self.options, self.settings
        print(f"calsnack serve: mail for *@{s.domain} on smtp://{o.host}:{o.smtp_port}", flush=True)
        print(f"calsnack serve: HTTP on http://{o.host}:{o.http_port} (links under {s.base_url})", flush=True)
        print(
            f"calsnack serve: data in {o.data_dir.resolve()}, outbox {o.data_dir.resolve() / 'outbox'}",
            flush=True,
        )
        self.stop.wait()
        print("calsnack serve: stopping", file=sys.stderr, flush=True)
        self.shutdown()
