"""`calsnack export [--data-dir DIR] --out OUT`: the embedded store as the analytics tables, laid
out as the AWS exporter lays them out in S3 (CONTRACT §5), for DuckDB or any Hive-style reader."""

from __future__ import annotations

import argparse
from pathlib import Path

from calsnack.analytics.files import SUFFIX
from calsnack.analytics.rows import TABLES
from calsnack.cli.errors import UserError

#: The same default as `calsnack serve` and `calsnack report`.
DEFAULT_DATA_DIR = Path(".calsnack")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `export` sub-command to the `calsnack` parser."""
    export = subparsers.add_parser(
        "export",
        help="write the analytics tables (events, invitations, answers) as DuckDB and Athena read them",
    )
    export.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    export.add_argument(
        "--out", type=Path, required=True, help="folder for <table>/dt=YYYY-MM-DD/part-NNNN.json.gz"
    )
    export.set_defaults(func=run)


def remove_previous_export(out: Path) -> None:
    """A snapshot replaces the last one written to the same folder: its files would count twice.

    Only table files in date partitions go, so a mistaken `--out` loses nothing else.
    """
    for table in TABLES:
        for path in (out / table).glob(f"dt=*/*{SUFFIX}"):
            path.unlink()
        for folder in (out / table).glob("dt=*"):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


def run(args: argparse.Namespace) -> int:
    from calsnack import bootstrap
    from calsnack.cli.data_dir import open_store
    from calsnack.ports import utc_now
    from calsnack.usecases.export_snapshot import export_snapshot

    out: Path = args.out
    store = open_store(args.data_dir)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; give a folder (it is created if missing)")
    remove_previous_export(out)
    # Every table gets its folder, rows or not: a reader finds the layout even before any answer.
    for table in TABLES:
        (out / table).mkdir(parents=True, exist_ok=True)
    summary = export_snapshot(store, bootstrap.folder_blobs(out), now=utc_now())
    counts = ", ".join(f"{summary.rows.get(table, 0)} {table}" for table in TABLES)
    print(f"calsnack: exported {counts} to {out} ({len(summary.files)} files)")
    return 0
