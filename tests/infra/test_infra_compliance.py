"""The template against the rule books: cdk-nag (AwsSolutions), CDK's own annotations, cfn-lint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import cdk_nag
import pytest
from aws_cdk.assertions import Annotations, Match
from cfnlint.api import lint
from infra_synth import TEST_CONTEXT, Synthesized

import infra.nag
from infra.assembly import build_app

CFN_LINT_REGIONS = ["us-east-1"]


def nag_findings(scope: Any) -> list[str]:
    report = cdk_nag.AwsSolutionsChecks().validate_scope(scope)
    return [
        f"{violation.severity} {violation.rule_name} at {resource.construct_path}"
        for violation in report.violations
        for resource in violation.violating_resources
    ]


def test_cdk_nag_finds_nothing_unacknowledged(synthesized: Synthesized) -> None:
    assert nag_findings(synthesized.app) == []


def test_cdk_nag_finds_nothing_unacknowledged_with_quicksight(synthesized_quicksight: Synthesized) -> None:
    assert nag_findings(synthesized_quicksight.app) == []


@pytest.fixture(scope="module")
def acknowledgements() -> Iterator[tuple[list[tuple[str, str]], list[str]]]:
    """Builds the stack again with every acknowledgement recorded instead of applied."""
    recorded: list[tuple[str, str]] = []

    def record(scope: Any, rules: Any) -> None:
        recorded.extend((scope.node.path, rule_id) for rule_id in rules)
        REASONS.update(rules)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(infra.nag, "acknowledge", record)
        app, _stack = build_app(TEST_CONTEXT, nag=False)  # no synthesis: cdk-nag walks the construct tree
        yield recorded, nag_findings(app)


def test_every_acknowledgement_matches_a_finding(
    acknowledgements: tuple[list[tuple[str, str]], list[str]],
) -> None:
    recorded, findings = acknowledgements
    unused = [
        f"{rule_id} on {path}"
        for path, rule_id in recorded
        if not any(f" {rule_id} at {path}/" in finding for finding in findings)
    ]
    assert unused == []


#: Every acknowledgement's reason, by rule id, as the fixture above records them.
REASONS: dict[str, str] = {}


def test_every_acknowledgement_gives_a_reason_not_a_label(
    acknowledgements: tuple[list[tuple[str, str]], list[str]],
) -> None:
    """A reason says why the finding is acceptable here: a sentence or two, not a restatement."""
    assert REASONS
    for rule_id, reason in REASONS.items():
        assert len(reason.split()) >= 12, (rule_id, reason)
        assert reason.rstrip().endswith((".", ")")), (rule_id, reason)
        assert not reason.lower().startswith(("public by design", "the exporter's on-failure")), rule_id


def test_cdk_reports_no_errors_or_warnings(synthesized: Synthesized) -> None:
    annotations = Annotations.from_stack(synthesized.stack)
    assert annotations.find_error("*", Match.any_value()) == []
    assert annotations.find_warning("*", Match.any_value()) == []


def test_cfn_lint_finds_no_errors(synthesized: Synthesized, capsys: pytest.CaptureFixture[str]) -> None:
    matches = lint(json.dumps(synthesized.template.to_json()), regions=CFN_LINT_REGIONS)
    errors = [m for m in matches if m.rule.id.startswith("E")]
    warnings = sorted({f"{m.rule.id} {m.message}" for m in matches if not m.rule.id.startswith("E")})
    with capsys.disabled():
        for warning in warnings:
            print(f"\ncfn-lint: {warning}", end="")
    assert [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in errors] == []
    # Only CDK's own DependsOn on the role its function already references.
    assert {w.split()[0] for w in warnings} <= {"W3005"}
