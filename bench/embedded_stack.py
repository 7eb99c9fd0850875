"""The embedded stack, measured from outside: invitation → snack latency, and CSV batch → invitations per second.

Starts a real `calsnack serve` on free loopback ports with a fresh data directory, talks
SMTP to it and watches its Maildir outbox, exactly as a user would.
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
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from tests.e2e.stack import free_port
from tests.mailfactory import batch_mail, invitation

DOMAIN = "snack.test"
ORGANIZER = "olga@example.test"
HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,attendees"


class Served:
    def __init__(self, data: Path, extra: tuple[str, ...] = ()) -> None:
        self.data = data
        self.smtp_port, self.http_port = free_port(), free_port()
        cli = Path(sys.executable).with_name("calsnack")
        self.log = (data.parent / "serve.log").open("wb")
        self.proc = subprocess.Popen(
            [str(cli), "serve", "--data-dir", str(data), "--smtp-port", str(self.smtp_port),
             "--http-port", str(self.http_port), "--domain", DOMAIN, *extra],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        import urllib.request

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("serve did not start")

    def send(self, sender: str, rcpt: str, message: EmailMessage) -> None:
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=60) as s:
            s.sendmail(sender, [rcpt], message.as_bytes())

    def outbox_count(self) -> int:
        return len(os.listdir(self.data / "outbox" / "new"))

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=60)


def snack_latency(served: Served, count: int) -> dict[str, float]:
    """Seconds from the start of the SMTP transaction to the snack in the outbox, one at a time."""
    samples = []
    for _ in range(count):
        before = served.outbox_count()
        started = time.perf_counter()
        served.send(ORGANIZER, f"snack@{DOMAIN}", invitation(f"{uuid.uuid4()}@bench", domain=DOMAIN))
        while served.outbox_count() == before:
            time.sleep(0.002)
        samples.append(time.perf_counter() - started)
    samples.sort()
    return {
        "count": count,
        "p50_s": round(statistics.median(samples), 4),
        "p95_s": round(samples[int(0.95 * (len(samples) - 1))], 4),
        "max_s": round(samples[-1], 4),
    }


def batch_throughput(served: Served, rows: int) -> dict[str, float]:
    """A batch of `rows` CREATE rows, one attendee each (the reminder market's shape)."""
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    run = uuid.uuid4().hex[:6]
    lines = [HEADER] + [
        f"CREATE,r{run}-{i},{ORGANIZER},{day},09:00,09:30,America/Chicago,Oil change reminder,c{i}@client.test"
        for i in range(rows)
    ]
    before = served.outbox_count()
    started = time.perf_counter()
    served.send(ORGANIZER, f"batch@{DOMAIN}", batch_mail(ORGANIZER, "\n".join(lines) + "\n", domain=DOMAIN))
    # Every row's invitation plus the batch's result mail to the sender.
    target = before + rows + 1
    deadline = started + max(120.0, rows / 50)
    while served.outbox_count() < target and time.perf_counter() < deadline:
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    done = served.outbox_count() - before - 1
    return {
        "rows": rows,
        "invitations": done,
        "seconds": round(elapsed, 2),
        "invitations_per_s": round(done / elapsed, 1),
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--snacks", type=int, default=40)
    parser.add_argument("--rows", type=int, nargs="*", default=[5_000, 20_000])
    parser.add_argument("--workers", type=int, default=None, help="passed to `calsnack serve --workers`")
    args = parser.parse_args(argv or [])
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="calsnack-bench-") as tmp:
        extra = ("--workers", str(args.workers)) if args.workers else ()
        served = Served(Path(tmp) / "data", extra)
        try:
            results["invite_to_snack"] = snack_latency(served, args.snacks)
            for rows in args.rows:
                results[f"batch_{rows}"] = batch_throughput(served, rows)
        finally:
            served.stop()
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
