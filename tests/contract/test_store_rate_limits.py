"""RateCounter: fixed-window hit counters, per key, shared by everyone who uses the store."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.contract.builders import unique

#: The start of a ten-minute window (a multiple of 600 s since the epoch).
W0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_hits_count_up_within_a_window_and_start_again_in_the_next(store):
    key = f"client:{unique()}"
    assert [store.count_hit(key, 600, W0 + timedelta(seconds=s)) for s in (0, 10, 599)] == [1, 2, 3]
    assert store.count_hit(key, 600, W0 + timedelta(seconds=600)) == 1
    assert store.count_hit(key, 600, W0 + timedelta(seconds=1199)) == 2


def test_keys_and_window_lengths_count_apart(store):
    a, b = f"link:{unique()}", f"link:{unique()}"
    store.count_hit(a, 600, W0)
    store.count_hit(a, 600, W0)
    assert store.count_hit(b, 600, W0) == 1
    assert store.count_hit(a, 3600, W0) == 1
    assert store.count_hit(a, 600, W0) == 3


def test_concurrent_hits_are_all_counted(store, request):
    """The relay attack posts in parallel: no hit may be lost to a race (across threads here; the
    SQLite write lock and DynamoDB's atomic ADD hold across processes and Lambda instances too)."""
    if request.node.callspec.params["adapters"] == "aws":
        pytest.skip("moto's in-memory table is not atomic across threads; DynamoDB's ADD is")
    key = f"address:{unique()}"
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(lambda _: store.count_hit(key, 3600, W0), range(40)))
    assert sorted(counts) == list(range(1, 41))
