"""CPU per invitation in one process: a CSV batch split into command messages, then the command
worker's and the sender's queues drained through the real Lambda handlers, one stage after the other.

`bench.embedded_stack` measures serve from outside, where other work on the machine stretches
every wall-clock figure. Here each stage's CPU time (user + system, `time.process_time`) is the
stage's own, with no lock waits between processes and no polling, so two runs of two commits
compare even on a shared machine. `--profile FILE` writes a cProfile of the two drains.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import secrets
import tempfile
import threading
import time
from pathlib import Path

from bench.embedded_stack import DOMAIN, ORGANIZER, reminder_csv, webinar_csv


def run(csv_text: str, invitations: int, profile: Path | None = None) -> dict[str, object]:
    from calsnack.serve.options import quiet_powertools

    # Before the handlers are imported (batch_sources): Powertools reads the environment then.
    quiet_powertools()
    from calsnack import bootstrap
    from calsnack.serve.workers import Worker, batch_sources
    from calsnack.usecases.ingest_batch import BatchRequest, ingest_batch

    with tempfile.TemporaryDirectory() as root:
        data = Path(root) / "data"
        settings = bootstrap.embedded_settings(
            data, domain=DOMAIN, base_url="http://127.0.0.1:8080", authserv_id="calsnack.local"
        )
        services = bootstrap.embedded(data, settings)
        queue = services.queue
        batch_id = secrets.token_hex(12)
        services.blobs.put(f"batches/{batch_id}.csv", csv_text.encode())
        out: dict[str, object] = {"invitations": invitations}
        started = time.process_time()
        ingest_batch(
            services, BatchRequest(batch_id, ORGANIZER, message_id="", blob_key=f"batches/{batch_id}.csv")
        )
        out["split_cpu_s"] = round(time.process_time() - started, 3)
        profiler = cProfile.Profile() if profile else None
        total = 0.0
        for source in batch_sources(services):
            # Never started: its dispatch runs here, as the thread's loop would run it.
            worker = Worker(queue, source, threading.Event())
            started = time.process_time()
            # Powertools' metrics print their EMF record every hundred metrics, disabled or not.
            with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
                if profiler:
                    profiler.enable()
                while messages := queue.receive(source.queue, source.batch_size, source.visibility_timeout):
                    worker.dispatch(messages)
                if profiler:
                    profiler.disable()
            cpu = time.process_time() - started
            total += cpu
            out[f"{source.name}_cpu_s"] = round(cpu, 3)
            out[f"{source.name}_us_per_invitation"] = round(1e6 * cpu / invitations, 1)
        sent = len(os.listdir(data / "outbox" / "new")) - 1  # the batch reply
        if sent != invitations:
            raise RuntimeError(f"{sent} invitations in the outbox, {invitations} expected")
        out["us_per_invitation"] = round(1e6 * total / invitations, 1)
        if profiler and profile:
            profiler.dump_stats(profile)
        return out


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20_000, help="reminder rows (0: skip)")
    parser.add_argument("--webinar", type=int, default=20_000, help="webinar attendees (0: skip)")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile output (reminders only)")
    args = parser.parse_args(argv)
    results: dict[str, object] = {}
    if args.rows:
        results[f"reminders_{args.rows}"] = run(reminder_csv(args.rows), args.rows, args.profile)
    if args.webinar:
        results[f"webinar_{args.webinar}"] = run(webinar_csv(args.webinar), args.webinar)
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(main(), indent=2))
