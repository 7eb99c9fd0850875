#!/usr/bin/env python3
"""CDK entry point: `cdk synth` / `cdk deploy -c domain=...`, or `python app.py` (synthesizes to cdk.out)."""

import os

from infra.assembly import build_app
from infra.functions import REPO_ROOT


def main() -> None:
    # The CDK CLI names the output directory itself; a bare `python app.py` writes to ./cdk.out.
    outdir = os.environ.get("CDK_OUTDIR") or str(REPO_ROOT / "cdk.out")
    app, _stack = build_app(outdir=outdir)
    app.synth()


if __name__ == "__main__":
    main()
