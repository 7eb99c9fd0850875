"""A tracing provider that records nothing, for the handlers `calsnack serve` runs.

Powertools' `Tracer()` in every handler module patches in the X-Ray SDK as its provider
even when tracing is disabled, and that imports botocore and builds a session: about
40 MB in each serve process (the main one, the worker process, each time-boxed inbound
process), for traces nobody collects on one machine. `Tracer` instances share one
configuration, so a first `Tracer` given this provider is the one they all use.
"""

from __future__ import annotations

import numbers
import traceback
from collections.abc import Generator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment


class _NoSegment(BaseSegment):
    def close(self, end_time: int | None = None) -> None:
        return None

    def add_subsegment(self, subsegment: Any) -> None:
        return None

    def remove_subsegment(self, subsegment: Any) -> None:
        return None

    def put_annotation(self, key: str, value: str | numbers.Number | bool) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def add_exception(
        self, exception: BaseException, stack: list[traceback.StackSummary], remote: bool = False
    ) -> None:
        return None


class NoTracing(BaseProvider):
    """Every segment is a no-op; nothing is patched."""

    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Generator[BaseSegment, None, None]:
        yield _NoSegment()

    @asynccontextmanager
    async def in_subsegment_async(self, name: str | None = None, **kwargs: Any) -> Any:
        yield _NoSegment()

    def put_annotation(self, key: str, value: str | numbers.Number | bool) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def patch(self, modules: Sequence[str]) -> None:
        return None

    def patch_all(self) -> None:
        return None


def trace_nothing() -> None:
    """Make every `Tracer()` created after this call in this process use `NoTracing`."""
    Tracer(provider=NoTracing(), disabled=True)
