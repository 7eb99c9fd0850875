"""`calsnack batch send` and `batch status --watch`: rows read, queued, applied, invitations sent,
with rate and ETA; plain lines off a terminal, a live rich display on one."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from calsnack import bootstrap
from calsnack.cli.batch import follow
from calsnack.cli.main import main
from calsnack.cli.progress import PlainDisplay, RichDisplay
from calsnack.config import Settings
from calsnack.domain.model import BatchStatus, RowError
from calsnack.serve.options import quiet_powertools
from calsnack.serve.workers import Worker, batch_sources
from rich.console import Console

HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,attendees"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def status(**counts: int) -> BatchStatus:
    return BatchStatus(batch_id="b1", sender="ops@example.com", domain="example.com", parsed=True, **counts)


def test_plain_lines_say_each_phase_with_rate_and_eta() -> None:
    out, clock = io.StringIO(), Clock()
    display = PlainDisplay(out, "b1", every=5.0, clock=clock)
    display.reading(500, 1000, 40)
    clock.now = 1.0
    display.reading(700, 1000, 60)  # within 5 s: no line
    display.reading(1000, 1000, 80)  # the end of the file always says so
    display.queued(status(rows_total=100, rows_refused=1))
    clock.now = 10.0
    display.update(status(rows_total=100, rows_applied=20, rows_refused=1, invitations_queued=20))
    clock.now = 20.0
    display.update(status(rows_total=100, rows_applied=60, rows_refused=1, invitations_queued=60))
    clock.now = 30.0
    display.update(
        status(rows_total=100, rows_applied=99, rows_refused=1, invitations_queued=99, invitations_sent=9)
    )
    clock.now = 40.0
    display.update(
        status(rows_total=100, rows_applied=99, rows_refused=1, invitations_queued=99, invitations_sent=59)
    )
    display.waiting(6.0)
    display.update(
        status(rows_total=100, rows_applied=99, rows_refused=1, invitations_queued=99, invitations_sent=99)
    )
    assert out.getvalue().splitlines() == [
        "batch b1: reading the file: 50% (40 lines)",
        "batch b1: reading the file: 100% (80 lines)",
        "batch b1: 100 rows read, 99 rows queued, 1 refused while reading",
        "batch b1: 21/100 rows applied or refused (0 rows/s, ETA unknown); 0 invitations sent",
        "batch b1: 61/100 rows applied or refused (4 rows/s, ETA 0:00:10); 0 invitations sent",
        "batch b1: 9/99 invitations sent (0/s, ETA unknown), 0 failed",
        "batch b1: 59/99 invitations sent (5/s, ETA 0:00:08), 0 failed",
        "batch b1: nothing moved for 6 s: a `calsnack serve` on this data directory applies the rows",
        "batch b1: done: 99 rows applied, 1 refused; 99 invitations sent, 0 failed",
    ]


def test_rows_refused_while_reading_are_named() -> None:
    out = io.StringIO()
    refused = status(rows_total=3, rows_refused=1)
    refused.errors = [RowError(3, "date", '"2031-13-40" is not a valid date')]
    PlainDisplay(out, "b1").queued(refused)
    assert (
        out.getvalue().splitlines()[1] == 'batch b1: row 3 refused (date): "2031-13-40" is not a valid date'
    )


def test_on_a_terminal_the_display_is_live_bars() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=160, color_system=None)
    display = RichDisplay(console, "b1")
    display.reading(1_000_000, 2_000_000, 5000)
    display.queued(status(rows_total=20000))
    display.update(
        status(rows_total=20000, rows_applied=12000, invitations_queued=12000, invitations_sent=3000)
    )
    display.close()
    text = screen.getvalue()
    assert console.is_terminal
    assert "\x1b[" in text, "a live display redraws with control sequences"
    assert "batch b1: 20,000 rows read, 20,000 rows queued" in text
    for shown in ("reading the file", "rows applied", "12000/20000", "invitations sent", "3000/12000"):
        assert shown in text, shown


class FakeStore:
    """A batch that moves on each poll, as a `calsnack serve` would move it."""

    def __init__(self, steps: list[BatchStatus]) -> None:
        self.steps = steps

    def get_batch(self, batch_id: str, *, errors: bool = True) -> BatchStatus | None:
        return self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]


def test_follow_polls_until_the_invitations_are_sent_and_says_when_nothing_moves() -> None:
    clock = Clock()
    stuck = status(rows_total=10, rows_applied=5, invitations_queued=5)
    steps = [stuck] * 14 + [
        status(rows_total=10, rows_applied=10, invitations_queued=10, invitations_sent=10)
    ]
    out = io.StringIO()

    def sleep(seconds: float) -> None:
        clock.now += seconds

    final = follow(FakeStore(steps), "b1", PlainDisplay(out, "b1", clock=clock), sleep=sleep, clock=clock)  # type: ignore[arg-type]
    assert final.invitations_sent == 10
    lines = out.getvalue().splitlines()
    assert sum("nothing moved" in line for line in lines) == 1
    assert lines[-1] == "batch b1: done: 10 rows applied, 0 refused; 10 invitations sent, 0 failed"


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[Path]:
    """A data directory with the command worker and the sender at work on it, as under `serve`."""
    # Before the handlers' import: their Metrics read the namespace then, for the whole session.
    quiet_powertools()
    data = tmp_path / "data"
    settings = Settings(
        "snack.localhost", "http://127.0.0.1:8080", "calsnack.local", bootstrap.link_key(data)
    )
    services = bootstrap.embedded(data, settings)
    stop = threading.Event()
    workers = [Worker(services.queue, s, stop) for s in batch_sources(services)]
    for w in workers:
        w.idle_poll = 0.05
        w.start()
    yield data
    stop.set()
    for w in workers:
        w.wake.set()
        w.join(timeout=10)


def test_batch_send_follows_the_rows_through_the_sending(serving: Path, tmp_path: Path, capsys) -> None:
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    rows = [HEADER] + [
        f"CREATE,ev{n},olga@example.com,{day},10:00,11:00,Europe/Berlin,Webinar {n},a{n}@example.org"
        for n in range(30)
    ]
    source = tmp_path / "rows.csv"
    source.write_text("\n".join(rows) + "\n")
    assert (
        main(["batch", "send", str(source), "--sender", "ops@example.com", "--data-dir", str(serving)]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    batch_id = lines[0].split()[1].rstrip(":")
    assert f"batch {batch_id}: 30 rows read, 30 rows queued" in lines
    assert lines[-1] == f"batch {batch_id}: done: 30 rows applied, 0 refused; 30 invitations sent, 0 failed"
    assert len(list((serving / "outbox" / "new").iterdir())) == 31  # 30 invitations and the result mail

    assert main(["batch", "status", batch_id, "--watch", "--data-dir", str(serving)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("30 invitations sent, 0 failed")
