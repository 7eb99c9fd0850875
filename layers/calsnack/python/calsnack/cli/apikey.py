"""`calsnack apikey create|list|revoke`: the management API keys of sending domains, on a data directory.

In AWS the same use cases run against DynamoDB; on one machine they write the SQLite
store a running `calsnack serve` reads, so a key works the moment it is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from calsnack.cli.data_dir import open_store
from calsnack.cli.errors import UserError
from calsnack.usecases.authorize_api_key import key_id
from calsnack.usecases.issue_api_key import InvalidDomain, issue_api_key, normalize_domain
from calsnack.usecases.revoke_api_key import UnknownKey, revoke_api_key

DEFAULT_DATA_DIR = Path(".calsnack")


def _domain(value: str) -> str:
    try:
        return normalize_domain(value)
    except InvalidDomain as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _create(args: argparse.Namespace) -> int:
    issued = issue_api_key(open_store(args.data_dir, create=True), args.domain, args.label, datetime.now(UTC))
    # The secret alone on stdout (easy to capture in a script); the explanation on stderr.
    print(issued.secret)
    print(
        f"calsnack: API key {issued.key_id} for {issued.key.domain} created. It is shown only this once;"
        " send it as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.",
        file=sys.stderr,
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    keys = open_store(args.data_dir, create=True).api_keys(args.domain)
    rows: list[dict[str, Any]] = [
        {
            "key_id": key_id(k.key_hash),
            "domain": k.domain,
            "label": k.label,
            "created_at": k.created_at.isoformat(),
            "revoked": k.revoked,
        }
        for k in keys
    ]
    if args.json:
        json.dump({"domain": args.domain, "keys": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for row in rows:
        state = "revoked" if row["revoked"] else "active"
        print(f"{row['key_id']}  {state:7}  {row['created_at']}  {row['label']}")
    if not rows:
        print(f"calsnack: no API keys for {args.domain}", file=sys.stderr)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    try:
        key = revoke_api_key(open_store(args.data_dir, create=True), args.domain, args.key_id)
    except UnknownKey as exc:
        raise UserError(str(exc)) from None
    print(f"calsnack: API key {key_id(key.key_hash)} of {key.domain} revoked", file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    """Add `apikey` to the `calsnack` command line (called from calsnack.cli.main)."""
    apikey = subparsers.add_parser("apikey", help="management API keys of sending domains")
    actions = apikey.add_subparsers(dest="apikey_command", required=True)

    create = actions.add_parser("create", help="issue a key for a domain and print it (once)")
    create.add_argument("--domain", required=True, type=_domain, help="the sending domain the key acts for")
    create.add_argument("--label", default="", help="a note to tell keys apart (who uses it, where)")
    create.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    create.set_defaults(func=_create)

    listing = actions.add_parser("list", help="a domain's keys (ids only; the secrets are not kept)")
    listing.add_argument("--domain", required=True, type=_domain)
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    listing.set_defaults(func=_list)

    revoke = actions.add_parser("revoke", help="revoke a key by its id (as `list` shows it)")
    revoke.add_argument("key_id")
    revoke.add_argument("--domain", required=True, type=_domain)
    revoke.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    revoke.set_defaults(func=_revoke)
