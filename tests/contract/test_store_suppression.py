"""SuppressionStore: global and per-domain suppressions, normalised, read in bulk."""

from __future__ import annotations

from datetime import timedelta

from tests.contract.builders import T0, unique


def test_suppress_reports_whether_the_scope_is_new(store):
    email = f"{unique()}@x.example"
    assert store.suppress(email, "*", "bounce", T0)
    assert not store.suppress(email.upper(), "*", "complaint", T0 + timedelta(days=1))
    assert store.suppress(email, "Corp.Example", "unsubscribe", T0)
    assert not store.suppress(f"mailto:{email}", "corp.example", "unsubscribe", T0)


def test_global_suppression_covers_every_domain_and_a_domains_only_that_domain(store):
    bounced, unsubscribed, fine = (f"{unique(p)}@x.example" for p in ("bounced-", "unsub-", "fine-"))
    store.suppress(bounced, "*", "bounce", T0)
    store.suppress(unsubscribed, "corp.example", "unsubscribe", T0)
    asked = [bounced.upper(), f"mailto:{unsubscribed}", fine]
    assert store.suppressed(asked, "Corp.Example") == {bounced, unsubscribed}
    assert store.suppressed(asked, "other.example") == {bounced}
    assert store.suppressed([], "corp.example") == set()
    assert store.suppressed([fine, fine], "corp.example") == set()


def test_suppressed_reads_thousands_of_addresses(store):
    """More than ten BatchGetItem requests' worth of keys, with repeats and case variants."""
    everyone = [f"p{i:04d}.{unique()}@x.example" for i in range(1200)]
    for email in everyone[::97]:
        store.suppress(email, "*", "bounce", T0)
    for email in everyone[5::101]:
        store.suppress(email, "bulk.example", "unsubscribe", T0)
    asked = everyone + [e.upper() for e in everyone[:50]]
    assert store.suppressed(asked, "bulk.example") == set(everyone[::97]) | set(everyone[5::101])
    assert store.suppressed(asked, "other.example") == set(everyone[::97])


def test_an_organizers_own_scope_stops_that_organizer_only(store):
    """A public provider's unsubscribe is kept for the organizer's address (issue 14)."""
    email = f"{unique()}@x.example"
    assert store.suppress(email, "alice@gmail.com", "unsubscribe", T0)
    assert store.suppressed([email], "Alice@Gmail.com") == {email}
    assert store.suppressed([email], "bob@gmail.com") == set()
    assert store.suppressed([email], "gmail.com") == set()


def test_a_domains_scope_stops_every_organizer_of_the_domain(store):
    email = f"{unique()}@x.example"
    store.suppress(email, "corp.example", "unsubscribe", T0)
    assert store.suppressed([email], "ann@corp.example") == {email}
    assert store.suppressed([email], "ben@Corp.Example") == {email}
    assert store.suppressed([email], "ann@other.example") == set()


def test_a_global_suppression_covers_an_organizer_too(store):
    bounced, fine = f"{unique('b-')}@x.example", f"{unique('f-')}@x.example"
    store.suppress(bounced, "*", "bounce", T0)
    assert store.suppressed([bounced, fine], "alice@gmail.com") == {bounced}
