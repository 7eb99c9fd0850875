"""Fault injection on 10,000 invitations: what was lost, duplicated, retried and dead-lettered."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict
from pathlib import Path

from tests.faults import run


def main() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="calsnack-faults-") as tmp:
        report = run(Path(tmp), attendees=10_000)
    result = asdict(report) | {"duplicate_rate": round(report.duplicate_rate, 5)}
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
