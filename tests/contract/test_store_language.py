"""EventStore: an event's language (the CSV `language` column) is kept by both stores, and an
event without one reads back without one (mails then speak English, pages the browser's language)."""

from __future__ import annotations

import pytest

from tests.contract.builders import make_event, unique


@pytest.mark.parametrize("language", ["de", "fr-CA", ""])
def test_an_events_language_survives_the_store(store, language: str) -> None:
    event = make_event(f"ada@{unique()}.example", unique("ev-"), language=language)
    stored = store.put_event(event)
    got = store.get_event(stored.key)
    assert got is not None
    assert got.language == language


def test_a_new_language_is_a_revision_like_any_other(store) -> None:
    stored = store.put_event(make_event(f"ada@{unique()}.example", unique("ev-")))
    store.put_event(stored.revised(language="es"))
    got = store.get_event(stored.key)
    assert got is not None
    assert (got.language, got.sequence) == ("es", stored.sequence)
