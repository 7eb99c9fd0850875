"""The composition root: the only place that chooses adapters.

Lambda handlers call `services()`, which builds the AWS set from the function's
environment on first use; `calsnack serve` calls `install()` with the embedded set
before it feeds the very same handlers.
"""

from __future__ import annotations

from pathlib import Path

from calsnack.config import Settings
from calsnack.ports import Services

_installed: Services | None = None


def install(services: Services | None) -> None:
    global _installed
    _installed = services


def services() -> Services:
    global _installed
    if _installed is None:
        from calsnack.adapters.aws.environment import services_from_environment

        _installed = services_from_environment()
    return _installed


def embedded(data_dir: Path, settings: Settings, *, smarthost: tuple[str, int] | None = None) -> Services:
    """The one-machine set: SQLite store and queue, files for blobs, a Maildir outbox."""
    from calsnack.adapters.embedded.blobs import FileBlobStore
    from calsnack.adapters.embedded.mailer import MaildirMailer
    from calsnack.adapters.embedded.queue import SqliteQueue
    from calsnack.adapters.embedded.store import SqliteStore

    data_dir.mkdir(parents=True, exist_ok=True)
    return Services(
        settings=settings,
        store=SqliteStore(data_dir / "calsnack.db"),
        queue=SqliteQueue(data_dir / "queue.db"),
        blobs=FileBlobStore(data_dir / "blobs"),
        mailer=MaildirMailer(data_dir / "outbox", smarthost=smarthost),
    )
