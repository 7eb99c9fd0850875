"""The Lambda runtime every calsnack function shares: one layer, one set of defaults, one environment.

Stage constructs ask `LambdaRuntime.function()` for their functions; the stack then hands every
function the same environment in one place (`add_environment`), so each handler's bootstrap can
build the same AWS adapter set whatever the entry point.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Annotations, Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag
from infra.layer import ARCHITECTURE, REPO_ROOT, RUNTIME, UNBUNDLED_LAYER_FLAG, layer_code

LAMBDAS_DIR = REPO_ROOT / "lambdas"
HANDLER = "handler.lambda_handler"
_ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".gitkeep", ".mypy_cache", ".pytest_cache"]

__all__ = ["ARCHITECTURE", "REPO_ROOT", "RUNTIME", "LambdaRuntime"]


class LambdaRuntime(Construct):
    """The shared layer and the defaults of every function (Python 3.12, arm64, active tracing).

    Every function is made by `function()` with the layer's own runtime and architecture, so the
    wheels pip installed into the layer are the ones the functions can load.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        unbundled_layer: bool = False,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, construct_id)
        self._log_retention = log_retention
        self._functions: dict[str, lambda_.Function] = {}

        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=layer_code(runtime=RUNTIME, architecture=ARCHITECTURE, unbundled=unbundled_layer),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="calsnack package and its runtime requirements",
        )
        if unbundled_layer:
            Annotations.of(self.layer).add_info(
                f"{UNBUNDLED_LAYER_FLAG}: the layer holds the bare package without its requirements;"
                " this template is for tests and must not be deployed."
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
