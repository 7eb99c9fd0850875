"""Fixtures of the contract suite: every test that takes `adapters` or `store` runs once per adapter set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from calsnack.ports import Store
from moto import mock_aws

from tests.aws_limits import enforce_limits
from tests.contract.adapter_sets import AdapterSet, AwsWorld, embedded_set


@pytest.fixture(scope="module")
def aws_world() -> Iterator[AwsWorld]:
    with mock_aws():
        world = AwsWorld()
        # moto enforces few of AWS's request limits: these clients refuse what AWS would.
        enforce_limits(world.dynamodb, world.sqs, world.s3, world.sesv2)
        yield world


@pytest.fixture(params=["embedded", "aws"])
def adapters(request: pytest.FixtureRequest, tmp_path: Path) -> AdapterSet:
    if request.param == "embedded":
        return embedded_set(tmp_path)
    world: AwsWorld = request.getfixturevalue("aws_world")
    return world.adapter_set()


@pytest.fixture
def store(adapters: AdapterSet) -> Store:
    return adapters.store
