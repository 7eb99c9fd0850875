"""Benchmark of CSV batch ingest: rows/s and peak memory of `read_commands` for 10k to 1M rows.

Each size is read in a fresh child process, so its peak RSS (VmHWM) is its own and a flat
line across sizes shows the reader streams. Run: `.venv/bin/python -m bench.ingest_csv [ROWS ...]`.
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

SIZES = (10_000, 100_000, 1_000_000)
ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "command",
    "event_id",
    "organizer",
    "date",
    "start_time",
    "end_time",
    "timezone",
    "subject",
    "location",
    "meeting_url",
    "description",
    "attendees",
)
ZONES = ("America/Chicago", "Europe/Paris", "Asia/Tokyo", "UTC", "America/New_York", "Australia/Sydney")


def write_batch(path: Path, rows: int, seed: int = 7) -> None:
    """A realistic batch: mostly CREATE rows with 1–3 attendees, some UPDATE and INVITE rows."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADER)
        for n in range(rows):
            kind = rng.random()
            event_id = f"ev-{n // 2}"
            attendees = ";".join(
                f"person{rng.randrange(10**6)}@example.org" for _ in range(rng.randint(1, 3))
            )
            if kind < 0.8:
                hour = rng.randrange(7, 19)
                writer.writerow(
                    (
                        "CREATE",
                        event_id,
                        f"host{n % 50}@corp.example.com",
                        f"2031-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                        f"{hour:02d}:00",
                        f"{hour + 1:02d}:30",
                        rng.choice(ZONES),
                        f"Quarterly review #{n}",
                        "Room 4, Building B" if n % 3 else "",
                        "https://meet.google.com/abc-defg-hij" if n % 2 else "",
                        "Agenda:\n1. numbers\n2. plans" if n % 5 == 0 else "",
                        attendees,
                    )
                )
            elif kind < 0.9:
                writer.writerow(("UPDATE", event_id, "", "", "10:00", "11:00", "", "Moved", "", "", "", ""))
            else:
                writer.writerow(("INVITE", event_id, "", "", "", "", "", "", "", "", "", attendees))


def _vm(field: str) -> int:
    """A memory figure of this process from /proc, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _measure(path: Path) -> dict[str, float]:
    """Runs in the child: read the whole batch once and report time and memory."""
    from calsnack.csvcommands import read_commands
    from calsnack.domain.model import RowError

    before = _vm("VmHWM")
    rows = refused = 0
    with path.open("rb") as stream:
        started, cpu_started = time.perf_counter(), time.process_time()
        for result in read_commands(stream, batch_id="bench", sender_domain="corp.example.com"):
            rows += 1
            refused += isinstance(result, RowError)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "rows": rows,
        "refused": refused,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        # Per core: CPU time, so other work on a shared machine does not count against it.
        "rows_per_s": rows / cpu,
        "hwm_before_kib": before,
        "hwm_kib": _vm("VmHWM"),
    }


def main(sizes: Sequence[int] = SIZES) -> None:
    print(f"CSV ingest (read_commands), one core, Python {sys.version.split()[0]}")
    print(
        f"{'rows':>10} {'MB':>7} {'wall s':>7} {'CPU s':>7} {'rows/CPU s':>11} {'RSS before':>11} {'peak RSS':>9}"
    )
    with tempfile.TemporaryDirectory(prefix="calsnack-bench-") as tmp:
        for size in sizes:
            path = Path(tmp) / f"batch-{size}.csv"
            write_batch(path, size)
            child = subprocess.run(
                [sys.executable, "-m", "bench.ingest_csv", "--child", str(path)],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(child.stdout)
            assert result["rows"] == size, result
            print(
                f"{size:>10,} {path.stat().st_size / 1e6:>7.1f} {result['seconds']:>7.2f}"
                f" {result['cpu_seconds']:>7.2f} {result['rows_per_s']:>11,.0f}"
                f" {result['hwm_before_kib'] / 1024:>8.1f} MB {result['hwm_kib'] / 1024:>6.1f} MB"
            )
            path.unlink()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_measure(Path(sys.argv[2]))))
    else:
        main([int(arg) for arg in sys.argv[1:]] or SIZES)
