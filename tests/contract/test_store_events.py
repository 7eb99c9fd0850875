"""EventStore: optimistic versions, and the organizer, domain and event-id lookups."""

from __future__ import annotations

import pytest
from calsnack.domain.model import EventStatus, Source, event_key
from calsnack.ical.write import fields_calendar
from calsnack.ports import Conflict

from tests.contract.builders import make_event, unique


def test_missing_event_is_none(store):
    assert store.get_event(unique("nokey")) is None
    assert store.get_event(event_key(f"ada@{unique()}.example", "never-created")) is None
    assert store.get_event("") is None


def test_get_events_finds_the_existing_ones_by_key(store):
    domain = f"{unique()}.example"
    stored = [store.put_event(make_event(f"ada@{domain}", f"ev-{n}")) for n in range(3)]
    keys = [e.key for e in stored] + [event_key(f"ada@{domain}", "never"), "not-a-key", stored[0].key]
    assert store.get_events(keys) == {e.key: e for e in stored}
    assert store.get_events([]) == {}


def test_put_event_round_trips_every_field(store):
    event = make_event(f"ada@{unique()}.example", unique("ev-"), status=EventStatus.CANCELLED)
    stored = store.put_event(event)
    assert stored == event.revised(version=1)
    got = store.get_event(event.key)
    assert got == stored
    assert got is not None
    assert got.origin_stamp is not None
    assert event.origin_stamp is not None
    # Equal instants are not enough: the organizer's offsets come back as they were given.
    assert got.start.isoformat() == event.start.isoformat()
    assert got.origin_stamp.isoformat() == event.origin_stamp.isoformat()


def test_optional_fields_may_be_empty(store):
    event = make_event(
        f"ada@{unique()}.example",
        unique("ev-"),
        source=Source.CALENDAR,
        location="",
        description="",
        meeting_url="",
        applied_row="",
        origin_stamp=None,
        created_at=None,
        updated_at=None,
        snack_sent=False,
        all_day=True,
    )
    assert store.get_event(store.put_event(event).key) == event.revised(version=1)


def test_put_event_is_conditional_on_the_version(store):
    event = make_event(f"ada@{unique()}.example", unique("ev-"))
    v1 = store.put_event(event)
    with pytest.raises(Conflict):
        store.put_event(event)  # version 0: must not exist yet
    v2 = store.put_event(v1.revised(summary="changed"))
    assert v2.version == 2
    with pytest.raises(Conflict):
        store.put_event(v1.revised(summary="stale"))
    assert store.get_event(event.key) == v2
    with pytest.raises(Conflict):
        store.put_event(make_event(f"ada@{unique()}.example", unique("ev-"), version=3))


def test_put_events_creates_a_chunk_of_new_events(store):
    domain = f"{unique()}.example"
    events = [make_event(f"ada@{domain}", f"ev-{n}", version=0) for n in range(30)]
    stored = store.put_events(events)
    assert stored == [e.revised(version=1) for e in events]
    assert store.get_events(e.key for e in events) == {e.key: e.revised(version=1) for e in events}
    assert store.put_events([]) == []


def test_put_events_leaves_a_taken_key_alone_and_writes_the_others(store):
    domain = f"{unique()}.example"
    taken = store.put_event(make_event(f"ada@{domain}", "taken"))
    again = make_event(f"ada@{domain}", "taken", summary="would overwrite")
    fresh = [make_event(f"ada@{domain}", f"fresh-{n}") for n in range(2)]
    stored = store.put_events([fresh[0], again, fresh[1]])
    assert stored == [fresh[0].revised(version=1), None, fresh[1].revised(version=1)]
    assert store.get_event(taken.key) == taken


def test_put_events_writes_a_key_given_twice_once(store):
    domain = f"{unique()}.example"
    first = make_event(f"ada@{domain}", "twice", summary="first")
    second = make_event(f"ada@{domain}", "twice", summary="second")
    assert store.put_events([first, second]) == [first.revised(version=1), None]
    assert store.get_event(first.key) == first.revised(version=1)


def test_put_events_only_creates(store):
    event = make_event(f"ada@{unique()}.example", unique("ev-"), version=1)
    with pytest.raises(ValueError, match="version"):
        store.put_events([event])
    assert store.get_event(event.key) is None


def test_events_by_organizer_are_sorted_by_event_id(store):
    domain = f"{unique()}.example"
    alice, bob = f"alice@{domain}", f"bob@{domain}"
    for event_id in ("b-2", "a-1", "c-3"):
        store.put_event(make_event(alice, event_id))
    store.put_event(make_event(bob, "a-0"))
    found = store.events_by_organizer(f"Alice@{domain.upper()}")
    assert [(e.organizer, e.event_id) for e in found] == [(alice, "a-1"), (alice, "b-2"), (alice, "c-3")]
    assert store.events_by_organizer(f"nobody@{domain}") == []


def test_events_by_organizer_finds_an_organizer_given_in_mixed_case(store):
    domain = f"{unique()}.example"
    event = store.put_event(make_event(f"Carol@{domain.upper()}", "x-1"))
    assert store.events_by_organizer(f"carol@{domain}") == [event]


def test_events_by_domain_are_sorted_by_organizer_then_event_id(store):
    domain = f"{unique()}.example"
    expected = [(f"{name}@{domain}", event_id) for name in ("amy", "zed") for event_id in ("e1", "e2")]
    for organizer, event_id in reversed(expected):
        store.put_event(make_event(organizer, event_id))
    store.put_event(make_event(f"amy@other-{domain}", "e1"))
    found = store.events_by_domain(domain.upper())
    assert [(e.organizer, e.event_id) for e in found] == expected
    assert found[0] == store.get_event(found[0].key)


def test_find_by_event_id_matches_the_whole_id_within_the_domain(store):
    domain = f"{unique()}.example"
    wanted = [store.put_event(make_event(f"{name}@{domain}", "sale#1")) for name in ("bea", "al")]
    store.put_event(make_event(f"cy@{domain}", "sale#10"))
    store.put_event(make_event(f"cy@{domain}", "sale"))
    store.put_event(make_event(f"dee@elsewhere-{domain}", "sale#1"))
    found = store.find_by_event_id(domain.upper(), "sale#1")
    assert found == sorted(wanted, key=lambda e: e.organizer)
    assert store.find_by_event_id(domain, "nothing") == []


def test_find_by_event_id_sees_an_event_at_once_and_at_its_latest_version(store):
    domain = f"{unique()}.example"
    v1 = store.put_event(make_event(f"ann@{domain}", "now"))
    assert store.find_by_event_id(domain, "now") == [v1]
    v2 = store.put_event(v1.revised(summary="later"))
    assert store.find_by_event_id(domain, "now") == [v2]
    assert store.events_by_organizer(f"ann@{domain}") == [v2]


def test_events_of_a_domain_sort_by_the_normalised_organizer(store):
    domain = f"{unique()}.example"
    bob = store.put_event(make_event(f"Bob@{domain}", "e1"))
    amy = store.put_event(make_event(f"amy@{domain}", "e2"))
    assert store.events_by_domain(domain) == [amy, bob]


def test_all_events_yields_every_event_once(store):
    domain = f"{unique()}.example"
    made = [store.put_event(make_event(f"org{i}@{domain}", unique("ev-"))) for i in range(3)]
    revised = store.put_event(made[0].revised(summary="Moved", status=EventStatus.CANCELLED))
    # The AWS set shares its table across the module: pick this test's events out of the scan.
    mine = [e for e in store.all_events() if e.organizer_domain == domain]
    assert sorted(mine, key=lambda e: e.key) == sorted([revised, *made[1:]], key=lambda e: e.key)


def test_a_csv_event_built_from_its_fields_round_trips_byte_for_byte(store):
    """The AWS store rebuilds such a calendar instead of storing it; nothing may differ."""
    made = make_event(f"ada@{unique()}.example", unique("ev-"))
    calendar = fields_calendar(made)
    stored = store.put_event(made.revised(calendar=calendar))
    assert store.get_event(made.key) == stored
    assert store.get_events([made.key])[made.key].calendar == calendar


@pytest.mark.parametrize("quiet", [0, 2])
def test_quiet_revisions_round_trip(store, quiet):
    """Revisions that kept the iTIP SEQUENCE (issue 13, point 1) survive a write and a read."""
    event = make_event(f"ada@{unique()}.example", unique("ev-"), sequence=5, quiet_revisions=quiet)
    store.put_event(event)
    got = store.get_event(event.key)
    assert got is not None
    assert (got.sequence, got.quiet_revisions, got.itip_sequence) == (5, quiet, 5 - quiet)


def test_events_of_batch_are_the_events_a_batch_row_applied_last(store):
    domain = f"{unique()}.example"
    batch, other = unique("b"), unique("b")
    ours = [
        store.put_event(make_event(f"ada@{domain}", f"ev-{n}", applied_row=f"{batch}:{n:08d}"))
        for n in range(3)
    ]
    store.put_event(make_event(f"ada@{domain}", "later", applied_row=f"{other}:00000001"))
    store.put_event(make_event(f"ada@{domain}", "client", applied_row=""))
    # The batch id as a prefix of another batch's id, and the same batch in another domain.
    store.put_event(make_event(f"ada@{domain}", "prefix", applied_row=f"{batch}x:00000001"))
    store.put_event(make_event(f"ada@other-{domain}", "elsewhere", applied_row=f"{batch}:00000009"))
    store.put_event(make_event(f"ada@{domain}", "quoting", description=f'"applied_row": "{batch}:0001"'))
    assert store.events_of_batch(domain.upper(), batch, 10) == ours
    assert store.events_of_batch(domain, batch, 2) == ours[:2]
    assert store.events_of_batch(domain, unique("b"), 10) == []
