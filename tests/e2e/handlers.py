"""Stand-in Lambda handlers for the time-boxed worker tests (imported in the child process)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def sleep_then_mark_handler() -> Callable[[dict[str, Any], object], dict[str, Any]]:
    """`TimeBoxed` builds its handler in the child process: this one needs nothing to be built."""
    return sleep_then_mark


def sleep_then_mark(event: dict[str, Any], context: object) -> dict[str, Any]:
    time.sleep(float(event.get("sleep", 0)))
    if event.get("fail"):
        raise ValueError(event["fail"])
    if event.get("mark"):
        Path(event["mark"]).write_text("done")
    return {"slept": event.get("sleep", 0)}
