"""Serve's processes trace nothing, and so do not load the X-Ray SDK (and a botocore session) each."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from aws_lambda_powertools import Tracer
from calsnack.serve.tracing import NoTracing

PROBE = """
import sys
from calsnack.serve.options import quiet_powertools
quiet_powertools()
import lambdas.command_worker.handler, lambdas.inbound_mail.handler, lambdas.sender.handler
print("aws_xray_sdk.core" in sys.modules)
"""

#: What a time-boxed inbound process runs first (`serve.timebox`): the handler's module must be
#: imported after `process_services` has quieted Powertools, not before.
INBOUND_PROBE = """
import sys, tempfile
from pathlib import Path
from calsnack.serve.options import ServeOptions, inbound_handler
inbound_handler(ServeOptions(data_dir=Path(tempfile.mkdtemp())))
print("aws_xray_sdk.core" in sys.modules)
"""


@pytest.mark.parametrize("probe", [PROBE, INBOUND_PROBE], ids=["handlers", "inbound process"])
def test_handlers_imported_after_quiet_powertools_leave_the_xray_sdk_unloaded(probe: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_a_traced_function_still_runs_and_raises_through_no_tracing():
    tracer = Tracer(provider=NoTracing(), disabled=True)

    @tracer.capture_lambda_handler
    def handler(event: dict[str, int], context: object) -> int:
        if event["n"] < 0:
            raise ValueError("negative")
        return event["n"] * 2

    assert handler({"n": 21}, None) == 42
    with pytest.raises(ValueError, match="negative"):
        handler({"n": -1}, None)
