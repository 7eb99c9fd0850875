"""User mistakes on the command line: one line on stderr and exit code 2, never a traceback.

A sub-command raises `UserError` for what the person typing can fix (a path, an address,
a file that is no CSV); `calsnack.cli.main` prints it. Exit code 2 is argparse's own for a
bad command line, so scripts see one code for "you asked for something that cannot be done".
"""

from __future__ import annotations

from pathlib import Path

#: The exit code of every user mistake (argparse's for a malformed command line).
USER_ERROR = 2


class UserError(Exception):
    """Something the user can fix; str() is the whole message, without the "calsnack:" prefix."""


def existing_data_dir(path: Path) -> Path:
    """The data directory of an earlier `calsnack serve`: only `serve` creates one.

    A mistyped `--data-dir` must not quietly become a second, empty data directory that a
    running `serve` never reads.
    """
    if path.is_dir():
        return path
    if path.exists():
        raise UserError(f"{path} is a file, not a calsnack data directory")
    raise UserError(f"no calsnack data directory at {path} (`calsnack serve --data-dir {path}` creates it)")


def describe_os_error(exc: OSError) -> str:
    """An operating-system refusal (permissions, a full disk, a port in use) as one line."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return reason
