"""The data directory a sub-command works on: checked as the user typed it (a mistake is a
`UserError`), then opened through `bootstrap`, which alone chooses the adapters.

Only `calsnack serve` creates a data directory; the other commands open what it made.
"""

from __future__ import annotations

from pathlib import Path

from calsnack import bootstrap
from calsnack.adapters.embedded.queue import SqliteQueue
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.cli.errors import UserError, existing_data_dir


def _not_started(data_dir: Path) -> UserError:
    return UserError(f"no data in {data_dir} yet (start `calsnack serve --data-dir {data_dir}` first)")


def open_store(data_dir: Path, *, create: bool = False) -> SqliteStore:
    """The store a `calsnack serve` on `data_dir` made; with `create`, made here if need be (an API
    key may come before the first start), but still only in an existing data directory."""
    folder = existing_data_dir(data_dir)
    if not create and not (folder / bootstrap.DATABASE).is_file():
        raise _not_started(data_dir)
    return bootstrap.embedded_store(folder)


def open_queue(data_dir: Path) -> SqliteQueue:
    folder = existing_data_dir(data_dir)
    if not (folder / bootstrap.QUEUE).is_file():
        raise UserError(f"no queue in {data_dir} yet (start `calsnack serve --data-dir {data_dir}` first)")
    return bootstrap.embedded_queue(folder)


def started(data_dir: Path) -> bool:
    """Whether a `calsnack serve` ran on `data_dir`: its store and its link key are there (a command
    that prints links signs them with that key, and must never make another)."""
    return (data_dir / bootstrap.DATABASE).is_file() and (data_dir / bootstrap.LINK_KEY).is_file()
