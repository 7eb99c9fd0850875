"""The embedded stack, measured from outside: invitation → snack latency, CSV batches → invitations
per second, and the memory of every serve process.

Each shape starts its own `calsnack serve` on free loopback ports with a fresh data
directory, talks SMTP to it and watches its Maildir outbox (through inotify), as a user
would. Shapes:

- snack: invitation → snack, one at a time, on an idle server;
- reminders: CREATE rows, one event and one attendee each, with a place and a three-line
  note, America/Denver (the reminder market's shape), 5k and 20k rows;
- webinar: one event, INVITE rows of 100 attendees, 20k attendees;
- large: 200k reminder rows, with an invitation mailed to snack@ every second while the
  batch sends, and the peak RSS of serve and all its worker processes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from bench.outbox_watch import OutboxWatch
from tests.e2e.stack import free_port
from tests.mailfactory import batch_mail, invitation

DOMAIN = "snack.test"
ORGANIZER = "olga@example.test"
#: Snacks go to an organizer of their own, so a snack is told from the batch's mail by its first line.
SNACKER = "sam@example.test"
HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,location,description,attendees"
PLACE = '"Branch 12, 100 Main Street, Springfield"'
NOTE = (
    '"Your car is due for its oil change.\nBring the car and its service book; it takes about half an hour.\n'
    'To move the appointment, answer No and we will call you, or call 555-0100."'
)


def _tree(root: int) -> list[int]:
    """`root` and every process descended from it (the worker processes and multiprocessing's helpers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _cpu_s(pids: list[int]) -> float:
    """User plus system CPU seconds these processes used so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Served:
    """One `calsnack serve` on a fresh data directory, its outbox watched, its memory sampled."""

    def __init__(self, root: Path, extra: tuple[str, ...] = ()) -> None:
        self.data = root / "data"
        self.smtp_port, self.http_port = free_port(), free_port()
        cli = Path(sys.executable).with_name("calsnack")
        self.log = (root / "serve.log").open("wb")
        self.proc = subprocess.Popen(
            [str(cli), "serve", "--data-dir", str(self.data), "--smtp-port", str(self.smtp_port),
             "--http-port", str(self.http_port), "--domain", DOMAIN, *extra],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("serve did not start")
        self.watch = OutboxWatch(self.data / "outbox" / "new")
        self.watch.start()
        self.peak_rss_kib = 0
        self._sampling = threading.Event()
        self._sampler = threading.Thread(target=self._sample, name="rss", daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._sampling.wait(0.25):
            total = sum(_rss_kib(pid) for pid in _tree(self.proc.pid))
            self.peak_rss_kib = max(self.peak_rss_kib, total)

    def cpu_s(self) -> float:
        return _cpu_s(_tree(self.proc.pid))

    def send(self, sender: str, rcpt: str, message: EmailMessage) -> None:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=60) as s:
            s.sendmail(sender, [rcpt], message.as_bytes())

    def queue_file(self, csv_text: str) -> None:
        path = self.data.parent / "batch.csv"
        path.write_text(csv_text, encoding="utf-8")
        cli = Path(sys.executable).with_name("calsnack")
        subprocess.run(
            [str(cli), "batch", "send", str(path), "--sender", ORGANIZER, "--data-dir", str(self.data),
             "--domain", DOMAIN],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def snack(self) -> float:
        """Seconds from the start of the SMTP transaction to the snack in the outbox."""
        arrived = self.watch.expect(f"Delivered-To: {SNACKER}".encode())
        started = time.perf_counter()
        self.send(SNACKER, f"snack@{DOMAIN}", invitation(f"{uuid.uuid4()}@bench", SNACKER, domain=DOMAIN))
        if not arrived.wait(60):
            raise RuntimeError("no snack within 60 s")
        return float(arrived.arrived) - started  # type: ignore[attr-defined]

    def stop(self) -> None:
        self._sampling.set()
        self._sampler.join()
        self.watch.close()
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.log.close()


def _percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "count": len(samples),
        "p50_s": round(statistics.median(samples), 4),
        "p95_s": round(samples[int(0.95 * (len(samples) - 1))], 4),
        "max_s": round(samples[-1], 4),
    }


def _day() -> str:
    return (datetime.now(UTC) + timedelta(days=30)).date().isoformat()


def reminder_csv(rows: int) -> str:
    run, day = uuid.uuid4().hex[:6], _day()
    lines = [HEADER] + [
        f"CREATE,r{run}-{i},{ORGANIZER},{day},09:00,09:30,America/Denver,Oil change reminder,{PLACE},{NOTE},"
        f"c{i}@client.test"
        for i in range(rows)
    ]
    return "\n".join(lines) + "\n"


def webinar_csv(attendees: int) -> str:
    event = f"webinar-{uuid.uuid4().hex[:6]}"
    people = [f"p{i}@client.test" for i in range(attendees)]
    lines = [HEADER, f"CREATE,{event},{ORGANIZER},{_day()},16:00,17:00,America/Denver,Quarterly webinar,,,"]
    lines += [f"INVITE,{event},,,,,,,,,{';'.join(people[i : i + 100])}" for i in range(0, attendees, 100)]
    return "\n".join(lines) + "\n"


def batch(
    served: Served, csv_text: str, invitations: int, snack_every: float = 0.0, *, by_mail: bool = True
) -> dict[str, object]:
    """From the start of the SMTP transaction (or of `calsnack batch send`) until every invitation
    and the result mail are out.

    With `snack_every`, an invitation is mailed to snack@ that often while the batch runs.
    A file too large for mail (SES and serve take 40 MB) goes through `calsnack batch send`,
    in a process of its own, as an operator would queue it.
    """
    before = served.watch.count
    target = before + invitations + 1
    cpu = served.cpu_s()
    started = time.perf_counter()
    if by_mail:
        served.send(ORGANIZER, f"batch@{DOMAIN}", batch_mail(ORGANIZER, csv_text, domain=DOMAIN))
    else:
        served.queue_file(csv_text)
    deadline = started + max(120.0, invitations / 50)
    snacks: list[float] = []
    next_snack = time.perf_counter() + snack_every
    while served.watch.count < target and time.perf_counter() < deadline:
        if snack_every and time.perf_counter() >= next_snack:
            snacks.append(served.snack())
            # Snacks are in the outbox too.
            target += 1
            next_snack = time.perf_counter() + snack_every
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    cpu = served.cpu_s() - cpu
    done = served.watch.count - before - 1 - len(snacks)
    result: dict[str, object] = {
        "invitations": done,
        "seconds": round(elapsed, 2),
        "invitations_per_s": round(done / elapsed, 1),
        # On a machine shared with other work, CPU time stretches less than wall time.
        "cpu_s": round(cpu, 2),
        "invitations_per_cpu_s": round(done / cpu, 1) if cpu else 0.0,
    }
    if snack_every:
        result["snack_during_batch"] = _percentiles(snacks) if snacks else {"count": 0}
    return result


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def shape(root: Path, extra: tuple[str, ...], run: object) -> dict[str, object]:
    """One shape on its own server and fresh data directory, with the load average before it.

    The directory is deleted only after every shape: deleting a run's files just before the
    next run creates as many makes ext4's inode allocation crawl (docs/performance.md).
    """
    root.mkdir()
    load = _load()
    served = Served(root, extra)
    try:
        result: dict[str, object] = run(served)  # type: ignore[operator]
    finally:
        served.stop()
    return {**result, "peak_rss_mb": round(served.peak_rss_kib / 1024, 1), "load_before": load}


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--snacks", type=int, default=40, help="invitations for the idle snack latency")
    parser.add_argument("--rows", type=int, nargs="*", default=[5_000, 20_000], help="reminder batch sizes")
    parser.add_argument("--webinar", type=int, default=20_000, help="webinar attendees (0: skip)")
    parser.add_argument("--large", type=int, default=200_000, help="rows of the large batch (0: skip)")
    parser.add_argument("--runs", type=int, default=1, help="repeat every shape; medians are reported")
    parser.add_argument("--workers", type=int, default=None, help="passed to `calsnack serve --workers`")
    args = parser.parse_args(argv or [])
    extra = ("--workers", str(args.workers)) if args.workers else ()
    shapes: list[tuple[str, object]] = []
    if args.snacks:
        shapes.append(("invite_to_snack", lambda s: _percentiles([s.snack() for _ in range(args.snacks)])))
    for rows in args.rows:
        shapes.append((f"reminders_{rows}", lambda s, n=rows: batch(s, reminder_csv(n), n)))
    if args.webinar:
        shapes.append(
            (f"webinar_{args.webinar}", lambda s: batch(s, webinar_csv(args.webinar), args.webinar))
        )
    if args.large:
        shapes.append(
            (
                f"reminders_{args.large}",
                lambda s: batch(s, reminder_csv(args.large), args.large, snack_every=1.0, by_mail=False),
            )
        )
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="calsnack-bench-") as tmp:
        for name, run in shapes:
            runs = []
            for n in range(1, args.runs + 1):
                runs.append(shape(Path(tmp) / f"{name}-{n}", extra, run))
                print(json.dumps({name: runs[-1], "run": n}), flush=True)
            results[name] = runs[0] if args.runs == 1 else {"runs": runs, "median": _median(runs)}
    print(json.dumps(results, indent=2))
    return results


def _median(runs: list[dict[str, object]]) -> dict[str, float]:
    keys = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    return {k: statistics.median(float(r[k]) for r in runs) for k in keys}  # type: ignore[arg-type]


if __name__ == "__main__":
    main(sys.argv[1:])
