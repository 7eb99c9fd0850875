"""`calsnack serve`'s options, and what each of its processes builds from them first.

The main process (`serve.runtime`), the worker processes (`serve.processes`) and the
time-boxed inbound ones (`serve.timebox`) all start with `process_services`: one set-up,
written once, that none of them imports from another.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from calsnack import bootstrap
from calsnack.bootstrap import EmbeddedServices
from calsnack.serve import console
from calsnack.serve.tracing import trace_nothing
from calsnack.serve.workers import Handler


@dataclass(frozen=True)
class ServeOptions:
    data_dir: Path
    smtp_port: int = 2525
    http_port: int = 8080
    domain: str = "snack.localhost"
    base_url: str = ""
    authserv_id: str = "calsnack.local"
    local_auth: str = "pass"
    smarthost: tuple[str, int] | None = None
    host: str = "127.0.0.1"
    #: Processes running the command worker and the sender (this one included).
    workers: int = 2
    #: Inbound mails read at once, each in its own process killed past `inbound_timeout`
    #: (the inbound Lambda's timeout): a slow mail holds one of them, never the others.
    #: One sender's mails are still read one at a time, in order (see `serve.smtp`).
    inbound_slots: int = 2
    inbound_timeout: float = 60.0
    #: "text": one readable console line per thing done; "json": Powertools' JSON logs and metrics.
    log_format: str = "text"


def quiet_powertools() -> None:
    """Powertools writes JSON logs and EMF metrics to stdout; on one machine, only warnings matter."""
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "calsnack")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "calsnack")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    if os.environ["POWERTOOLS_TRACE_DISABLED"].strip().lower() == "true":
        trace_nothing()


def process_services(options: ServeOptions) -> EmbeddedServices:
    """What each serve process does first (this one, a worker process, a time-boxed inbound one):
    Powertools and the console set up before any handler module is imported, then the services
    over the data directory."""
    quiet_powertools()
    console.use_console_lines(options.log_format)
    settings = bootstrap.embedded_settings(
        options.data_dir,
        domain=options.domain,
        base_url=options.base_url or f"http://{options.host}:{options.http_port}",
        authserv_id=options.authserv_id,
    )
    return bootstrap.embedded(options.data_dir, settings, smarthost=options.smarthost)


def inbound_handler(options: ServeOptions) -> Handler:
    """The inbound mail handler of a time-boxed process, over that process's own services.

    The services come first: `process_services` quiets Powertools, and a handler module's
    `Tracer()` made before that loads the X-Ray SDK and botocore (about 25 MB a process)."""
    services = process_services(options)
    from lambdas.inbound_mail.handler import make_handler

    handler: Handler = make_handler(services)
    return handler
