"""The Lambda layer is built by synthesis itself (pip for the functions' platform), or refused."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from infra_synth import REPO_ROOT, Synthesized

import infra.layer
from infra.assembly import build_app
from infra.functions import LambdaRuntime
from infra.layer import (
    ARCHITECTURE,
    PLATFORMS,
    REQUIREMENTS,
    RUNTIME,
    LayerBuildError,
    build_layer,
    pip_arguments,
    python_version,
)

#: Stands in for pip: records its arguments and installs one fake Powertools module where told.
FAKE_PIP = """
import json, pathlib, sys
args = sys.argv[1:]
target = pathlib.Path(args[args.index("--target") + 1])
(target / "aws_lambda_powertools").mkdir(parents=True, exist_ok=True)
(target / "aws_lambda_powertools" / "__init__.py").write_text("")
pathlib.Path(sys.argv[0]).with_suffix(".json").write_text(json.dumps(args))
"""
FAILING_PIP = """
import sys
print("ERROR: Could not find a version that satisfies the requirement icalendar==7.3.2", file=sys.stderr)
sys.exit(1)
"""


def fake_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str = FAKE_PIP) -> Path:
    path = tmp_path / "pip.py"
    path.write_text(script)
    monkeypatch.setattr(infra.layer, "PIP", (sys.executable, str(path)))
    return path.with_suffix(".json")


def test_the_layer_holds_the_requirements_for_the_lambda_platform_and_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = fake_pip(tmp_path, monkeypatch)
    out = tmp_path / "layer"
    build_layer(out, runtime=RUNTIME, architecture=ARCHITECTURE)

    assert (out / "python" / "aws_lambda_powertools" / "__init__.py").is_file()
    # The mails' words are package data: a layer without them fails on the first mail.
    assert (out / "python" / "calsnack" / "templates" / "mail" / "invitation.txt").is_file()
    assert (out / "python" / "calsnack" / "__init__.py").is_file()
    assert (out / "python" / "calsnack" / "adapters" / "aws" / "store" / "store.py").is_file()
    assert not list(out.rglob("__pycache__"))
    args = json.loads(recorded.read_text())
    assert args[args.index("--target") + 1] == str(out / "python")
    assert args[args.index("--platform") + 1] == "manylinux2014_aarch64"
    assert args[args.index("--python-version") + 1] == "3.12"
    assert "--only-binary=:all:" in args
    assert args[args.index("-r") + 1] == str(REQUIREMENTS)


def test_pip_installs_for_the_runtime_and_architecture_every_function_has(synthesized: Synthesized) -> None:
    (layer,) = synthesized.of_type("AWS::Lambda::LayerVersion").values()
    args = pip_arguments(Path("out"), runtime=RUNTIME, architecture=ARCHITECTURE)
    for function in synthesized.stack.runtime.functions.values():
        properties = synthesized.resources[synthesized.logical_id(function)]["Properties"]
        assert properties["Runtime"] in layer["Properties"]["CompatibleRuntimes"]
        assert properties["Architectures"] == layer["Properties"]["CompatibleArchitectures"]
        assert python_version(function.runtime) == args[args.index("--python-version") + 1]
        (architecture,) = properties["Architectures"]
        assert PLATFORMS[architecture] == args[args.index("--platform") + 1]


def test_synthesis_bundles_the_layer_with_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cdk synth` without the test-only flag: the layer asset has what the functions import."""
    recorded = fake_pip(tmp_path, monkeypatch)
    app, stack = build_app({}, outdir=str(tmp_path / "cdk.out"), nag=False)
    app.synth()
    (asset,) = [d for d in (tmp_path / "cdk.out").glob("asset.*") if (d / "python" / "calsnack").is_dir()]
    assert (asset / "python" / "aws_lambda_powertools" / "__init__.py").is_file()
    assert (asset / "python" / "calsnack" / "bootstrap.py").is_file()
    assert recorded.is_file()
    assert [m for m in stack.runtime.layer.node.metadata if m.type == "aws:cdk:info"] == []


def test_a_failing_pip_stops_synthesis_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_pip(tmp_path, monkeypatch, FAILING_PIP)
    app = App(outdir=str(tmp_path / "cdk.out"))
    # jsii hands the bundler's LayerBuildError back as the kernel's RuntimeError, message kept.
    with pytest.raises(RuntimeError, match=r"(?s)building the Lambda layer failed.*icalendar==7\.3\.2.*"):
        LambdaRuntime(Stack(app, "Layer"), "Runtime")


def test_a_failing_pip_raises_outside_cdk_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_pip(tmp_path, monkeypatch, FAILING_PIP)
    with pytest.raises(LayerBuildError, match="testOnlyUnbundledLayer"):
        build_layer(tmp_path / "layer", runtime=RUNTIME, architecture=ARCHITECTURE)


def test_boto3_botocore_and_s3transfer_are_pinned_together() -> None:
    """The tracer extra pulls botocore in; unpinned, a newer botocore would shadow the runtime's
    beside the runtime's older boto3."""
    pins = dict(
        re.match(r"^([a-z0-9_.-]+)==([0-9.]+)$", line).groups()  # type: ignore[union-attr]
        for line in REQUIREMENTS.read_text().splitlines()
        if re.match(r"^(boto3|botocore|s3transfer)==", line)
    )
    assert set(pins) == {"boto3", "botocore", "s3transfer"}
    assert pins["boto3"].split(".")[:2] == pins["botocore"].split(".")[:2]
    dev = (REPO_ROOT / "requirements.txt").read_text()
    assert "boto3" in dev
