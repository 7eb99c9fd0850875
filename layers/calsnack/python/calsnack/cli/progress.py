"""How `calsnack batch send` and `batch status --watch` show a batch going through: rows read,
rows queued, rows applied, invitations sent, with rate and ETA.

On a terminal the display is a live `rich` progress; anywhere else (a pipe, a CI log) it is
plain lines, one when the batch changes phase and one every few seconds while it works, so
a log shows the same facts without control characters.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from calsnack.domain.model import BatchStatus


def batch_done(status: BatchStatus) -> bool:
    """Every row applied or refused, and every invitation those rows queued sent or failed."""
    return (
        status.complete and status.invitations_sent + status.invitations_failed >= status.invitations_queued
    )


def rows_queued(status: BatchStatus) -> int:
    """Rows the splitter handed to the command queue: the file's rows minus those refused so far."""
    return max(status.rows_total - status.rows_refused, 0)


#: Refused rows named right after reading; the rest are in `batch status` and the result mail.
SHOWN_REFUSALS = 5


def refusals(status: BatchStatus) -> list[str]:
    """The refused rows the status carries (the first few), each with its row, column and reason."""
    shown = sorted(status.errors, key=lambda e: e.row)[:SHOWN_REFUSALS]
    lines = [f"row {e.row} refused" + (f" ({e.column})" if e.column else "") + f": {e.reason}" for e in shown]
    if shown and status.rows_refused > len(shown):
        lines.append(
            f"… and {status.rows_refused - len(shown):,} more (`calsnack batch status {status.batch_id}`)"
        )
    return lines


class Display(Protocol):
    """One batch's progress, fed by the command as it reads the file and then polls the store."""

    def reading(self, done_bytes: int, total_bytes: int, lines: int) -> None: ...

    def queued(self, status: BatchStatus) -> None: ...

    def update(self, status: BatchStatus) -> None: ...

    def waiting(self, seconds: float) -> None:
        """Nothing moved for `seconds`: the batch waits for a `calsnack serve` to work on it."""
        ...

    def close(self) -> None: ...


@dataclass
class Rate:
    """Items a second since the first sample, and the time the rest would take at that pace."""

    clock: Callable[[], float] = time.monotonic
    _start: tuple[float, int] | None = None

    def sample(self, done: int, total: int) -> tuple[float, float | None]:
        now = self.clock()
        if self._start is None or done < self._start[1]:
            self._start = (now, done)
        started, first = self._start
        elapsed = now - started
        rate = (done - first) / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 and total >= done else None
        return rate, eta


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "ETA unknown"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"ETA {hours}:{minutes:02d}:{secs:02d}"


class PlainDisplay:
    """Lines for a log: each phase once, progress at most every `every` seconds."""

    def __init__(
        self, out: TextIO, batch_id: str, *, every: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.out, self.batch_id, self.every, self.clock = out, batch_id, every, clock
        self._last = float("-inf")
        self._rows = Rate(clock)
        self._sent = Rate(clock)
        self._said_waiting = False
        self._moved: tuple[int, ...] = ()

    def _line(self, text: str) -> None:
        self.out.write(f"batch {self.batch_id}: {text}\n")
        self.out.flush()

    def _due(self) -> bool:
        now = self.clock()
        if now - self._last < self.every:
            return False
        self._last = now
        return True

    def reading(self, done_bytes: int, total_bytes: int, lines: int) -> None:
        if self._due() or done_bytes >= total_bytes:
            share = done_bytes / total_bytes if total_bytes else 1.0
            self._line(f"reading the file: {share:.0%} ({lines:,} lines)")

    def queued(self, status: BatchStatus) -> None:
        refused = f", {status.rows_refused:,} refused while reading" if status.rows_refused else ""
        self._line(f"{status.rows_total:,} rows read, {rows_queued(status):,} rows queued{refused}")
        for line in refusals(status):
            self._line(line)
        self._last = self.clock()

    def update(self, status: BatchStatus) -> None:
        moved = (
            status.rows_done,
            status.invitations_sent,
            status.invitations_failed,
            status.invitations_queued,
        )
        if moved != self._moved:
            self._moved, self._said_waiting = moved, False
        if batch_done(status):
            self._line(
                f"done: {status.rows_applied:,} rows applied, {status.rows_refused:,} refused;"
                f" {status.invitations_sent:,} invitations sent, {status.invitations_failed:,} failed"
            )
            return
        if not self._due():
            return
        if not status.complete:
            rate, eta = self._rows.sample(status.rows_done, status.rows_total)
            self._line(
                f"{status.rows_done:,}/{status.rows_total:,} rows applied or refused"
                f" ({rate:,.0f} rows/s, {_eta(eta)}); {status.invitations_sent:,} invitations sent"
            )
        else:
            done = status.invitations_sent + status.invitations_failed
            rate, eta = self._sent.sample(done, status.invitations_queued)
            self._line(
                f"{status.invitations_sent:,}/{status.invitations_queued:,} invitations sent"
                f" ({rate:,.0f}/s, {_eta(eta)}), {status.invitations_failed:,} failed"
            )

    def waiting(self, seconds: float) -> None:
        if not self._said_waiting:
            self._said_waiting = True
            self._line(
                f"nothing moved for {seconds:.0f} s: a `calsnack serve` on this data directory applies the rows"
            )

    def close(self) -> None:
        return None


class _RateColumn(ProgressColumn):
    """Items a second, as rich measures them over its recent samples."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f}/s" if speed else "", style="progress.data.speed")


class RichDisplay:
    """A live display on a terminal: one bar each for reading, applying rows and sending."""

    def __init__(self, console: Console, batch_id: str) -> None:
        self.batch_id = batch_id
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[note]}"),
            console=console,
            transient=False,
        )
        self.progress.start()
        self._read: TaskID | None = None
        self._rows: TaskID | None = None
        self._sent: TaskID | None = None

    def reading(self, done_bytes: int, total_bytes: int, lines: int) -> None:
        if self._read is None:
            self._read = self.progress.add_task(
                "reading the file (kB)", total=max(total_bytes // 1000, 1), note=""
            )
        self.progress.update(self._read, completed=done_bytes // 1000, note=f"{lines:,} lines")

    def queued(self, status: BatchStatus) -> None:
        if self._read is not None:
            self.progress.update(self._read, completed=self.progress.tasks[self._read].total)
        refused = f"{status.rows_refused:,} refused while reading" if status.rows_refused else ""
        self.progress.console.print(
            f"batch {self.batch_id}: {status.rows_total:,} rows read, {rows_queued(status):,} rows queued",
            highlight=False,
        )
        for line in refusals(status):
            self.progress.console.print(f"batch {self.batch_id}: {line}", highlight=False, markup=False)
        self._rows = self.progress.add_task("rows applied", total=max(status.rows_total, 1), note=refused)
        self._sent = self.progress.add_task("invitations sent", total=None, note="")

    def update(self, status: BatchStatus) -> None:
        if self._rows is None or self._sent is None:
            self.queued(status)
        assert self._rows is not None and self._sent is not None
        self.progress.update(
            self._rows,
            total=max(status.rows_total, 1),
            completed=status.rows_done,
            note=f"{status.rows_refused:,} refused" if status.rows_refused else "",
        )
        self.progress.update(
            self._sent,
            total=status.invitations_queued or None,
            completed=status.invitations_sent + status.invitations_failed,
            note=f"{status.invitations_failed:,} failed" if status.invitations_failed else "",
        )

    def waiting(self, seconds: float) -> None:
        if self._rows is not None:
            self.progress.update(self._rows, note="waiting for `calsnack serve` on this data directory")

    def close(self) -> None:
        self.progress.stop()


def display_for(console: Console, out: TextIO, batch_id: str) -> Display:
    """A live display on a terminal, plain lines anywhere else."""
    if console.is_terminal:
        return RichDisplay(console, batch_id)
    return PlainDisplay(out, batch_id)


class QuietDisplay:
    """No display: `--json` prints only the final status, for scripts."""

    def reading(self, done_bytes: int, total_bytes: int, lines: int) -> None:
        return None

    def queued(self, status: BatchStatus) -> None:
        return None

    def update(self, status: BatchStatus) -> None:
        return None

    def waiting(self, seconds: float) -> None:
        return None

    def close(self) -> None:
        return None
