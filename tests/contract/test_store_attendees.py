"""AttendeeStore: latest answer wins, invitations keep the highest revision and its time, paging, counts."""

from __future__ import annotations

from datetime import timedelta, timezone

from calsnack.domain.model import GOING, Attendee, Channel, Counts, Delivery, Method, PartStat

from tests.contract.builders import T0, answer, unique

ACCEPTED, TENTATIVE, DECLINED, NEEDS_ACTION = (
    PartStat.ACCEPTED,
    PartStat.TENTATIVE,
    PartStat.DECLINED,
    PartStat.NEEDS_ACTION,
)


def request(key: str, email: str, sequence: int = 0) -> Delivery:
    return Delivery(key, email, sequence, Method.REQUEST)


def test_get_attendees_returns_only_known_people_by_normalized_address(store):
    key = unique("evt")
    store.record_answer(key, answer("Ann@X.example", ACCEPTED, T0))
    store.record_sent([request(key, "BEN@x.example", 1)], T0)
    found = store.get_attendees(
        key, ["ann@x.example", " ANN@x.example", "mailto:Ben@X.example", "no@x.example"]
    )
    assert found == {
        "ann@x.example": Attendee("ann@x.example", ACCEPTED, T0, Channel.BUTTON),
        "ben@x.example": Attendee("ben@x.example", NEEDS_ACTION, invited_sequence=1, invited_at=T0),
    }
    assert store.get_attendees(key, []) == {}
    assert store.get_attendees(unique("evt"), ["ann@x.example"]) == {}


def test_the_latest_answer_wins(store):
    key = unique("evt")
    email = "pat@x.example"
    assert store.record_answer(key, answer(email, ACCEPTED, T0, Channel.CALENDAR))
    assert not store.record_answer(key, answer(email, DECLINED, T0 - timedelta(seconds=1)))
    assert not store.record_answer(key, answer(email, DECLINED, T0))  # the same moment: the first stays
    assert store.get_attendees(key, [email])[email] == Attendee(email, ACCEPTED, T0, Channel.CALENDAR)
    # Later as an instant though earlier as text in its own offset.
    later = (T0 + timedelta(minutes=1)).astimezone(timezone(timedelta(hours=-10)))
    assert store.record_answer(key, answer(email, TENTATIVE, later))
    got = store.get_attendees(key, [email])[email]
    assert (got.partstat, got.answered_at, got.channel) == (TENTATIVE, later, Channel.BUTTON)


def test_answers_to_other_events_are_kept_apart(store):
    one, two = unique("evt"), unique("evt")
    assert store.record_answer(one, answer("kim@x.example", ACCEPTED, T0))
    assert store.record_answer(two, answer("kim@x.example", DECLINED, T0 - timedelta(days=1)))
    assert store.get_attendees(one, ["kim@x.example"])["kim@x.example"].partstat is ACCEPTED


def test_record_sent_keeps_the_highest_revision_and_the_answer(store):
    key = unique("evt")
    store.record_answer(key, answer("acc@x.example", ACCEPTED, T0))
    store.record_sent([request(key, "acc@x.example", 2), request(key, "new@x.example", 2)], T0)
    store.record_sent([request(key, "ACC@x.example", 1), request(key, "new@x.example", 0)], T0)
    got = store.get_attendees(key, ["acc@x.example", "new@x.example"])
    assert got["acc@x.example"] == Attendee(
        "acc@x.example", ACCEPTED, T0, Channel.BUTTON, invited_sequence=2, invited_at=T0
    )
    assert got["new@x.example"] == Attendee("new@x.example", NEEDS_ACTION, invited_sequence=2, invited_at=T0)
    store.record_sent([request(key, "new@x.example", 3)], T0)
    assert store.get_attendees(key, ["new@x.example"])["new@x.example"].invited_sequence == 3


def test_invited_at_moves_with_the_invited_revision(store):
    key = unique("evt")
    email = "when@x.example"
    store.record_answer(key, answer(email, TENTATIVE, T0))
    assert store.get_attendees(key, [email])[email].invited_at is None  # answered, never invited
    store.record_sent([request(key, email, 1)], T0)
    # A repeated or older revision (re-delivered work) keeps the time of the stored revision.
    store.record_sent([request(key, email, 1), request(key, email, 0)], T0 + timedelta(hours=1))
    assert store.get_attendees(key, [email])[email].invited_at == T0
    # Given in any offset, it comes back as the same instant.
    later = (T0 + timedelta(days=1)).astimezone(timezone(timedelta(hours=9)))
    store.record_sent([request(key, "WHEN@x.example", 2)], later)
    got = store.get_attendees(key, [email])[email]
    assert (got.invited_sequence, got.invited_at, got.partstat) == (2, later, TENTATIVE)
    # A cancellation leaves the invitation's time alone.
    store.record_sent([Delivery(key, email, 3, Method.CANCEL)], later + timedelta(hours=1))
    got = store.get_attendees(key, [email])[email]
    assert (got.cancel_sent, got.invited_at) == (True, later)
    assert store.attendees(key, None, "", 1)[0].invited_at == later


def test_record_sent_remembers_cancellations(store):
    key, other = unique("evt"), unique("evt")
    store.record_answer(key, answer("go@x.example", ACCEPTED, T0))
    store.record_sent([request(key, "go@x.example", 0), request(other, "go@x.example", 4)], T0)
    store.record_sent([Delivery(key, "Go@x.example", 1, Method.CANCEL)], T0)
    got = store.get_attendees(key, ["go@x.example"])["go@x.example"]
    assert (got.cancel_sent, got.invited_sequence, got.partstat) == (True, 0, ACCEPTED)
    assert not store.get_attendees(other, ["go@x.example"])["go@x.example"].cancel_sent
    store.record_sent([], T0)


def test_attendees_lists_answered_and_invited_people_in_address_order(store):
    key = unique("evt")
    store.record_answer(key, answer("d@x.example", DECLINED, T0))
    store.record_answer(key, answer("a@x.example", ACCEPTED, T0))
    store.record_answer(key, answer("t@x.example", TENTATIVE, T0))
    store.record_sent([request(key, "n@x.example"), request(key, "a@x.example")], T0)

    def emails(partstats, after="", limit=100):
        return [a.email for a in store.attendees(key, partstats, after, limit)]

    assert emails(None) == ["a@x.example", "d@x.example", "n@x.example", "t@x.example"]
    assert emails(GOING) == ["a@x.example", "t@x.example"]
    assert emails(frozenset({NEEDS_ACTION})) == ["n@x.example"]
    assert emails(frozenset({DECLINED, NEEDS_ACTION})) == ["d@x.example", "n@x.example"]
    assert emails(None, after="d@x.example") == ["n@x.example", "t@x.example"]
    assert emails(None, after="b", limit=2) == ["d@x.example", "n@x.example"]
    assert emails(GOING, after="t@x.example") == []
    assert emails(None, limit=0) == []
    assert store.attendees(key, None, "", 1) == [
        Attendee("a@x.example", ACCEPTED, T0, Channel.BUTTON, invited_sequence=0, invited_at=T0)
    ]
    assert store.attendees(unique("evt"), None, "", 10) == []


def test_paging_collects_every_attendee_once_in_order(store):
    """Far more addresses than the AWS store's shards, pages far smaller than a shard's share."""
    key = unique("evt")
    everyone = [f"p{i:03d}.{unique()}@x.example" for i in range(100)]
    going = set(everyone[::3]) | set(everyone[1::7])
    store.record_sent([request(key, e, 1) for e in everyone], T0)
    for n, email in enumerate(sorted(going)):
        store.record_answer(key, answer(email, ACCEPTED if n % 2 else TENTATIVE, T0))
    store.record_answer(key, answer(everyone[2], DECLINED, T0))

    def collect(partstats, limit):
        pages, after = [], ""
        while page := store.attendees(key, partstats, after, limit):
            assert len(page) <= limit
            pages.append(page)
            after = page[-1].email
        return [a.email for page in pages for a in page], pages

    all_emails, pages = collect(None, 19)
    assert all_emails == sorted(everyone)
    assert [len(p) for p in pages] == [19] * 5 + [5]
    going_emails, _ = collect(GOING, 10)
    assert going_emails == sorted(going)
    assert collect(frozenset({DECLINED}), 1)[0] == [everyone[2]]


def test_counts_follow_the_report_definitions(store):
    key = unique("evt")
    invited = ["acc@x.example", "dec@x.example", "quiet@x.example", "tent@x.example"]
    deliveries = [request(key, e, 0) for e in invited]
    answers = [
        answer("acc@x.example", ACCEPTED, T0),
        answer("dec@x.example", DECLINED, T0),
        answer("tent@x.example", TENTATIVE, T0),
        answer("walkin@x.example", DECLINED, T0),  # a No click from someone never invited
        answer("maybe@x.example", TENTATIVE, T0),  # a Maybe click before the invitation goes out
    ]
    assert store.counts(key) == Counts()
    for _ in range(2):  # re-delivered work changes nothing
        store.record_sent(deliveries, T0)
        for a in answers:
            store.record_answer(key, a)
    assert (
        store.counts(key).as_dict()
        == Counts(invited=4, accepted=1, tentative=2, declined=2, needs_action=1).as_dict()
    )
    store.record_answer(key, answer("acc@x.example", DECLINED, T0 + timedelta(hours=1)))
    store.record_sent([Delivery(key, "acc@x.example", 0, Method.CANCEL)], T0)
    assert (
        store.counts(key).as_dict()
        == Counts(invited=4, accepted=0, tentative=2, declined=3, needs_action=1).as_dict()
    )
    store.record_answer(key, answer("tent@x.example", ACCEPTED, T0 + timedelta(hours=2), Channel.CALENDAR))
    assert store.counts(key).activity() == {
        "button_answers": 4,
        "calendar_answers": 1,
        "cancellations_sent": 1,
        "bounced": 0,
    }


def test_record_bounce_marks_a_known_attendee_once_and_counts_it(store):
    key, other = unique("evt"), unique("evt")
    store.record_sent([request(key, "gone@x.example"), request(key, "fine@x.example")], T0)
    store.record_answer(key, answer("late@x.example", ACCEPTED, T0))
    assert store.record_bounce(key, "Gone@X.example", T0)
    assert not store.record_bounce(key, "gone@x.example", T0 + timedelta(minutes=1))  # re-delivered
    assert store.record_bounce(key, "mailto:late@x.example", T0)
    # Nobody is created: neither a stranger to the event nor anyone on an unknown event.
    assert not store.record_bounce(key, "stranger@x.example", T0)
    assert not store.record_bounce(other, "gone@x.example", T0)
    assert store.get_attendees(key, ["stranger@x.example"]) == {}
    assert store.get_attendees(other, ["gone@x.example"]) == {}
    counts = store.counts(key)
    assert counts.activity()["bounced"] == 2
    assert counts.as_dict() == Counts(invited=2, accepted=1, needs_action=2).as_dict()
    assert "bounced" not in counts.as_dict()
    assert store.counts(other).bounced == 0
    # The record keeps its answer and invitation.
    got = store.get_attendees(key, ["gone@x.example", "late@x.example"])
    assert got["gone@x.example"] == Attendee(
        "gone@x.example", NEEDS_ACTION, invited_sequence=0, invited_at=T0
    )
    assert got["late@x.example"] == Attendee("late@x.example", ACCEPTED, T0, Channel.BUTTON)


def test_the_note_goes_with_its_answer(store):
    """Issue 13, point 10: a calendar reply's COMMENT is kept with the answer it came with."""
    from dataclasses import replace

    key = unique("evt")
    noted = replace(answer("ann@x.example", DECLINED, T0, Channel.CALENDAR), comment="Sorry, travelling 🧳")
    assert store.record_answer(key, noted)
    assert store.get_attendees(key, ["ann@x.example"])["ann@x.example"].comment == "Sorry, travelling 🧳"
    # An older answer changes neither the answer nor its note.
    assert not store.record_answer(
        key, replace(noted, at=T0 - timedelta(1), comment="old", partstat=ACCEPTED)
    )
    [kept] = store.attendees(key, None, "", 10)
    assert (kept.partstat, kept.comment) == (DECLINED, "Sorry, travelling 🧳")
    # A later answer without a note clears it: the note belonged to the answer it replaced.
    assert store.record_answer(key, answer("ann@x.example", ACCEPTED, T0 + timedelta(1)))
    assert store.get_attendees(key, ["ann@x.example"])["ann@x.example"].comment == ""


def test_attendees_of_many_events_are_each_events_own(store):
    one, two, empty = unique("evt"), unique("evt"), unique("evt")
    store.record_answer(one, answer("Ann@X.example", ACCEPTED, T0))
    store.record_sent([request(two, "ann@x.example", 2), request(two, "ben@x.example", 1)], T0)
    wanted = {
        one: ["ANN@x.example", "ben@x.example"],
        two: ["mailto:Ann@X.example"],
        empty: ["ann@x.example"],
    }
    assert store.attendees_of(wanted) == {
        one: {"ann@x.example": Attendee("ann@x.example", ACCEPTED, T0, Channel.BUTTON)},
        two: {"ann@x.example": Attendee("ann@x.example", NEEDS_ACTION, invited_sequence=2, invited_at=T0)},
        empty: {},
    }
    assert store.attendees_of({}) == {}
    # More pairs than one statement binds: each event's, and only those asked for.
    many = {unique("evt"): [f"p{n}@x.example"] for n in range(600)}
    for key, (email,) in list(many.items())[::7]:
        store.record_sent([request(key, email, 1)], T0)
    big = unique("evt")
    many[big] = [f"w{n}@x.example" for n in range(1100)]
    store.record_sent([request(big, f"w{n}@x.example", 1) for n in range(0, 1100, 100)], T0)
    got = store.attendees_of(many)
    assert {key for key, known in got.items() if known} == {*list(many)[:600:7], big}
    assert all(set(known) <= set(many[key]) for key, known in got.items())
    assert sorted(got[big]) == sorted(f"w{n}@x.example" for n in range(0, 1100, 100))
