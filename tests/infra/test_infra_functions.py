"""Which folder the shared layer is built from."""

from __future__ import annotations

from pathlib import Path

import pytest

import infra.functions
from infra.functions import SOURCE_LAYER_DIR, layer_asset_dir


def test_layer_uses_the_bare_package_until_make_layer_has_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(infra.functions, "BUILT_LAYER_DIR", tmp_path / "layer")
    assert layer_asset_dir() == SOURCE_LAYER_DIR
    (tmp_path / "layer" / "python").mkdir(parents=True)
    assert layer_asset_dir() == tmp_path / "layer"


def test_the_bare_package_is_laid_out_as_a_layer() -> None:
    assert (SOURCE_LAYER_DIR / "python" / "calsnack" / "__init__.py").is_file()
