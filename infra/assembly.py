"""Builds the CDK app: context from cdk.json (plus overrides), the stack, and the cdk-nag checks.

`app.py` and the infrastructure tests both go through `build_app`, so the template the tests see
is the one `cdk synth` and `python app.py` produce.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.functions import REPO_ROOT
from infra.options import StackOptions
from infra.stack import CalsnackStack

CDK_JSON = REPO_ROOT / "cdk.json"


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The `context` of cdk.json: feature flags and calsnack's defaults.

    The CDK CLI passes it in itself; a bare `python app.py` would not, so it is read here (values
    the CLI passes, `-c` included, still win over it).
    """
    document = json.loads(path.read_text(encoding="utf-8"))
    context = document.get("context", {})
    if not isinstance(context, dict):
        raise ValueError(f"{path}: context must be an object")
    return context


def build_stack(app: App) -> CalsnackStack:
    options = StackOptions.from_context(app.node)
    return CalsnackStack(
        app,
        options.stack_name,
        description="calsnack: calendar invitations at scale (SES, SQS, Lambda, DynamoDB)",
        domain=options.domain,
        ses_max_send_rate=options.ses_max_send_rate,
        sender_concurrency=options.sender_concurrency,
        ses_sandbox=options.ses_sandbox,
        raw_mail_retention_days=options.raw_mail_retention_days,
        batch_file_retention_days=options.batch_file_retention_days,
        table_name=options.table_name,
        table_stream_arn=options.table_stream_arn,
        link_key_secret_arn=options.link_key_secret_arn,
        glue_database=options.glue_database,
        athena_workgroup=options.athena_workgroup,
        unbundled_layer=options.unbundled_layer,
        alarm_email=options.alarm_email,
        quicksight=options.quicksight,
        quicksight_principal_arn=options.quicksight_principal_arn,
        base_url=options.base_url,
        log_level=options.log_level,
    )


def build_app(
    context: Mapping[str, Any] | None = None,
    *,
    outdir: str | None = None,
    nag: bool = True,
) -> tuple[App, CalsnackStack]:
    """The app and its one stack; with `nag`, synthesis fails on any unacknowledged finding."""
    app = App(context={**cdk_json_context(), **(context or {})}, outdir=outdir)
    stack = build_stack(app)
    if nag:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app, stack
