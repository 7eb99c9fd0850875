"""The Lambda runtime every calsnack function shares: one layer, one set of defaults, one environment.

Stage constructs ask `LambdaRuntime.function()` for their functions; the stack then hands every
function the same environment in one place (`add_environment`), so each handler's bootstrap can
build the same AWS adapter set whatever the entry point.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Annotations, Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDAS_DIR = REPO_ROOT / "lambdas"
#: `make layer` installs the runtime requirements and the package here (python/...).
BUILT_LAYER_DIR = REPO_ROOT / "build" / "layer"
#: The package alone, without its requirements: enough to synthesize, not to run.
SOURCE_LAYER_DIR = REPO_ROOT / "layers" / "calsnack"

RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64
HANDLER = "handler.lambda_handler"
_ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".gitkeep", ".mypy_cache", ".pytest_cache"]


def layer_asset_dir() -> Path:
    """`build/layer` once `make layer` has run, else the bare package (so CI synthesizes without it)."""
    return BUILT_LAYER_DIR if (BUILT_LAYER_DIR / "python").is_dir() else SOURCE_LAYER_DIR


class LambdaRuntime(Construct):
    """The shared layer and the defaults of every function (Python 3.12, arm64, active tracing)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, construct_id)
        self._log_retention = log_retention
        self._functions: dict[str, lambda_.Function] = {}

        layer_dir = layer_asset_dir()
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=lambda_.Code.from_asset(str(layer_dir), exclude=[*_ASSET_EXCLUDES, "requirements.txt"]),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="calsnack package and its runtime requirements",
        )
        if layer_dir == SOURCE_LAYER_DIR:
            Annotations.of(self.layer).add_info(
                "Layer built from layers/calsnack without its requirements; run `make layer` before deploying."
            )

    @property
    def functions(self) -> Mapping[str, lambda_.Function]:
        """Every function made so far, by entry name (the folder under lambdas/)."""
        return dict(self._functions)

    def function(
        self,
        scope: Construct,
        construct_id: str,
        *,
        entry: str,
        description: str,
        timeout: Duration,
        memory_size: int = 256,
        dead_letter_queue: sqs.IQueue | None = None,
    ) -> lambda_.Function:
        """A function running `lambdas/<entry>/handler.py:lambda_handler` on the shared layer."""
        if entry in self._functions:
            raise ValueError(f"function {entry!r} already exists")
        log_group = logs.LogGroup(
            scope,
            f"{construct_id}Logs",
            retention=self._log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        function = lambda_.Function(
            scope,
            construct_id,
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(LAMBDAS_DIR / entry), exclude=_ASSET_EXCLUDES),
            layers=[self.layer],
            timeout=timeout,
            memory_size=memory_size,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            dead_letter_queue=dead_letter_queue,
        )
        nag.acknowledge(function, nag.LAMBDA_RULES)
        self._functions[entry] = function
        return function

    def add_environment(self, environment: Mapping[str, str]) -> None:
        """Give every function made so far the same variables."""
        for function in self._functions.values():
            for key, value in environment.items():
                function.add_environment(key, value)
