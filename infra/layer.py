"""The shared Lambda layer's contents, built by `cdk synth` / `cdk deploy` itself.

A layer holding the bare package deploys fine and then fails every invocation on
`import aws_lambda_powertools`, so the layer is never taken from a folder someone had to
remember to fill: CDK asks `PipLayerBundler` for the asset, which runs pip for the Lambda
platform (manylinux wheels for the functions' architecture and Python version, never the build
machine's) and copies the package beside what pip installed. No Docker is involved; CDK keeps
the result in cdk.out under the source's hash, so pip runs again only when the package or its
requirements change.

`python -m infra.layer DIR` (what `make layer` runs) builds the same folder outside CDK.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

REPO_ROOT = Path(__file__).resolve().parent.parent
#: What every function runs on, so what the layer's wheels are installed for.
RUNTIME = lambda_.Runtime.PYTHON_3_12
ARCHITECTURE = lambda_.Architecture.ARM_64
#: The package, laid out as Lambda expects a layer (python/calsnack), and its requirements.
SOURCE_LAYER_DIR = REPO_ROOT / "layers" / "calsnack"
REQUIREMENTS = SOURCE_LAYER_DIR / "requirements.txt"
PACKAGE = "calsnack"
#: Context flag that synthesizes the layer from the bare package, without pip: for the template
#: tests only, which read the template and never run the functions. A stack synthesized with it
#: must not be deployed (its functions cannot import their requirements).
UNBUNDLED_LAYER_FLAG = "calsnack:testOnlyUnbundledLayer"
#: The wheel platform pip installs for, per Lambda architecture.
PLATFORMS = {
    lambda_.Architecture.ARM_64.name: "manylinux2014_aarch64",
    lambda_.Architecture.X86_64.name: "manylinux2014_x86_64",
}
#: How pip is run: the interpreter that synthesizes (the project's venv, where pip is installed).
PIP: tuple[str, ...] = (sys.executable, "-m", "pip")
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")
#: Never pulled: the local bundler always succeeds or fails the synthesis with its own error.
_UNUSED_IMAGE = "public.ecr.aws/sam/build-python3.12"


class LayerBuildError(RuntimeError):
    """pip could not install the layer's requirements: synthesis stops rather than ship a broken layer."""


def python_version(runtime: lambda_.Runtime) -> str:
    """`3.12` for `python3.12`: what pip's --python-version wants."""
    name = runtime.name
    if not name.startswith("python"):
        raise ValueError(f"{name} is not a Python runtime")
    return name.removeprefix("python")


def pip_arguments(target: Path, *, runtime: lambda_.Runtime, architecture: lambda_.Architecture) -> list[str]:
    """pip's arguments for the functions' platform: binary wheels only, so nothing compiles for the host."""
    platform = PLATFORMS.get(architecture.name)
    if platform is None:
        raise ValueError(f"no wheel platform known for architecture {architecture.name}")
    return [
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(target),
        "--platform",
        platform,
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        python_version(runtime),
        "-r",
        str(REQUIREMENTS),
    ]


def build_layer(
    output_dir: Path,
    *,
    runtime: lambda_.Runtime,
    architecture: lambda_.Architecture,
) -> None:
    """Fill `output_dir` as the layer: `python/` with the requirements and the package."""
    site = output_dir / "python"
    site.mkdir(parents=True, exist_ok=True)
    command = [*PIP, *pip_arguments(site, runtime=runtime, architecture=architecture)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise LayerBuildError(
            f"building the Lambda layer failed: `{' '.join(command)}` exited {result.returncode}:\n"
            f"{result.stderr.strip() or result.stdout.strip()}\n"
            "The layer needs the requirements' wheels from the package index; pass "
            f"-c {UNBUNDLED_LAYER_FLAG}=true only to synthesize a template that is never deployed."
        )
    package = site / PACKAGE
    if package.exists():
        shutil.rmtree(package)
    shutil.copytree(SOURCE_LAYER_DIR / "python" / PACKAGE, package, ignore=_IGNORED)


@jsii.implements(ILocalBundling)
class PipLayerBundler:
    """CDK's local bundling hook for the layer asset: builds it on this machine with pip."""

    def __init__(
        self,
        *,
        runtime: lambda_.Runtime,
        architecture: lambda_.Architecture,
    ) -> None:
        self.runtime = runtime
        self.architecture = architecture

    def try_bundle(self, output_dir: str, *_options: Any, **_keywords: Any) -> bool:
        """jsii passes the bundling options too; this bundler needs none of them."""
        build_layer(Path(output_dir), runtime=self.runtime, architecture=self.architecture)
        return True


def layer_code(
    *,
    runtime: lambda_.Runtime,
    architecture: lambda_.Architecture,
    unbundled: bool,
) -> lambda_.Code:
    """The layer asset: bundled by pip, or (test-only flag) the bare package."""
    excludes = ["__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache"]
    if unbundled:
        return lambda_.Code.from_asset(str(SOURCE_LAYER_DIR), exclude=[*excludes, "requirements.txt"])
    return lambda_.Code.from_asset(
        str(SOURCE_LAYER_DIR),
        exclude=excludes,
        bundling=BundlingOptions(
            image=DockerImage.from_registry(_UNUSED_IMAGE),
            local=PipLayerBundler(runtime=runtime, architecture=architecture),
        ),
    )


def main(argv: Sequence[str] = tuple(sys.argv[1:])) -> None:
    """`python -m infra.layer DIR`: the layer as `cdk synth` bundles it, into DIR."""
    if len(argv) != 1:
        raise SystemExit("usage: python -m infra.layer OUTPUT_DIR")
    output = Path(argv[0])
    if output.exists():
        shutil.rmtree(output)
    build_layer(output, runtime=RUNTIME, architecture=ARCHITECTURE)


if __name__ == "__main__":
    main()
