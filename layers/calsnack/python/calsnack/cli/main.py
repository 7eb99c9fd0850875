"""`calsnack` sub-commands; each parses its options and calls one runtime or use case."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

DEFAULT_DATA_DIR = Path(".calsnack")


def _hostport(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT")
    return host, int(port)


def _serve(args: argparse.Namespace) -> int:
    from calsnack.serve.runtime import Runtime, ServeOptions

    Runtime(
        ServeOptions(
            data_dir=args.data_dir,
            smtp_port=args.smtp_port,
            http_port=args.http_port,
            domain=args.domain,
            base_url=args.base_url or "",
            authserv_id=args.authserv_id,
            local_auth=args.local_auth,
            smarthost=args.smarthost,
            workers=args.workers,
        )
    ).run_forever()
    return 0


def _open_store(data_dir: Path):  # type: ignore[no-untyped-def]
    from calsnack.adapters.embedded.store import SqliteStore

    database = data_dir / "calsnack.db"
    if not database.exists():
        raise SystemExit(
            f"calsnack: no data in {data_dir} (start `calsnack serve --data-dir {data_dir}` first)"
        )
    return SqliteStore(database)


def _report(args: argparse.Namespace) -> int:
    from calsnack.usecases.build_report import report_domain, report_event, report_organizer

    store = _open_store(args.data_dir)
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

    serve = sub.add_parser("serve", help="run the embedded stack (SMTP + HTTP + workers) in the foreground")
    serve.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    serve.add_argument("--smtp-port", type=int, default=2525)
    serve.add_argument("--http-port", type=int, default=8080)
    serve.add_argument("--domain", default="snack.localhost")
    serve.add_argument("--base-url", default=None, help="default http://127.0.0.1:<http-port>")
    serve.add_argument("--authserv-id", default="calsnack.local")
    serve.add_argument("--local-auth", choices=("pass", "fail"), default="pass")
    serve.add_argument(
        "--smarthost", type=_hostport, default=None, help="also relay outgoing mail to HOST:PORT"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for the queue workers (default: cores)",
    )
    serve.set_defaults(func=_serve)

    report = sub.add_parser("report", help="events and their answer counts")
    report.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    which = report.add_mutually_exclusive_group(required=True)
    which.add_argument("--event", nargs=2, metavar=("ORGANIZER", "EVENT_ID"))
    which.add_argument("--organizer", metavar="EMAIL")
    which.add_argument("--domain", metavar="DOMAIN")
    report.add_argument("--json", action="store_true", help="print the JSON document of CONTRACT §4")
    report.set_defaults(func=_report)

    from calsnack.cli import apikey, batch, dlq, export

    batch.register(sub)
    apikey.register(sub)
    export.register(sub)
    dlq.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
