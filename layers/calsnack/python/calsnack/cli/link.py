"""`calsnack link (--event ORGANIZER EVENT_ID | --batch ID)`: an event's landing page, RSVP links
and dashboard link on the embedded stack, for organizers who never get a snack mail (CSV, API).

The links are signed with the data directory's own key (`link.key`, the one `calsnack serve`
uses), so they work on the running stack; the key is only read, never made here.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from calsnack.usecases.event_links import LINK_COLUMNS, EventLinks

#: The same defaults as `calsnack serve`.
DEFAULT_DATA_DIR = Path(".calsnack")
DEFAULT_BASE_URL = "http://127.0.0.1:8080"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `link` sub-command to the `calsnack` parser."""
    link = subparsers.add_parser(
        "link", help="an event's (or a batch's events') landing page, RSVP links and dashboard link"
    )
    link.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    which = link.add_mutually_exclusive_group(required=True)
    which.add_argument("--event", nargs=2, metavar=("ORGANIZER", "EVENT_ID"))
    which.add_argument("--batch", metavar="ID", help="every event the batch created or changed last")
    link.add_argument(
        "--base-url", default=DEFAULT_BASE_URL, help=f"as `serve --base-url` (default {DEFAULT_BASE_URL})"
    )
    link.add_argument("--json", action="store_true", help='print {"events": [{event_id, summary, ...}]}')
    link.set_defaults(func=run)


def _print(rows: list[EventLinks], as_json: bool) -> None:
    if as_json:
        json.dump({"events": [asdict(r) for r in rows]}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    for row in rows:
        print(f"{row.event_id}  {row.summary}")
        for column in LINK_COLUMNS[2:]:
            print(f"    {column:<13} {getattr(row, column)}")


def run(args: argparse.Namespace) -> int:
    from calsnack import bootstrap
    from calsnack.cli.data_dir import open_store, started
    from calsnack.domain.addresses import normalize_address
    from calsnack.domain.model import event_key
    from calsnack.ports import utc_now
    from calsnack.usecases.event_links import batch_events, event_links

    data_dir: Path = args.data_dir
    if not started(data_dir):
        print(
            f"calsnack: no data in {data_dir} (start `calsnack serve --data-dir {data_dir}` first)",
            file=sys.stderr,
        )
        return 1
    store = open_store(data_dir)
    settings = bootstrap.embedded_settings(data_dir, domain="", base_url=args.base_url, authserv_id="")
    if args.event:
        organizer, event_id = normalize_address(args.event[0]), args.event[1]
        event = store.get_event(event_key(organizer, event_id))
        if event is None:
            print(f"calsnack: {organizer} has no event {event_id!r}", file=sys.stderr)
            return 1
        events = [event]
    else:
        status = store.get_batch(args.batch, errors=False)
        if status is None:
            print(f"calsnack: no batch {args.batch!r}", file=sys.stderr)
            return 1
        events = batch_events(store, status)
    now = utc_now()
    _print([event_links(settings, e, now) for e in events], args.json)
    return 0
