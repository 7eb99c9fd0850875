"""Stand-in Lambda handlers for the time-boxed worker tests (imported in the child process)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


def sleep_then_mark(event: dict[str, Any], context: object) -> dict[str, Any]:
    time.sleep(float(event.get("sleep", 0)))
    if event.get("fail"):
        raise ValueError(event["fail"])
    if event.get("mark"):
        Path(event["mark"]).write_text("done")
    return {"slept": event.get("sleep", 0)}
