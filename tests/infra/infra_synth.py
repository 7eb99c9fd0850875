"""Synthesis for the infrastructure tests: the app as `python app.py` builds it, and template helpers."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# `infra` is not an installed package: import it from the checkout.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
# Node 20 is past its end of life for jsii; its banner on every synth is noise here.
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App, CfnElement  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from infra.assembly import build_app  # noqa: E402
from infra.layer import UNBUNDLED_LAYER_FLAG  # noqa: E402
from infra.stack import CalsnackStack  # noqa: E402

#: The template tests read the template and never run a function: no pip run per synthesis.
#: tests/infra/test_infra_layer.py builds the real layer's contents.
TEST_CONTEXT = {UNBUNDLED_LAYER_FLAG: "true"}

#: Lambda entry folders the stack deploys; `lambdas/<entry>/handler.py` provides `lambda_handler`.
ENTRIES = ("inbound_mail", "command_worker", "sender", "api", "feedback", "exporter", "authorizer")


@dataclass(frozen=True)
class Synthesized:
    app: App
    stack: CalsnackStack
    template: Template

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template.to_json()["Resources"]
        return resources

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def logical_id(self, construct: Any) -> str:
        """The logical id of an L1 resource, or of an L2 construct's default child."""
        resource = construct if isinstance(construct, CfnElement) else construct.node.default_child
        return self.stack.get_logical_id(resource)


def synthesize(outdir: Path, context: dict[str, Any] | None = None) -> Synthesized:
    missing = [entry for entry in ENTRIES if not (REPO_ROOT / "lambdas" / entry).is_dir()]
    if missing:
        pytest.fail(f"lambdas/ lacks the entry folders {missing}")
    # nag=False: the compliance tests run cdk-nag themselves, to report findings one by one.
    app, stack = build_app({**TEST_CONTEXT, **(context or {})}, outdir=str(outdir), nag=False)
    return Synthesized(app=app, stack=stack, template=Template.from_stack(stack))
