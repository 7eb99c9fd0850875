"""`calsnack` sub-commands; each parses its options and calls one runtime or use case."""

from __future__ import annotations

import argparse
import errno
import json
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from calsnack.cli.errors import USER_ERROR, UserError, describe_os_error

DEFAULT_DATA_DIR = Path(".calsnack")


def _hostport(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT")
    return host, int(port)


def _serve(args: argparse.Namespace) -> int:
    from calsnack.serve.options import ServeOptions
    from calsnack.serve.runtime import Runtime

    if args.data_dir.exists() and not args.data_dir.is_dir():
        raise UserError(f"--data-dir {args.data_dir} is a file, not a data directory")
    options = ServeOptions(
        data_dir=args.data_dir,
        smtp_port=args.smtp_port,
        http_port=args.http_port,
        domain=args.domain,
        base_url=args.base_url or "",
        authserv_id=args.authserv_id,
        local_auth=args.local_auth,
        smarthost=args.smarthost,
        workers=args.workers,
        log_format=args.log_format,
    )
    try:
        runtime = Runtime(options)
        runtime.run_forever()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UserError(
                f"cannot listen on {options.host} port {args.http_port} (HTTP) or {args.smtp_port} (SMTP):"
                " another program uses it; choose others with --http-port and --smtp-port"
            ) from None
        raise
    return 0


def _report(args: argparse.Namespace) -> int:
    from calsnack.cli.data_dir import open_store
    from calsnack.usecases.build_report import report_domain, report_event, report_organizer

    store = open_store(args.data_dir)
    if args.event:
        report = report_event(store, args.event[0], args.event[1])
    elif args.organizer:
        report = report_organizer(store, args.organizer)
    else:
        report = report_domain(store, args.domain)
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for e in report["events"]:
            c = e["counts"]
            print(f"{e['organizer']}  {e['event_id']}  [{e['status']} #{e['sequence']}]  {e['summary']}")
            print(
                f"    invited {c['invited']}  yes {c['accepted']}  maybe {c['tentative']}  no {c['declined']}"
                f"  no answer {c['needs_action']}"
            )
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="calsnack", description="Calendar invitations at industrial scale.")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser(
        "serve",
        help="run the embedded stack (SMTP + HTTP + workers) in the foreground",
        description=(
            "Run the whole service on this machine, with no AWS account: an SMTP server that plays"
            " SES inbound, an HTTP server that plays API Gateway, and the queue workers. It runs in"
            " the foreground, prints one line for each thing it does, and stops cleanly on Ctrl-C"
            " or SIGTERM without losing accepted mail."
        ),
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        metavar="DIR",
        help="everything the stack keeps: database, stored mail, outbox (DIR/outbox/new); it survives"
        " a restart, and is created if missing (default: %(default)s)",
    )
    serve.add_argument(
        "--smtp-port",
        type=int,
        default=2525,
        metavar="N",
        help="SMTP server on 127.0.0.1, the stand-in for SES inbound (default: %(default)s)",
    )
    serve.add_argument(
        "--http-port",
        type=int,
        default=8080,
        metavar="N",
        help="HTTP server on 127.0.0.1 (pages, RSVP forms, the API, /healthz), the stand-in for"
        " API Gateway (default: %(default)s)",
    )
    serve.add_argument(
        "--domain",
        default="snack.localhost",
        help="the mail domain the service receives for: snack@, batch@ and the rest (default: %(default)s)",
    )
    serve.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="prefix of every link the service puts in a mail or page (default: http://127.0.0.1:<http-port>)",
    )
    serve.add_argument(
        "--authserv-id",
        default="calsnack.local",
        help="the authserv-id of the Authentication-Results header the service trusts (default: %(default)s)",
    )
    serve.add_argument(
        "--local-auth",
        choices=("pass", "fail"),
        default="pass",
        help="the verdict the SMTP server gives mail from 127.0.0.1 (default: %(default)s)",
    )
    serve.add_argument(
        "--smarthost",
        type=_hostport,
        default=None,
        metavar="HOST:PORT",
        help="also relay every outgoing message to this SMTP server (default: none, the outbox only)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="processes running the command worker and the sender (default: the cores, %(default)s here)",
    )
    serve.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text: one readable line per thing done; json: Powertools' JSON logs and CloudWatch EMF"
        " metrics on stdout, as in Lambda (default: %(default)s)",
    )
    serve.set_defaults(func=_serve)

    report = sub.add_parser("report", help="events and their answer counts")
    report.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="as `serve --data-dir` (default: %(default)s)"
    )
    which = report.add_mutually_exclusive_group(required=True)
    which.add_argument("--event", nargs=2, metavar=("ORGANIZER", "EVENT_ID"))
    which.add_argument("--organizer", metavar="EMAIL")
    which.add_argument("--domain", metavar="DOMAIN")
    report.add_argument("--json", action="store_true", help="print the JSON document of CONTRACT §4")
    report.set_defaults(func=_report)

    from calsnack.cli import apikey, batch, dlq, export, link

    batch.register(sub)
    apikey.register(sub)
    export.register(sub)
    dlq.register(sub)
    link.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; a user mistake is one line on stderr and exit code 2, not a traceback."""
    # Before any module creates its Powertools logger: their names hang under the service's.
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "calsnack")
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except UserError as exc:
        return _fail(str(exc))
    except sqlite3.DatabaseError as exc:
        return _fail(
            f"the data directory {getattr(args, 'data_dir', '')} holds no usable calsnack database ({exc})"
        )
    except OSError as exc:
        return _fail(describe_os_error(exc))
    except KeyboardInterrupt:
        return 130
    return code


def _fail(message: str) -> int:
    print(f"calsnack: {message}", file=sys.stderr)
    return USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
