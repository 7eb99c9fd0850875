"""Schemathesis against the embedded server's own /openapi.json: no generated request gets a 5xx.

The run is bounded (few examples per operation, no stateful phase) to keep the suite fast;
fixed parameters (a real dashboard link, a live API key) let it past the front door.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from calsnack.adapters.embedded.store import SqliteStore
from calsnack.ical.derived import derived_calendar
from calsnack.usecases.issue_api_key import issue_api_key

from tests.e2e.stack import Page, Stack
from tests.mailfactory import DOMAIN, invitation

ORGANIZER = "olga@example.test"
EXAMPLES = 8

pytestmark = pytest.mark.slow


def test_no_generated_request_gets_a_server_error(stack: Stack, tmp_path: Path) -> None:
    stack.send(ORGANIZER, [f"snack@{DOMAIN}"], invitation(f"{uuid.uuid4()}@google.com", organizer=ORGANIZER))
    snack = stack.wait_for(ORGANIZER)[0].get_body(("html",)).get_content()
    dashboard = parse_qs(urlsplit(Page(snack).link("Your dashboard")).query)
    landing = urlsplit(Page(snack).link("Open the public landing page"))
    event_key = landing.path.rsplit("/", 1)[-1]
    key = issue_api_key(
        SqliteStore(stack.data / "calsnack.db", derived_calendar=derived_calendar),
        "example.test",
        "fuzz",
        datetime.now(UTC),
    ).secret

    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f"""
[[operations]]
include-path-regex = "^/dashboard"
parameters = {{ "query.o" = {json.dumps(dashboard["o"][0])}, "query.x" = "{dashboard["x"][0]}", "query.t" = "{dashboard["t"][0]}", "path.event_key" = "{event_key}" }}

[[operations]]
include-path-regex = "^/static/"
parameters = {{ "path.name" = "app.css" }}

[[operations]]
include-path-regex = "^/e/"
parameters = {{ "query.t" = "{parse_qs(landing.query)["t"][0]}", "path.event_key" = "{event_key}" }}
"""
    )
    cli = Path(sys.executable).with_name("schemathesis")
    run = subprocess.run(
        [
            str(cli),
            "--config-file",
            str(config),
            "run",
            f"{stack.base}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--phases",
            "coverage,fuzzing",
            "--max-examples",
            str(EXAMPLES),
            # One worker: Hypothesis inspects filter lambdas with `ast`, which CPython 3.11 does not
            # guard across threads ("AST constructor recursion depth mismatch").
            "--workers",
            "1",
            "--seed",
            "20270601",
            "--header",
            f"Authorization: Bearer {key}",
            "--request-timeout",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    assert "passed" in summary and "Server error" not in summary, summary
